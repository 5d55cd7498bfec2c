// nvmlCallLatency() and nvmlPollChanges(): NVML measured from JavaScript, for the GPU
// validation kit. Both block the calling thread for as long as they were asked to.
#include "nvml_probe_js.h"

#include "../nvml/nvml_probe.h"
#include "../nvml/provider.h"
#include "../sampler/sample.h"
#include "js_errors.h"
#include "to_js.h"

namespace lem {
namespace {

double numberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) throw std::invalid_argument(std::string("expected ") + what);
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0)) throw std::invalid_argument(std::string(what) + " must be a non-negative number");
  return v;
}

void setError(Napi::Object& o, const char* key, nvmlReturn_t code) {
  if (code != NVML_SUCCESS) o.Set(key, nvmlReturnName(code));
}

// nvmlCallLatency(index, maxCalls, maxMsPerFunction) -> [{ function, available, calls, failures, firstError?, minNs, ... }]
Napi::Value nvmlCallLatency(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    unsigned index = static_cast<unsigned>(numberArg(info, 0, "a device index"));
    auto maxCalls = static_cast<uint64_t>(numberArg(info, 1, "maxCalls"));
    auto maxNs = static_cast<int64_t>(numberArg(info, 2, "maxMsPerFunction") * 1e6);
    auto p = activeProvider();
    auto rows = measureCallLatency(*p->api, index, maxCalls, maxNs);
    Napi::Array a = Napi::Array::New(env, rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const CallLatency& r = rows[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("function", r.function);
      o.Set("available", r.available);
      o.Set("calls", static_cast<double>(r.calls));
      o.Set("failures", static_cast<double>(r.failures));
      setError(o, "firstError", r.firstError);
      if (r.calls > r.failures) {
        o.Set("minNs", r.minNs);
        o.Set("medianNs", r.medianNs);
        o.Set("p99Ns", r.p99Ns);
        o.Set("maxNs", r.maxNs);
        o.Set("meanNs", r.meanNs);
      }
      a.Set(i, o);
    }
    return a;
  });
}

template <typename T>
Napi::Float64Array doubles(const Napi::Env& env, const std::vector<T>& v, double offset = 0) {
  auto a = Napi::Float64Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = static_cast<double>(v[i]) - offset;
  return a;
}

// nvmlPollChanges(index, durationMs, maxChanges) -> { startNs, readings: [{ reading, available, error?, reads,
//   failures, tNs: Float64Array (ns after startNs), value, fieldTimestampUs?, fieldLatencyUs?, timestampChanges, truncated }] }
Napi::Value nvmlPollChanges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    unsigned index = static_cast<unsigned>(numberArg(info, 0, "a device index"));
    auto durationNs = static_cast<int64_t>(numberArg(info, 1, "durationMs") * 1e6);
    auto maxChanges = static_cast<size_t>(numberArg(info, 2, "maxChanges"));
    auto p = activeProvider();
    const int64_t startNs = monotonicNs();
    auto rows = pollReadingChanges(*p->api, index, durationNs, maxChanges);
    Napi::Object result = Napi::Object::New(env);
    result.Set("startNs", bigNs(env, startNs));
    result.Set("durationNs", static_cast<double>(monotonicNs() - startNs));
    Napi::Array a = Napi::Array::New(env, rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const ReadingChanges& r = rows[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("reading", r.reading);
      o.Set("available", r.available);
      setError(o, "error", r.error);
      o.Set("reads", static_cast<double>(r.reads));
      o.Set("failures", static_cast<double>(r.failures));
      o.Set("tNs", doubles(env, r.tNs, static_cast<double>(startNs)));
      o.Set("value", doubles(env, r.value));
      if (r.reading.rfind("field:", 0) == 0) {
        o.Set("fieldTimestampUs", doubles(env, r.fieldTimestampUs));
        o.Set("fieldLatencyUs", doubles(env, r.fieldLatencyUs));
        o.Set("timestampChanges", static_cast<double>(r.timestampChanges));
      }
      o.Set("truncated", r.truncated);
      a.Set(i, o);
    }
    result.Set("readings", a);
    return result;
  });
}

}  // namespace

void defineProbeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("nvmlCallLatency", Napi::Function::New(env, nvmlCallLatency, "nvmlCallLatency"));
  exports.Set("nvmlPollChanges", Napi::Function::New(env, nvmlPollChanges, "nvmlPollChanges"));
}

}  // namespace lem
