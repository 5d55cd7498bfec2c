// Module init: per-environment data, the cleanup hook that joins samplers at exit or
// worker termination, and the exported functions and class.
#include <napi.h>

#include "addon/addon_data.h"
#include "addon/module_functions.h"
#include "addon/nvml_probe_js.h"
#include "addon/sampler_wrap.h"

namespace lem {

AddonData* addonData(const Napi::Env& env) { return env.GetInstanceData<AddonData>(); }

namespace {

void stopSamplersAtCleanup(void* arg) { static_cast<AddonData*>(arg)->samplers.stopAll(); }

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);  // deleted by node-addon-api when the environment goes away
  napi_add_env_cleanup_hook(env, stopSamplersAtCleanup, data);
  defineModuleFunctions(env, exports);
  defineProbeFunctions(env, exports);
  exports.Set("NativeSampler", SamplerWrap::define(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace lem

static Napi::Object InitLem(Napi::Env env, Napi::Object exports) { return lem::init(env, exports); }

NODE_API_MODULE(lem, InitLem)
