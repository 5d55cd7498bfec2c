#include "sampler_wrap.h"

#include <limits>

#include "../nvml/device_info.h"
#include "addon_data.h"
#include "js_errors.h"
#include "to_js.h"

namespace lem {
namespace {

template <typename T>
Napi::TypedArrayOf<T> column(const Napi::Env& env, size_t n, napi_typedarray_type type) {
  return Napi::TypedArrayOf<T>::New(env, n, type);
}

}  // namespace

Napi::Function SamplerWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeSampler",
                     {InstanceMethod("start", &SamplerWrap::start), InstanceMethod("stop", &SamplerWrap::stop),
                      InstanceAccessor("running", &SamplerWrap::running, nullptr),
                      InstanceMethod("drain", &SamplerWrap::drain), InstanceMethod("stats", &SamplerWrap::stats),
                      InstanceMethod("beginWindow", &SamplerWrap::beginWindow),
                      InstanceMethod("endWindow", &SamplerWrap::endWindow)});
}

// new NativeSampler({ devices: number[] | undefined, intervalNs, utilizationEvery, ringCapacity })
SamplerWrap::SamplerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SamplerWrap>(info) {
  Napi::Env env = info.Env();
  guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) throw std::invalid_argument("NativeSampler needs an options object");
    Napi::Object o = info[0].As<Napi::Object>();
    auto provider = activeProvider();
    SamplerOptions opts;
    if (o.Has("devices") && o.Get("devices").IsArray()) {
      Napi::Array a = o.Get("devices").As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) opts.devices.push_back(a.Get(i).As<Napi::Number>().Uint32Value());
    } else {
      unsigned n = deviceCount(*provider->api);
      for (unsigned i = 0; i < n; ++i) opts.devices.push_back(i);
    }
    if (o.Has("intervalNs")) opts.intervalNs = o.Get("intervalNs").As<Napi::Number>().Int64Value();
    if (o.Has("utilizationEvery")) opts.utilizationEvery = o.Get("utilizationEvery").As<Napi::Number>().Uint32Value();
    if (o.Has("ringCapacity")) opts.ringCapacity = o.Get("ringCapacity").As<Napi::Number>().Uint32Value();
    sampler_ = std::make_shared<Sampler>(provider, std::move(opts));
    addonData(env)->samplers.add(sampler_);
    return env.Undefined();
  });
}

SamplerWrap::~SamplerWrap() {
  if (sampler_) sampler_->stop();
}

Napi::Value SamplerWrap::start(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    sampler_->start();
    return info.Env().Undefined();
  });
}

Napi::Value SamplerWrap::stop(const Napi::CallbackInfo& info) {
  sampler_->stop();
  return info.Env().Undefined();
}

Napi::Value SamplerWrap::running(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sampler_ && sampler_->running());
}

// drain(maxPerDevice?) -> [{ index, uuid, tNs: BigInt64Array, powerW: Float64Array, ... }]
Napi::Value SamplerWrap::drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t max = std::numeric_limits<size_t>::max();
  if (info.Length() > 0 && info[0].IsNumber()) max = info[0].As<Napi::Number>().Uint32Value();
  auto status = sampler_->deviceStatus();
  Napi::Array out = Napi::Array::New(env, sampler_->deviceCount());
  for (size_t d = 0; d < sampler_->deviceCount(); ++d) {
    // Sized first, copied second: samples that arrive in between wait for the next drain.
    const size_t n = std::min(sampler_->pending(d), max);
    auto tNs = column<int64_t>(env, n, napi_bigint64_array);
    auto powerW = column<double>(env, n, napi_float64_array);
    auto powerAverageW = column<double>(env, n, napi_float64_array);
    auto energyMJ = column<double>(env, n, napi_float64_array);
    auto temperatureC = column<float>(env, n, napi_float32_array);
    auto smClockMHz = column<float>(env, n, napi_float32_array);
    auto memoryUsedMiB = column<double>(env, n, napi_float64_array);
    auto throttle = column<uint32_t>(env, n, napi_uint32_array);
    auto utilGpu = column<float>(env, n, napi_float32_array);
    auto utilMem = column<float>(env, n, napi_float32_array);
    auto present = column<uint16_t>(env, n, napi_uint16_array);
    SampleColumns cols{tNs.Data(),         powerW.Data(),   powerAverageW.Data(), energyMJ.Data(),
                       temperatureC.Data(), smClockMHz.Data(), memoryUsedMiB.Data(), throttle.Data(),
                       utilGpu.Data(),      utilMem.Data(),  present.Data()};
    const size_t got = sampler_->drain(d, n, cols);
    Napi::Object dev = Napi::Object::New(env);
    dev.Set("index", status[d].index);
    dev.Set("uuid", status[d].uuid);
    dev.Set("count", static_cast<double>(got));
    dev.Set("tNs", tNs);
    dev.Set("powerW", powerW);
    dev.Set("powerAverageW", powerAverageW);
    dev.Set("energyMJ", energyMJ);
    dev.Set("temperatureC", temperatureC);
    dev.Set("smClockMHz", smClockMHz);
    dev.Set("memoryUsedMiB", memoryUsedMiB);
    dev.Set("throttleReasons", throttle);
    dev.Set("utilizationGpuPct", utilGpu);
    dev.Set("utilizationMemoryPct", utilMem);
    dev.Set("present", present);
    out.Set(d, dev);
  }
  return out;
}

Napi::Value SamplerWrap::stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  auto devices = sampler_->deviceStatus();
  Napi::Array a = Napi::Array::New(env, devices.size());
  for (size_t i = 0; i < devices.size(); ++i) a.Set(i, toJs(env, devices[i]));
  o.Set("devices", a);
  o.Set("timing", toJs(env, sampler_->timing()));
  o.Set("running", sampler_->running());
  return o;
}

Napi::Value SamplerWrap::beginWindow(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw std::invalid_argument("beginWindow needs a window name");
    sampler_->beginWindow(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

Napi::Value SamplerWrap::endWindow(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw std::invalid_argument("endWindow needs a window name");
    return toJs(info.Env(), sampler_->endWindow(info[0].As<Napi::String>().Utf8Value()));
  });
}

}  // namespace lem
