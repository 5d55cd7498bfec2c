// The NVML probe functions of the addon (see nvml_probe_js.cc).
#pragma once

#include <napi.h>

namespace lem {

void defineProbeFunctions(Napi::Env env, Napi::Object exports);

}  // namespace lem
