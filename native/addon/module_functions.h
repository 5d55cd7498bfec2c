// The addon's free functions: provider status and selection, devices, processes, CUDA,
// simulation truth and the monotonic clock.
#pragma once

#include <napi.h>

namespace lem {

void defineModuleFunctions(Napi::Env env, Napi::Object exports);

}  // namespace lem
