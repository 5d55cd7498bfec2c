// The NVML functions a scenario can inject errors into, by their real NVML names.
#pragma once

#include <string>

namespace lem::sim {

// One entry per lem::NvmlApi device member (plus the two handle look-ups).
enum class NvmlFn : int {
  GetHandleByIndex,  // only when named explicitly: "*" covers calls that take a device handle
  GetHandleByUUID,   // likewise
  GetName,
  GetUUID,
  GetIndex,
  GetPciInfo,
  GetArchitecture,
  GetMemoryInfoV2,
  GetMemoryInfo,
  GetPowerManagementLimit,
  GetPowerManagementDefaultLimit,
  GetPowerManagementLimitConstraints,
  GetEnforcedPowerLimit,
  GetPersistenceMode,
  GetMigMode,
  IsMigDeviceHandle,
  GetDeviceHandleFromMigDeviceHandle,
  GetPowerUsage,
  GetTotalEnergyConsumption,
  GetFieldValues,
  GetTemperature,
  GetClockInfo,
  GetCurrentClocksEventReasons,
  GetUtilizationRates,
  GetComputeRunningProcesses,    // v3 (and v2) layout
  GetComputeRunningProcessesV1,  // unversioned layout
  Count
};

constexpr int kNvmlFnCount = static_cast<int>(NvmlFn::Count);

// True for functions that "*" selects (those taking a device handle).
bool coveredByWildcard(NvmlFn fn);

// Real NVML name -> function; accepts the older aliases (nvmlDeviceGetHandleByIndex,
// nvmlDeviceGetCurrentClocksThrottleReasons, ..._v2). False when unknown.
bool nvmlFnFromName(const std::string& name, NvmlFn* fn);

// Comma-separated list of accepted names, for error messages.
std::string nvmlFnNameList();

// NVML_ERROR_* name -> code (success excluded); false when unknown.
bool nvmlErrorFromName(const std::string& name, int* code);

// Readable sentence for nvmlErrorString.
const char* nvmlErrorSentence(int code);

}  // namespace lem::sim
