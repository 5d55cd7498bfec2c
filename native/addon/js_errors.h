// Turns C++ failures into JavaScript errors with a stable `code` (and the NVML code and
// name when NVML said no), so the TypeScript layer can map them onto typed error classes.
#pragma once

#include <napi.h>

#include <functional>

namespace lem {

// Runs `body`; any exception becomes a thrown JavaScript error. Returns undefined on error.
Napi::Value guarded(const Napi::Env& env, const std::function<Napi::Value()>& body);

Napi::Error makeError(const Napi::Env& env, const char* code, const std::string& message);

}  // namespace lem
