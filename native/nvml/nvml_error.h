// An NVML call that failed, with the code, its stable name and the function that returned it.
#pragma once

#include <stdexcept>
#include <string>

#include "nvml_api.h"

namespace lem {

struct NvmlError : std::runtime_error {
  NvmlError(nvmlReturn_t code, std::string function, const std::string& message)
      : std::runtime_error(message), code(code), function(std::move(function)) {}
  nvmlReturn_t code;
  std::string function;
  const char* name() const { return nvmlReturnName(code); }
};

// Why no NVML provider could be set up (library missing, init failed, ...).
struct NvmlUnavailable : std::runtime_error {
  NvmlUnavailable(std::string reason, nvmlReturn_t code = NVML_ERROR_LIBRARY_NOT_FOUND)
      : std::runtime_error(std::move(reason)), code(code) {}
  nvmlReturn_t code;
};

}  // namespace lem
