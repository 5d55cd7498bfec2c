#include "to_js.h"

#include <cmath>

namespace lem {
namespace {

template <typename T>
void setIf(Napi::Object& o, const char* key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_same_v<T, std::string>) o.Set(key, Napi::String::New(o.Env(), *v));
  else if constexpr (std::is_same_v<T, bool>) o.Set(key, Napi::Boolean::New(o.Env(), *v));
  else o.Set(key, Napi::Number::New(o.Env(), static_cast<double>(*v)));
}

Napi::Value numberOrNull(const Napi::Env& env, double v) {
  return std::isnan(v) ? env.Null() : Napi::Number::New(env, v);
}

}  // namespace

Napi::BigInt bigNs(const Napi::Env& env, int64_t ns) { return Napi::BigInt::New(env, ns); }

Napi::Object toJs(const Napi::Env& env, const DeviceInfo& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", d.index);
  o.Set("name", d.name);
  o.Set("uuid", d.uuid);
  setIf(o, "pciBusId", d.pciBusId);
  setIf(o, "architecture", d.architecture);
  setIf(o, "memoryTotalMiB", d.memoryTotalMiB);
  setIf(o, "memoryUsedMiB", d.memoryUsedMiB);
  setIf(o, "memoryReservedMiB", d.memoryReservedMiB);
  setIf(o, "memoryFreeMiB", d.memoryFreeMiB);
  setIf(o, "powerLimitW", d.powerLimitW);
  setIf(o, "defaultPowerLimitW", d.defaultPowerLimitW);
  setIf(o, "minPowerLimitW", d.minPowerLimitW);
  setIf(o, "maxPowerLimitW", d.maxPowerLimitW);
  setIf(o, "enforcedPowerLimitW", d.enforcedPowerLimitW);
  setIf(o, "persistenceMode", d.persistenceMode);
  setIf(o, "migEnabled", d.migEnabled);
  setIf(o, "migPending", d.migPending);
  o.Set("energyCounterSupported", d.energyCounterSupported);
  o.Set("instantPowerSupported", d.instantPowerSupported);
  o.Set("averagePowerSupported", d.averagePowerSupported);
  Napi::Array errors = Napi::Array::New(env, d.errors.size());
  for (size_t i = 0; i < d.errors.size(); ++i) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("fact", d.errors[i].fact);
    e.Set("nvmlCode", d.errors[i].code);
    e.Set("nvmlName", nvmlReturnName(d.errors[i].code));
    errors.Set(i, e);
  }
  o.Set("errors", errors);
  return o;
}

Napi::Object toJs(const Napi::Env& env, const SystemInfo& s) {
  Napi::Object o = Napi::Object::New(env);
  setIf(o, "driverVersion", s.driverVersion);
  setIf(o, "nvmlVersion", s.nvmlVersion);
  setIf(o, "cudaDriverVersion", s.cudaDriverVersion);
  return o;
}

Napi::Object toJs(const Napi::Env& env, const ProcessInfo& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", p.pid);
  o.Set("name", p.name);
  setIf(o, "usedMiB", p.usedMiB);
  return o;
}

Napi::Object toJs(const Napi::Env& env, const CudaDriverInfo& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", c.available);
  if (!c.reason.empty()) o.Set("reason", c.reason);
  if (!c.source.empty()) o.Set("source", c.source);
  setIf(o, "driverVersion", c.driverVersion);
  Napi::Array devices = Napi::Array::New(env, c.devices.size());
  for (size_t i = 0; i < c.devices.size(); ++i) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("ordinal", c.devices[i].ordinal);
    d.Set("uuid", c.devices[i].uuid);
    setIf(d, "nvmlIndex", c.devices[i].nvmlIndex);
    devices.Set(i, d);
  }
  o.Set("devices", devices);
  return o;
}

Napi::Object toJs(const Napi::Env& env, const CudaRuntimeInfo& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", r.available);
  if (!r.reason.empty()) o.Set("reason", r.reason);
  if (!r.library.empty()) o.Set("library", r.library);
  setIf(o, "version", r.version);
  return o;
}

Napi::Object toJs(const Napi::Env& env, const DeviceStatus& d) {
  const RunningStats& s = d.stats;
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", d.index);
  o.Set("uuid", d.uuid);
  o.Set("samples", static_cast<double>(s.samples));
  if (s.samples > 0) {
    o.Set("firstTNs", bigNs(env, s.firstTNs));
    o.Set("lastTNs", bigNs(env, s.lastTNs));
  }
  o.Set("powerSource", d.powerSource);
  o.Set("powerAverageSource", d.powerAverageSource);
  o.Set("energySource", d.energySource);

  Napi::Object energy = Napi::Object::New(env);
  energy.Set("counterJ", numberOrNull(env, s.counterEnergyJ()));
  if (s.counterSeen) {
    energy.Set("counterFirstMJ", s.counterFirstMJ);
    energy.Set("counterLastMJ", s.counterLastMJ);
  }
  energy.Set("counterSteps", static_cast<double>(s.counterSteps));
  energy.Set("counterWraps", static_cast<double>(s.counterWraps));
  energy.Set("counterResets", static_cast<double>(s.counterResets));
  energy.Set("counterFilledJ", s.counterFilledJ);
  energy.Set("integralJ", numberOrNull(env, s.integralCoveredNs > 0 ? s.integralJ : NAN));
  energy.Set("integralCoveredS", s.integralCoveredNs * 1e-9);
  energy.Set("averageIntegralJ", numberOrNull(env, s.averageCoveredNs > 0 ? s.averageIntegralJ : NAN));
  energy.Set("averageCoveredS", s.averageCoveredNs * 1e-9);
  o.Set("energy", energy);

  if (s.powerSamples > 0) {
    Napi::Object power = Napi::Object::New(env);
    power.Set("samples", static_cast<double>(s.powerSamples));
    power.Set("minW", s.powerMinW);
    power.Set("maxW", s.powerMaxW);
    power.Set("sampleMeanW", s.powerSumW / static_cast<double>(s.powerSamples));
    power.Set("meanW", numberOrNull(env, s.integralCoveredNs > 0 ? s.integralJ / (s.integralCoveredNs * 1e-9) : NAN));
    o.Set("power", power);
  } else {
    o.Set("power", env.Null());
  }
  if (s.temperatureSamples > 0) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("firstC", s.temperatureFirstC);
    t.Set("peakC", s.temperaturePeakC);
    t.Set("lastC", s.temperatureLastC);
    o.Set("temperature", t);
  } else {
    o.Set("temperature", env.Null());
  }
  Napi::Object throttle = Napi::Object::New(env);
  throttle.Set("reasons", static_cast<double>(s.throttleMask));
  throttle.Set("observedS", s.throttleObservedNs * 1e-9);
  Napi::Object seconds = Napi::Object::New(env);
  for (int bit = 0; bit < kReasonBits; ++bit)
    if (s.throttleNs[bit] > 0) seconds.Set(std::to_string(1u << bit), s.throttleNs[bit] * 1e-9);
  throttle.Set("secondsByBit", seconds);
  o.Set("throttle", throttle);
  if (s.memorySeen) o.Set("memoryPeakMiB", s.memoryPeakMiB);

  if (d.failure.failed) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("nvmlCode", d.failure.code);
    f.Set("nvmlName", nvmlReturnName(d.failure.code));
    f.Set("function", d.failure.function);
    f.Set("tNs", bigNs(env, d.failure.tNs));
    o.Set("failure", f);
  } else {
    o.Set("failure", env.Null());
  }
  o.Set("readErrors", static_cast<double>(d.readErrors));
  o.Set("dropped", static_cast<double>(d.dropped));
  return o;
}

Napi::Object toJs(const Napi::Env& env, const TimingStats& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("intervalNs", static_cast<double>(t.intervalNs));
  if (t.startedTNs) o.Set("startedTNs", bigNs(env, t.startedTNs));
  if (t.stoppedTNs) o.Set("stoppedTNs", bigNs(env, t.stoppedTNs));
  o.Set("ticks", static_cast<double>(t.ticks));
  o.Set("missedDeadlines", static_cast<double>(t.missedDeadlines));
  o.Set("ticksWithin1ms", static_cast<double>(t.ticksWithin1ms));
  o.Set("latenessP50Ns", static_cast<double>(t.latenessP50Ns));
  o.Set("latenessP99Ns", static_cast<double>(t.latenessP99Ns));
  o.Set("latenessMaxNs", static_cast<double>(t.latenessMaxNs));
  o.Set("threadCpuNs", static_cast<double>(t.threadCpuNs));
  return o;
}

Napi::Object toJs(const Napi::Env& env, const WindowResult& w) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", w.name);
  o.Set("beginTNs", bigNs(env, w.beginTNs));
  o.Set("endTNs", bigNs(env, w.endTNs));
  Napi::Array devices = Napi::Array::New(env, w.devices.size());
  for (size_t i = 0; i < w.devices.size(); ++i) devices.Set(i, toJs(env, w.devices[i]));
  o.Set("devices", devices);
  return o;
}

}  // namespace lem
