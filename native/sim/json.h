// A small strict JSON parser (RFC 8259): no comments, no trailing commas, no NaN, no
// duplicate keys. Scenario files are written by hand, so syntax errors carry line/column.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lem::sim::json {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Value {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Type type = Type::Null;
  bool boolValue = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  // Objects keep their key order so error messages follow the file.
  std::vector<std::pair<std::string, Value>> object;

  bool isNull() const { return type == Type::Null; }
  bool isBool() const { return type == Type::Bool; }
  bool isNumber() const { return type == Type::Number; }
  bool isString() const { return type == Type::String; }
  bool isArray() const { return type == Type::Array; }
  bool isObject() const { return type == Type::Object; }

  // Member of an object, or nullptr.
  const Value* find(const std::string& key) const;
};

// Throws ParseError("line L, column C: ...").
Value parse(const std::string& text);

// Short rendering of a value for error messages ("-1", "\"abc\"", "an object").
std::string describe(const Value& value);

}  // namespace lem::sim::json
