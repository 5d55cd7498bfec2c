// Conversions of native records to plain JavaScript objects. Unsupported facts are
// omitted (the property is absent), never written as zero.
#pragma once

#include <napi.h>

#include "../cuda/cuda_loader.h"
#include "../nvml/device_info.h"
#include "../sampler/sampler.h"

namespace lem {

Napi::Object toJs(const Napi::Env& env, const DeviceInfo& info);
Napi::Object toJs(const Napi::Env& env, const SystemInfo& info);
Napi::Object toJs(const Napi::Env& env, const ProcessInfo& info);
Napi::Object toJs(const Napi::Env& env, const CudaDriverInfo& info);
Napi::Object toJs(const Napi::Env& env, const CudaRuntimeInfo& info);
Napi::Object toJs(const Napi::Env& env, const DeviceStatus& status);
Napi::Object toJs(const Napi::Env& env, const TimingStats& timing);
Napi::Object toJs(const Napi::Env& env, const WindowResult& window);
Napi::BigInt bigNs(const Napi::Env& env, int64_t ns);

}  // namespace lem
