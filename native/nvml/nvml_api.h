// The NVML function table. The real library (dlopen) and the simulated GPU both fill
// one of these, so everything above this file is identical on both.
#pragma once

#include <memory>
#include <string>

#include "nvml_types.h"

namespace lem {

struct NvmlApi {
  // Required: a provider without these cannot be used at all.
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*errorString)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*deviceGetCount)(unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetHandleByIndex)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*deviceGetName)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*deviceGetUUID)(nvmlDevice_t, char*, unsigned) = nullptr;

  // Optional: a null pointer means "not supported by this library", reported as such.
  nvmlReturn_t (*systemGetDriverVersion)(char*, unsigned) = nullptr;
  nvmlReturn_t (*systemGetNVMLVersion)(char*, unsigned) = nullptr;
  nvmlReturn_t (*systemGetCudaDriverVersion)(int*) = nullptr;
  nvmlReturn_t (*systemGetProcessName)(unsigned, char*, unsigned) = nullptr;
  nvmlReturn_t (*deviceGetHandleByUUID)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*deviceGetIndex)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetPciInfo)(nvmlDevice_t, nvmlPciInfo_t*) = nullptr;
  nvmlReturn_t (*deviceGetArchitecture)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetMemoryInfoV2)(nvmlDevice_t, nvmlMemory_v2_t*) = nullptr;
  nvmlReturn_t (*deviceGetMemoryInfo)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*deviceGetPowerManagementLimit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetPowerManagementDefaultLimit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetPowerManagementLimitConstraints)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetEnforcedPowerLimit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetPersistenceMode)(nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*deviceGetMigMode)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*deviceIsMigDeviceHandle)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetDeviceHandleFromMigDeviceHandle)(nvmlDevice_t, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*deviceGetPowerUsage)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetTotalEnergyConsumption)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*deviceGetFieldValues)(nvmlDevice_t, int, nvmlFieldValue_t*) = nullptr;
  nvmlReturn_t (*deviceGetTemperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetClockInfo)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*deviceGetCurrentClocksEventReasons)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*deviceGetUtilizationRates)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*deviceGetComputeRunningProcesses)(nvmlDevice_t, unsigned*, nvmlProcessInfo_t*) = nullptr;
  nvmlReturn_t (*deviceGetComputeRunningProcessesV1)(nvmlDevice_t, unsigned*, nvmlProcessInfo_v1_t*) = nullptr;
};

// Stable name of an NVML return code ("NVML_ERROR_GPU_IS_LOST"), independent of any library.
const char* nvmlReturnName(nvmlReturn_t code);

}  // namespace lem
