#include "module_functions.h"

#include "../cuda/cuda_loader.h"
#include "../nvml/device_info.h"
#include "../nvml/provider.h"
#include "../sampler/sample.h"
#include "../sim/sim.h"
#include "js_errors.h"
#include "to_js.h"

namespace lem {
namespace {

int64_t nsArg(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless = true;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsNumber()) return v.As<Napi::Number>().Int64Value();
  throw std::invalid_argument("expected a time in ns (bigint)");
}

unsigned indexArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) throw std::invalid_argument("expected a device index");
  return info[i].As<Napi::Number>().Uint32Value();
}

Napi::Value nvmlStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProviderStatus s = providerStatus();
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", s.available);
  o.Set("simulated", s.simulated);
  if (!s.source.empty()) o.Set("source", s.source);
  if (!s.available) {
    o.Set("reason", s.reason);
    o.Set("nvmlCode", s.code);
    o.Set("nvmlName", nvmlReturnName(s.code));
    return o;
  }
  auto p = activeProvider();
  o.Set("system", toJs(env, querySystem(*p->api)));
  unsigned n = 0;
  if (p->api->deviceGetCount(&n) == NVML_SUCCESS) o.Set("deviceCount", n);
  return o;
}

Napi::Value listDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto p = activeProvider();
    unsigned n = deviceCount(*p->api);
    Napi::Array a = Napi::Array::New(env, n);
    for (unsigned i = 0; i < n; ++i) a.Set(i, toJs(env, queryDevice(*p->api, i)));
    return a;
  });
}

Napi::Value computeProcesses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto p = activeProvider();
    auto procs = queryComputeProcesses(*p->api, indexArg(info, 0));
    Napi::Array a = Napi::Array::New(env, procs.size());
    for (size_t i = 0; i < procs.size(); ++i) a.Set(i, toJs(env, procs[i]));
    return a;
  });
}

Napi::Value useSimulationJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw std::invalid_argument("useSimulation needs scenario JSON text");
    useSimulation(info[0].As<Napi::String>().Utf8Value());
    return env.Undefined();
  });
}

Napi::Value useRealNvmlJs(const Napi::CallbackInfo& info) {
  useRealNvml();
  return info.Env().Undefined();
}

std::shared_ptr<const Provider> simulatedProvider() {
  auto p = activeProvider();
  if (!p->simulated || !p->world) throw std::logic_error("the simulated GPU is not active");
  return p;
}

// simulationTruth(index, t0Ns, t1Ns) -> { energyJ, powerAtEndW }
Napi::Value simulationTruth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto p = simulatedProvider();
    unsigned d = indexArg(info, 0);
    if (d >= sim::deviceCount(*p->world)) throw std::invalid_argument("no simulated device " + std::to_string(d));
    if (info.Length() < 3) throw std::invalid_argument("simulationTruth(index, t0Ns, t1Ns)");
    int64_t t0 = nsArg(info[1]), t1 = nsArg(info[2]);
    Napi::Object o = Napi::Object::New(env);
    o.Set("energyJ", sim::trueEnergyJ(*p->world, d, t0, t1));
    o.Set("powerAtEndW", sim::truePowerW(*p->world, d, t1));
    return o;
  });
}

Napi::Value simulationOriginNs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value { return bigNs(env, sim::originNs(*simulatedProvider()->world)); });
}

// indexForUuid("GPU-..." | "MIG-...") -> NVML index of the physical GPU, or undefined.
Napi::Value indexForUuidJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw std::invalid_argument("indexForUuid needs a UUID");
    auto index = indexForUuid(*activeProvider()->api, info[0].As<Napi::String>().Utf8Value());
    return index ? Napi::Number::New(env, *index) : env.Undefined();
  });
}

Napi::Value cudaDevices(const Napi::CallbackInfo& info) { return toJs(info.Env(), queryCudaDriver()); }
Napi::Value cudaRuntime(const Napi::CallbackInfo& info) { return toJs(info.Env(), queryCudaRuntime()); }
Napi::Value monotonicNsJs(const Napi::CallbackInfo& info) { return bigNs(info.Env(), monotonicNs()); }

}  // namespace

void defineModuleFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("nvmlStatus", Napi::Function::New(env, nvmlStatus, "nvmlStatus"));
  exports.Set("listDevices", Napi::Function::New(env, listDevices, "listDevices"));
  exports.Set("computeProcesses", Napi::Function::New(env, computeProcesses, "computeProcesses"));
  exports.Set("useSimulation", Napi::Function::New(env, useSimulationJs, "useSimulation"));
  exports.Set("useRealNvml", Napi::Function::New(env, useRealNvmlJs, "useRealNvml"));
  exports.Set("simulationTruth", Napi::Function::New(env, simulationTruth, "simulationTruth"));
  exports.Set("simulationOriginNs", Napi::Function::New(env, simulationOriginNs, "simulationOriginNs"));
  exports.Set("indexForUuid", Napi::Function::New(env, indexForUuidJs, "indexForUuid"));
  exports.Set("cudaDevices", Napi::Function::New(env, cudaDevices, "cudaDevices"));
  exports.Set("cudaRuntime", Napi::Function::New(env, cudaRuntime, "cudaRuntime"));
  exports.Set("monotonicNs", Napi::Function::New(env, monotonicNsJs, "monotonicNs"));
}

}  // namespace lem
