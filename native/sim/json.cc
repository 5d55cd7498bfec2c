#include "json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lem::sim::json {

namespace {

constexpr int kMaxDepth = 64;  // scenarios are shallow; bounds recursion on hostile input

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  Value parseDocument() {
    skipSpace();
    Value v = parseValue(0);
    skipSpace();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  const std::string& text_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ParseError("line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                     what);
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  void skipSpace() {
    while (!atEnd()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  void expectWord(const char* word) {
    for (const char* p = word; *p; ++p) {
      if (peek() != *p) fail(std::string("invalid literal (expected ") + word + ")");
      ++pos_;
    }
  }

  Value parseValue(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    Value v;
    char c = peek();
    if (atEnd()) fail("unexpected end of input");
    if (c == '{') {
      parseObject(v, depth);
    } else if (c == '[') {
      parseArray(v, depth);
    } else if (c == '"') {
      v.type = Value::Type::String;
      v.string = parseString();
    } else if (c == 't') {
      expectWord("true");
      v.type = Value::Type::Bool;
      v.boolValue = true;
    } else if (c == 'f') {
      expectWord("false");
      v.type = Value::Type::Bool;
    } else if (c == 'n') {
      expectWord("null");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = Value::Type::Number;
      v.number = parseNumber();
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  void parseObject(Value& v, int depth) {
    v.type = Value::Type::Object;
    ++pos_;  // {
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skipSpace();
      if (peek() != '"') fail("expected a string key");
      size_t keyPos = pos_;
      std::string key = parseString();
      if (v.find(key) != nullptr) {
        pos_ = keyPos;
        fail("duplicate key \"" + key + "\"");
      }
      skipSpace();
      if (peek() != ':') fail("expected ':' after key");
      ++pos_;
      skipSpace();
      Value member = parseValue(depth + 1);
      v.object.emplace_back(std::move(key), std::move(member));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in object");
    }
  }

  void parseArray(Value& v, int depth) {
    v.type = Value::Type::Array;
    ++pos_;  // [
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skipSpace();
      v.array.push_back(parseValue(depth + 1));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return;
      }
      fail("expected ',' or ']' in array");
    }
  }

  unsigned parseHex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = peek();
      unsigned digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        fail("invalid \\u escape");
      }
      code = code * 16 + digit;
      ++pos_;
    }
    return code;
  }

  static void appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string parseString() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (atEnd()) fail("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = parseHex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (peek() != '\\') fail("unpaired surrogate in \\u escape");
            ++pos_;
            if (peek() != 'u') fail("unpaired surrogate in \\u escape");
            ++pos_;
            unsigned low = parseHex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          --pos_;
          fail("invalid escape in string");
      }
    }
  }

  double parseNumber() {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      fail("invalid number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("invalid number (digits expected after '.')");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("invalid number (digits expected in exponent)");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    std::string literal = text_.substr(start, pos_ - start);
    double value = std::strtod(literal.c_str(), nullptr);  // "C" locale: Node never calls setlocale
    if (!std::isfinite(value)) {
      pos_ = start;
      fail("number out of range");
    }
    return value;
  }
};

}  // namespace

const Value* Value::find(const std::string& key) const {
  for (const auto& member : object) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Value parse(const std::string& text) { return Parser(text).parseDocument(); }

std::string describe(const Value& value) {
  switch (value.type) {
    case Value::Type::Null: return "null";
    case Value::Type::Bool: return value.boolValue ? "true" : "false";
    case Value::Type::Number: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.15g", value.number);
      return buf;
    }
    case Value::Type::String: {
      std::string s = value.string.size() > 40 ? value.string.substr(0, 40) + "..." : value.string;
      return "\"" + s + "\"";
    }
    case Value::Type::Array: return "an array";
    case Value::Type::Object: return "an object";
  }
  return "?";
}

}  // namespace lem::sim::json
