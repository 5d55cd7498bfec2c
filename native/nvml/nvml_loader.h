// dlopen of the real NVML: libnvidia-ml.so.1, or the file named by LEM_NVML_LIBRARY.
#pragma once

#include <string>

#include "nvml_api.h"
#include "nvml_error.h"

namespace lem {

struct LoadedNvml {
  NvmlApi api;
  std::string libraryPath;  // as resolved by the dynamic loader (dlinfo), or as requested
  void* handle = nullptr;
};

// Resolves every entry point, versioned names newest first. Throws NvmlUnavailable with a
// sentence saying what was tried when the library or a required symbol is missing.
// The handle is kept for the life of the process (NVML must not be unloaded under a thread).
LoadedNvml loadNvmlLibrary();

}  // namespace lem
