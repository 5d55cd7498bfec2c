#include "scenario.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "../nvml/nvml_types.h"
#include "json.h"
#include "sim.h"

namespace lem::sim {

namespace {

using json::Value;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ScenarioError(path + ": " + what);
}

[[noreturn]] void expected(const std::string& path, const std::string& what, const Value& found) {
  fail(path, "expected " + what + ", found " + json::describe(found));
}

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string element(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A JSON object being read: remembers the keys read so that leftovers (typos) are errors.
class ObjectReader {
 public:
  ObjectReader(const Value& v, std::string path) : v_(v), path_(std::move(path)) {
    if (!v.isObject()) expected(path_.empty() ? "(root)" : path_, "an object", v);
  }

  const std::string& path() const { return path_; }
  std::string pathOf(const std::string& key) const { return child(path_, key); }

  const Value* get(const std::string& key) {
    known_.insert(key);
    return v_.find(key);
  }

  double number(const std::string& key, double def, const char* rule = "number") {
    const Value* v = get(key);
    if (!v) return def;
    return checkNumber(*v, pathOf(key), rule);
  }

  std::string string(const std::string& key, const std::string& def) {
    const Value* v = get(key);
    if (!v) return def;
    if (!v->isString()) expected(pathOf(key), "a string", *v);
    return v->string;
  }

  bool boolean(const std::string& key, bool def) {
    const Value* v = get(key);
    if (!v) return def;
    if (!v->isBool()) expected(pathOf(key), "true or false", *v);
    return v->boolValue;
  }

  // Until-times: absent or null mean forever.
  double untilS(const std::string& key) {
    const Value* v = get(key);
    if (!v || v->isNull()) return kForever;
    return checkNumber(*v, pathOf(key), "nonNegative");
  }

  const Value& array(const std::string& key, const Value& empty) {
    const Value* v = get(key);
    if (!v) return empty;
    if (!v->isArray()) expected(pathOf(key), "an array", *v);
    return *v;
  }

  void finish() const {
    for (const auto& member : v_.object) {
      if (!known_.count(member.first)) {
        std::string allowed;
        for (const auto& k : known_) allowed += (allowed.empty() ? "" : ", ") + k;
        fail(pathOf(member.first), "unknown key (allowed here: " + allowed + ")");
      }
    }
  }

  // rule: "number", "nonNegative", "positive", "integer" (non-negative integer),
  // "fraction" (0..1).
  static double checkNumber(const Value& v, const std::string& path, const std::string& rule) {
    if (rule == "positive") {
      if (!v.isNumber() || !(v.number > 0)) expected(path, "a positive number", v);
    } else if (rule == "nonNegative") {
      if (!v.isNumber() || v.number < 0) expected(path, "a number >= 0", v);
    } else if (rule == "integer") {
      if (!v.isNumber() || v.number < 0 || std::floor(v.number) != v.number ||
          v.number > 9007199254740991.0)
        expected(path, "a non-negative integer", v);
    } else if (rule == "fraction") {
      if (!v.isNumber() || v.number < 0 || v.number > 1) expected(path, "a number from 0 to 1", v);
    } else if (!v.isNumber()) {
      expected(path, "a number", v);
    }
    return v.number;
  }

 private:
  const Value& v_;
  std::string path_;
  std::set<std::string> known_;
};

const Value kEmptyArray = [] {
  Value v;
  v.type = Value::Type::Array;
  return v;
}();

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// "GPU-" / "MIG-" followed by 8-4-4-4-12 hex digits.
bool validUuid(const std::string& s, const char* prefix) {
  if (s.size() != 40 || s.compare(0, 4, prefix) != 0) return false;
  for (size_t i = 4; i < s.size(); ++i) {
    size_t j = i - 4;
    bool dash = j == 8 || j == 13 || j == 18 || j == 23;
    if (dash ? s[i] != '-' : !isHex(s[i])) return false;
  }
  return true;
}

// "DDDDDDDD:BB:DD.F" (hex).
bool parseBusId(const std::string& s, DeviceSpec& d) {
  if (s.size() != 16 || s[8] != ':' || s[11] != ':' || s[14] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 11 || i == 14) continue;
    if (!isHex(s[i])) return false;
  }
  d.pciDomain = static_cast<unsigned>(std::stoul(s.substr(0, 8), nullptr, 16));
  d.pciBus = static_cast<unsigned>(std::stoul(s.substr(9, 2), nullptr, 16));
  d.pciDevice = static_cast<unsigned>(std::stoul(s.substr(12, 2), nullptr, 16));
  return true;
}

struct NamedValue {
  const char* name;
  unsigned long long value;
};

constexpr NamedValue kArchitectures[] = {
    {"kepler", NVML_DEVICE_ARCH_KEPLER}, {"maxwell", NVML_DEVICE_ARCH_MAXWELL},
    {"pascal", NVML_DEVICE_ARCH_PASCAL}, {"volta", NVML_DEVICE_ARCH_VOLTA},
    {"turing", NVML_DEVICE_ARCH_TURING}, {"ampere", NVML_DEVICE_ARCH_AMPERE},
    {"ada", NVML_DEVICE_ARCH_ADA},       {"hopper", NVML_DEVICE_ARCH_HOPPER},
    {"blackwell", NVML_DEVICE_ARCH_BLACKWELL},
};

constexpr NamedValue kReasons[] = {
    {"GpuIdle", NVML_CLOCKS_EVENT_REASON_GPU_IDLE},
    {"ApplicationsClocksSetting", NVML_CLOCKS_EVENT_REASON_APPLICATIONS_CLOCKS_SETTING},
    {"SwPowerCap", NVML_CLOCKS_EVENT_REASON_SW_POWER_CAP},
    {"HwSlowdown", NVML_CLOCKS_EVENT_REASON_HW_SLOWDOWN},
    {"SyncBoost", NVML_CLOCKS_EVENT_REASON_SYNC_BOOST},
    {"SwThermalSlowdown", NVML_CLOCKS_EVENT_REASON_SW_THERMAL_SLOWDOWN},
    {"HwThermalSlowdown", NVML_CLOCKS_EVENT_REASON_HW_THERMAL_SLOWDOWN},
    {"HwPowerBrakeSlowdown", NVML_CLOCKS_EVENT_REASON_HW_POWER_BRAKE_SLOWDOWN},
    {"DisplayClockSetting", NVML_CLOCKS_EVENT_REASON_DISPLAY_CLOCK_SETTING},
};

constexpr const char* kFeatureNames[kFeatureCount] = {
    "energyCounter", "instantPower",    "averagePower", "powerUsage",      "temperature",
    "smClock",       "memory",          "throttleReasons", "utilization",  "processes",
    "persistenceMode", "migMode",       "powerLimit",   "architecture",    "pciInfo",
};

template <size_t N>
unsigned long long lookup(const NamedValue (&table)[N], const Value& v, const std::string& path) {
  std::string names;
  for (const auto& e : table) {
    if (v.isString() && v.string == e.name) return e.value;
    names += (names.empty() ? "" : ", ") + std::string(e.name);
  }
  expected(path, "one of " + names, v);
}

PowerSegmentSpec parseSegment(const Value& v, const std::string& path) {
  ObjectReader r(v, path);
  PowerSegmentSpec s;
  const Value* kind = r.get("kind");
  if (!kind) fail(r.pathOf("kind"), "missing (constant, linear or square)");
  if (kind->isString() && kind->string == "constant") {
    s.kind = PowerSegmentSpec::Kind::Constant;
    s.watts = r.number("watts", 0, "nonNegative");
    if (!r.get("watts")) fail(r.pathOf("watts"), "missing");
  } else if (kind->isString() && kind->string == "linear") {
    s.kind = PowerSegmentSpec::Kind::Linear;
    if (!r.get("fromW")) fail(r.pathOf("fromW"), "missing");
    if (!r.get("toW")) fail(r.pathOf("toW"), "missing");
    s.fromW = r.number("fromW", 0, "nonNegative");
    s.toW = r.number("toW", 0, "nonNegative");
  } else if (kind->isString() && kind->string == "square") {
    s.kind = PowerSegmentSpec::Kind::Square;
    if (!r.get("lowW")) fail(r.pathOf("lowW"), "missing");
    if (!r.get("highW")) fail(r.pathOf("highW"), "missing");
    if (!r.get("periodS")) fail(r.pathOf("periodS"), "missing");
    s.lowW = r.number("lowW", 0, "nonNegative");
    s.highW = r.number("highW", 0, "nonNegative");
    s.periodS = r.number("periodS", 1, "positive");
    s.duty = r.number("duty", 0.5, "fraction");
  } else {
    expected(r.pathOf("kind"), "\"constant\", \"linear\" or \"square\"", *kind);
  }
  if (!r.get("durationS")) fail(r.pathOf("durationS"), "missing (a positive number)");
  s.durationS = r.number("durationS", 0, "positive");
  r.finish();
  return s;
}

DeviceSpec parseDevice(const Value& v, const std::string& path) {
  ObjectReader r(v, path);
  DeviceSpec d;
  const Value* name = r.get("name");
  if (!name) fail(r.pathOf("name"), "missing (the device name, e.g. \"NVIDIA H100 80GB HBM3\")");
  if (!name->isString() || name->string.empty()) expected(r.pathOf("name"), "a non-empty string", *name);
  d.name = name->string;

  d.uuid = r.string("uuid", "");
  if (!d.uuid.empty() && !validUuid(d.uuid, "GPU-"))
    expected(r.pathOf("uuid"), "a GPU UUID like \"GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" (hex)",
             *r.get("uuid"));
  d.pciBusId = r.string("pciBusId", "");
  if (!d.pciBusId.empty() && !parseBusId(d.pciBusId, d))
    expected(r.pathOf("pciBusId"), "a PCI bus id like \"00000000:18:00.0\"", *r.get("pciBusId"));
  d.pciDeviceId = static_cast<unsigned>(r.number("pciDeviceId", d.pciDeviceId, "integer"));
  if (const Value* id = r.get("pciDeviceId"); id && id->number > 4294967295.0)
    expected(r.pathOf("pciDeviceId"), "a 32-bit unsigned integer", *id);
  if (const Value* a = r.get("architecture"))
    d.architecture = static_cast<unsigned>(lookup(kArchitectures, *a, r.pathOf("architecture")));

  d.memoryTotalMiB = r.number("memoryTotalMiB", d.memoryTotalMiB, "positive");
  d.memoryReservedMiB = r.number("memoryReservedMiB", d.memoryReservedMiB, "nonNegative");
  d.memoryUsedMiB = r.number("memoryUsedMiB", d.memoryUsedMiB, "nonNegative");
  if (d.memoryReservedMiB + d.memoryUsedMiB > d.memoryTotalMiB)
    fail(r.pathOf("memoryUsedMiB"), "memoryReservedMiB + memoryUsedMiB exceed memoryTotalMiB");

  d.powerLimitW = r.number("powerLimitW", d.powerLimitW, "positive");
  d.defaultPowerLimitW = r.number("defaultPowerLimitW", d.defaultPowerLimitW, "positive");
  d.minPowerLimitW = r.number("minPowerLimitW", d.minPowerLimitW, "positive");
  d.maxPowerLimitW = r.number("maxPowerLimitW", d.maxPowerLimitW, "positive");
  if (d.minPowerLimitW > d.maxPowerLimitW)
    fail(r.pathOf("minPowerLimitW"), "must not exceed maxPowerLimitW");
  if (d.powerLimitW < d.minPowerLimitW || d.powerLimitW > d.maxPowerLimitW)
    fail(r.pathOf("powerLimitW"), "must lie within [minPowerLimitW, maxPowerLimitW]");
  if (d.defaultPowerLimitW < d.minPowerLimitW || d.defaultPowerLimitW > d.maxPowerLimitW)
    fail(r.pathOf("defaultPowerLimitW"), "must lie within [minPowerLimitW, maxPowerLimitW]");

  d.persistenceMode = r.boolean("persistenceMode", d.persistenceMode);

  if (const Value* mig = r.get("mig")) {
    ObjectReader m(*mig, r.pathOf("mig"));
    d.migEnabled = m.boolean("enabled", false);
    const Value& instances = m.array("instances", kEmptyArray);
    if (!d.migEnabled && !instances.array.empty())
      fail(m.pathOf("instances"), "MIG instances need \"enabled\": true");
    for (size_t i = 0; i < instances.array.size(); ++i) {
      ObjectReader inst(instances.array[i], element(m.pathOf("instances"), i));
      std::string uuid = inst.string("uuid", "");
      if (!uuid.empty() && !validUuid(uuid, "MIG-"))
        expected(inst.pathOf("uuid"), "a MIG UUID like \"MIG-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" (hex)",
                 *inst.get("uuid"));
      inst.finish();
      d.migUuids.push_back(uuid);
    }
    m.finish();
  }

  d.idleW = r.number("idleW", d.idleW, "nonNegative");
  const Value& power = r.array("power", kEmptyArray);
  for (size_t i = 0; i < power.array.size(); ++i)
    d.power.push_back(parseSegment(power.array[i], element(r.pathOf("power"), i)));
  d.loop = r.boolean("loop", d.loop);
  d.energyCounterStepMs = r.number("energyCounterStepMs", 0, "nonNegative");
  d.energyCounterStartMJ = r.number("energyCounterStartMJ", 0, "integer");
  d.powerUpdateMs = r.number("powerUpdateMs", 0, "nonNegative");

  if (const Value* t = r.get("temperature")) {
    ObjectReader tr(*t, r.pathOf("temperature"));
    d.temperature.ambientC = tr.number("ambientC", d.temperature.ambientC);
    d.temperature.perWattC = tr.number("perWattC", d.temperature.perWattC, "nonNegative");
    d.temperature.timeConstantS = tr.number("timeConstantS", d.temperature.timeConstantS, "positive");
    if (tr.get("initialC")) {
      d.temperature.hasInitialC = true;
      d.temperature.initialC = tr.number("initialC", 0);
    }
    tr.finish();
  }

  d.smClockMHz = r.number("smClockMHz", d.smClockMHz, "positive");
  d.throttledSmClockMHz = r.number("throttledSmClockMHz", d.throttledSmClockMHz, "positive");

  const Value& throttle = r.array("throttle", kEmptyArray);
  for (size_t i = 0; i < throttle.array.size(); ++i) {
    ObjectReader e(throttle.array[i], element(r.pathOf("throttle"), i));
    ThrottleEpisode ep;
    if (!e.get("startS")) fail(e.pathOf("startS"), "missing");
    if (!e.get("endS")) fail(e.pathOf("endS"), "missing");
    ep.startS = e.number("startS", 0, "nonNegative");
    ep.endS = e.number("endS", 0, "nonNegative");
    if (ep.endS <= ep.startS) fail(e.pathOf("endS"), "must be greater than startS");
    const Value& reasons = e.array("reasons", kEmptyArray);
    if (reasons.array.empty()) fail(e.pathOf("reasons"), "expected at least one reason");
    for (size_t k = 0; k < reasons.array.size(); ++k)
      ep.reasons |= lookup(kReasons, reasons.array[k], element(e.pathOf("reasons"), k));
    e.finish();
    d.throttle.push_back(ep);
  }

  const Value& unsupported = r.array("unsupported", kEmptyArray);
  for (size_t i = 0; i < unsupported.array.size(); ++i) {
    const Value& u = unsupported.array[i];
    int found = -1;
    std::string names;
    for (int f = 0; f < kFeatureCount; ++f) {
      if (u.isString() && u.string == kFeatureNames[f]) found = f;
      names += (f ? ", " : "") + std::string(kFeatureNames[f]);
    }
    if (found < 0) expected(element(r.pathOf("unsupported"), i), "one of " + names, u);
    d.unsupported[found] = true;
  }

  const Value& errors = r.array("errors", kEmptyArray);
  for (size_t i = 0; i < errors.array.size(); ++i) {
    ObjectReader e(errors.array[i], element(r.pathOf("errors"), i));
    ErrorInjection inj;
    inj.atS = e.number("atS", 0, "nonNegative");
    inj.untilS = e.untilS("untilS");
    if (inj.untilS <= inj.atS) fail(e.pathOf("untilS"), "must be greater than atS (or null)");
    const Value* fns = e.get("functions");
    if (!fns) {
      inj.allFunctions = true;  // default "*"
    } else {
      if (!fns->isArray() || fns->array.empty())
        expected(e.pathOf("functions"), "a non-empty array of NVML function names", *fns);
      for (size_t k = 0; k < fns->array.size(); ++k) {
        const Value& f = fns->array[k];
        NvmlFn fn;
        if (f.isString() && f.string == "*") {
          inj.allFunctions = true;
        } else if (f.isString() && nvmlFnFromName(f.string, &fn)) {
          inj.functions[static_cast<int>(fn)] = true;
        } else {
          expected(element(e.pathOf("functions"), k), "one of " + nvmlFnNameList(), f);
        }
      }
    }
    const Value* err = e.get("error");
    if (!err) fail(e.pathOf("error"), "missing (an NVML_ERROR_* name)");
    if (!err->isString() || !nvmlErrorFromName(err->string, &inj.code))
      expected(e.pathOf("error"), "an NVML_ERROR_* name such as \"NVML_ERROR_GPU_IS_LOST\"", *err);
    e.finish();
    d.errors.push_back(inj);
  }

  const Value& processes = r.array("processes", kEmptyArray);
  for (size_t i = 0; i < processes.array.size(); ++i) {
    ObjectReader p(processes.array[i], element(r.pathOf("processes"), i));
    ProcessSpec ps;
    if (!p.get("pid")) fail(p.pathOf("pid"), "missing");
    double pid = p.number("pid", 0, "integer");
    if (pid < 1 || pid > 4294967295.0) expected(p.pathOf("pid"), "a process id >= 1", *p.get("pid"));
    ps.pid = static_cast<unsigned>(pid);
    ps.name = p.string("name", "python3");
    ps.usedMiB = p.number("usedMiB", 0, "nonNegative");
    ps.fromS = p.number("fromS", 0, "nonNegative");
    ps.untilS = p.untilS("untilS");
    if (ps.untilS <= ps.fromS) fail(p.pathOf("untilS"), "must be greater than fromS (or null)");
    p.finish();
    d.processes.push_back(ps);
  }

  r.finish();
  return d;
}

}  // namespace

std::string generatedGpuUuid(unsigned deviceIndex) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "GPU-5e1a0000-0000-4000-8000-%012x", deviceIndex);
  return buf;
}

std::string generatedMigUuid(unsigned deviceIndex, unsigned instanceIndex) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "MIG-5e1a0000-0000-4000-9000-%04x%08x", deviceIndex & 0xffff,
                instanceIndex);
  return buf;
}

std::string generatedPciBusId(unsigned deviceIndex) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00000000:%02X:00.0", (0x10 + deviceIndex) & 0xff);
  return buf;
}

Scenario parseScenario(const std::string& text) {
  Value root;
  try {
    root = json::parse(text);
  } catch (const json::ParseError& e) {
    throw ScenarioError(std::string("invalid JSON: ") + e.what());
  }
  ObjectReader r(root, "");
  Scenario s;
  s.name = r.string("name", s.name);
  s.description = r.string("description", s.description);
  s.driverVersion = r.string("driverVersion", s.driverVersion);
  s.nvmlVersion = r.string("nvmlVersion", s.nvmlVersion);
  s.cudaDriverVersion = static_cast<int>(r.number("cudaDriverVersion", s.cudaDriverVersion, "integer"));
  if (r.get("cudaDriverVersion") && r.get("cudaDriverVersion")->number > 2147483647.0)
    expected("cudaDriverVersion", "a version number like 12040", *r.get("cudaDriverVersion"));

  const Value* devices = r.get("devices");
  if (!devices) fail("devices", "missing (at least one device)");
  if (!devices->isArray() || devices->array.empty())
    expected("devices", "a non-empty array of devices", *devices);
  for (size_t i = 0; i < devices->array.size(); ++i)
    s.devices.push_back(parseDevice(devices->array[i], element("devices", i)));

  if (const Value* count = r.get("deviceCount")) {
    double n = ObjectReader::checkNumber(*count, "deviceCount", "integer");
    if (n < 1 || n > 64) expected("deviceCount", "an integer from 1 to 64", *count);
    if (s.devices.size() != 1)
      fail("devices", "with deviceCount, give exactly one device (the template)");
    const DeviceSpec& t = s.devices[0];
    if (!t.uuid.empty()) fail("devices[0].uuid", "must be omitted with deviceCount (each copy gets its own)");
    if (!t.pciBusId.empty())
      fail("devices[0].pciBusId", "must be omitted with deviceCount (each copy gets its own)");
    for (size_t k = 0; k < t.migUuids.size(); ++k)
      if (!t.migUuids[k].empty())
        fail(element("devices[0].mig.instances", k) + ".uuid",
             "must be omitted with deviceCount (each copy gets its own)");
    s.devices.resize(static_cast<size_t>(n), t);
  }

  // Fill generated identities, then check they are unique.
  std::set<std::string> uuids;
  for (size_t i = 0; i < s.devices.size(); ++i) {
    DeviceSpec& d = s.devices[i];
    unsigned idx = static_cast<unsigned>(i);
    if (d.uuid.empty()) d.uuid = generatedGpuUuid(idx);
    if (d.pciBusId.empty()) {
      d.pciBusId = generatedPciBusId(idx);
      parseBusId(d.pciBusId, d);
    }
    for (size_t k = 0; k < d.migUuids.size(); ++k)
      if (d.migUuids[k].empty()) d.migUuids[k] = generatedMigUuid(idx, static_cast<unsigned>(k));
    if (!uuids.insert(d.uuid).second) fail(element("devices", i) + ".uuid", "duplicate UUID " + d.uuid);
    for (size_t k = 0; k < d.migUuids.size(); ++k)
      if (!uuids.insert(d.migUuids[k]).second)
        fail(element(element("devices", i) + ".mig.instances", k) + ".uuid",
             "duplicate UUID " + d.migUuids[k]);
  }

  const size_t n = s.devices.size();
  if (const Value* cuda = r.get("cuda")) {
    ObjectReader c(*cuda, "cuda");
    s.cudaAvailable = c.boolean("available", true);
    const Value& order = c.array("order", kEmptyArray);
    if (c.get("order")) {
      if (order.array.size() != n)
        fail("cuda.order", "expected a permutation of the " + std::to_string(n) +
                               " NVML indices, found " + std::to_string(order.array.size()) +
                               " entries");
      std::vector<bool> seen(n, false);
      for (size_t i = 0; i < order.array.size(); ++i) {
        const Value& e = order.array[i];
        std::string p = element("cuda.order", i);
        double idx = ObjectReader::checkNumber(e, p, "integer");
        if (idx >= static_cast<double>(n)) expected(p, "an NVML index below " + std::to_string(n), e);
        if (seen[static_cast<size_t>(idx)]) fail(p, "duplicate index " + json::describe(e));
        seen[static_cast<size_t>(idx)] = true;
        s.cudaOrder.push_back(static_cast<unsigned>(idx));
      }
    }
    c.finish();
  }
  if (s.cudaOrder.empty())
    for (size_t i = 0; i < n; ++i) s.cudaOrder.push_back(static_cast<unsigned>(i));

  r.finish();
  return s;
}

}  // namespace lem::sim
