#include "functions.h"

#include "../nvml/nvml_types.h"

namespace lem::sim {

namespace {

struct FnName {
  const char* name;
  NvmlFn fn;
};

// Canonical names first (the ones nvml.h maps its unversioned macros to), then aliases.
constexpr FnName kFnNames[] = {
    {"nvmlDeviceGetHandleByIndex_v2", NvmlFn::GetHandleByIndex},
    {"nvmlDeviceGetHandleByUUID", NvmlFn::GetHandleByUUID},
    {"nvmlDeviceGetName", NvmlFn::GetName},
    {"nvmlDeviceGetUUID", NvmlFn::GetUUID},
    {"nvmlDeviceGetIndex", NvmlFn::GetIndex},
    {"nvmlDeviceGetPciInfo_v3", NvmlFn::GetPciInfo},
    {"nvmlDeviceGetArchitecture", NvmlFn::GetArchitecture},
    {"nvmlDeviceGetMemoryInfo_v2", NvmlFn::GetMemoryInfoV2},
    {"nvmlDeviceGetMemoryInfo", NvmlFn::GetMemoryInfo},
    {"nvmlDeviceGetPowerManagementLimit", NvmlFn::GetPowerManagementLimit},
    {"nvmlDeviceGetPowerManagementDefaultLimit", NvmlFn::GetPowerManagementDefaultLimit},
    {"nvmlDeviceGetPowerManagementLimitConstraints", NvmlFn::GetPowerManagementLimitConstraints},
    {"nvmlDeviceGetEnforcedPowerLimit", NvmlFn::GetEnforcedPowerLimit},
    {"nvmlDeviceGetPersistenceMode", NvmlFn::GetPersistenceMode},
    {"nvmlDeviceGetMigMode", NvmlFn::GetMigMode},
    {"nvmlDeviceIsMigDeviceHandle", NvmlFn::IsMigDeviceHandle},
    {"nvmlDeviceGetDeviceHandleFromMigDeviceHandle", NvmlFn::GetDeviceHandleFromMigDeviceHandle},
    {"nvmlDeviceGetPowerUsage", NvmlFn::GetPowerUsage},
    {"nvmlDeviceGetTotalEnergyConsumption", NvmlFn::GetTotalEnergyConsumption},
    {"nvmlDeviceGetFieldValues", NvmlFn::GetFieldValues},
    {"nvmlDeviceGetTemperature", NvmlFn::GetTemperature},
    {"nvmlDeviceGetClockInfo", NvmlFn::GetClockInfo},
    {"nvmlDeviceGetCurrentClocksEventReasons", NvmlFn::GetCurrentClocksEventReasons},
    {"nvmlDeviceGetUtilizationRates", NvmlFn::GetUtilizationRates},
    {"nvmlDeviceGetComputeRunningProcesses_v3", NvmlFn::GetComputeRunningProcesses},
    {"nvmlDeviceGetComputeRunningProcesses", NvmlFn::GetComputeRunningProcessesV1},
    // Aliases.
    {"nvmlDeviceGetHandleByIndex", NvmlFn::GetHandleByIndex},
    {"nvmlDeviceGetPciInfo", NvmlFn::GetPciInfo},
    {"nvmlDeviceGetCurrentClocksThrottleReasons", NvmlFn::GetCurrentClocksEventReasons},
    {"nvmlDeviceGetComputeRunningProcesses_v2", NvmlFn::GetComputeRunningProcesses},
};

struct ErrorName {
  const char* name;
  int code;
  const char* sentence;
};

constexpr ErrorName kErrors[] = {
    {"NVML_SUCCESS", NVML_SUCCESS, "Success"},
    {"NVML_ERROR_UNINITIALIZED", NVML_ERROR_UNINITIALIZED, "NVML was not first initialized with nvmlInit()"},
    {"NVML_ERROR_INVALID_ARGUMENT", NVML_ERROR_INVALID_ARGUMENT, "A supplied argument is invalid"},
    {"NVML_ERROR_NOT_SUPPORTED", NVML_ERROR_NOT_SUPPORTED, "The requested operation is not available on the target device"},
    {"NVML_ERROR_NO_PERMISSION", NVML_ERROR_NO_PERMISSION, "The current user does not have permission for the operation"},
    {"NVML_ERROR_ALREADY_INITIALIZED", NVML_ERROR_ALREADY_INITIALIZED, "NVML has already been initialized"},
    {"NVML_ERROR_NOT_FOUND", NVML_ERROR_NOT_FOUND, "A query to find an object was unsuccessful"},
    {"NVML_ERROR_INSUFFICIENT_SIZE", NVML_ERROR_INSUFFICIENT_SIZE, "An input argument is not large enough"},
    {"NVML_ERROR_INSUFFICIENT_POWER", NVML_ERROR_INSUFFICIENT_POWER, "A device's external power cables are not properly attached"},
    {"NVML_ERROR_DRIVER_NOT_LOADED", NVML_ERROR_DRIVER_NOT_LOADED, "The NVIDIA driver is not loaded"},
    {"NVML_ERROR_TIMEOUT", NVML_ERROR_TIMEOUT, "The user provided timeout passed"},
    {"NVML_ERROR_IRQ_ISSUE", NVML_ERROR_IRQ_ISSUE, "The NVIDIA kernel detected an interrupt issue with a GPU"},
    {"NVML_ERROR_LIBRARY_NOT_FOUND", NVML_ERROR_LIBRARY_NOT_FOUND, "The NVML shared library could not be found or loaded"},
    {"NVML_ERROR_FUNCTION_NOT_FOUND", NVML_ERROR_FUNCTION_NOT_FOUND, "The local version of NVML does not implement this function"},
    {"NVML_ERROR_CORRUPTED_INFOROM", NVML_ERROR_CORRUPTED_INFOROM, "The infoROM is corrupted"},
    {"NVML_ERROR_GPU_IS_LOST", NVML_ERROR_GPU_IS_LOST, "The GPU has fallen off the bus or has otherwise become inaccessible"},
    {"NVML_ERROR_RESET_REQUIRED", NVML_ERROR_RESET_REQUIRED, "The GPU requires a reset before it can be used again"},
    {"NVML_ERROR_OPERATING_SYSTEM", NVML_ERROR_OPERATING_SYSTEM, "The GPU control device has been blocked by the operating system/cgroups"},
    {"NVML_ERROR_LIB_RM_VERSION_MISMATCH", NVML_ERROR_LIB_RM_VERSION_MISMATCH, "The NVML library and the NVIDIA driver versions do not match"},
    {"NVML_ERROR_IN_USE", NVML_ERROR_IN_USE, "The operation cannot be performed because the GPU is currently in use"},
    {"NVML_ERROR_MEMORY", NVML_ERROR_MEMORY, "Insufficient memory"},
    {"NVML_ERROR_NO_DATA", NVML_ERROR_NO_DATA, "No data"},
    {"NVML_ERROR_VGPU_ECC_NOT_ENABLED", NVML_ERROR_VGPU_ECC_NOT_ENABLED, "The requested vGPU operation is not available because ECC is enabled"},
    {"NVML_ERROR_INSUFFICIENT_RESOURCES", NVML_ERROR_INSUFFICIENT_RESOURCES, "Ran out of critical resources, other than memory"},
    {"NVML_ERROR_FREQ_NOT_SUPPORTED", NVML_ERROR_FREQ_NOT_SUPPORTED, "The requested frequency is not supported"},
    {"NVML_ERROR_ARGUMENT_VERSION_MISMATCH", NVML_ERROR_ARGUMENT_VERSION_MISMATCH, "The provided version is invalid or unsupported"},
    {"NVML_ERROR_DEPRECATED", NVML_ERROR_DEPRECATED, "The requested functionality has been deprecated"},
    {"NVML_ERROR_NOT_READY", NVML_ERROR_NOT_READY, "The system is not ready for the request"},
    {"NVML_ERROR_GPU_NOT_FOUND", NVML_ERROR_GPU_NOT_FOUND, "No GPUs were found"},
    {"NVML_ERROR_INVALID_STATE", NVML_ERROR_INVALID_STATE, "The resource is in an invalid state"},
    {"NVML_ERROR_UNKNOWN", NVML_ERROR_UNKNOWN, "An internal driver error occurred"},
};

}  // namespace

bool coveredByWildcard(NvmlFn fn) {
  return fn != NvmlFn::GetHandleByIndex && fn != NvmlFn::GetHandleByUUID;
}

bool nvmlFnFromName(const std::string& name, NvmlFn* fn) {
  for (const auto& entry : kFnNames) {
    if (name == entry.name) {
      *fn = entry.fn;
      return true;
    }
  }
  return false;
}

std::string nvmlFnNameList() {
  std::string list = "\"*\"";
  for (const auto& entry : kFnNames) list += std::string(", ") + entry.name;
  return list;
}

bool nvmlErrorFromName(const std::string& name, int* code) {
  for (const auto& entry : kErrors) {
    if (entry.code != NVML_SUCCESS && name == entry.name) {
      *code = entry.code;
      return true;
    }
  }
  return false;
}

const char* nvmlErrorSentence(int code) {
  for (const auto& entry : kErrors) {
    if (entry.code == code) return entry.sentence;
  }
  return "Unknown Error";
}

}  // namespace lem::sim
