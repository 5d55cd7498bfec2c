// Static facts of each GPU, read once through whichever provider is active.
// A fact the device or library does not support is left empty, never zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nvml_api.h"

namespace lem {

struct FactError {
  std::string fact;
  nvmlReturn_t code;
};

struct DeviceInfo {
  unsigned index = 0;
  std::string name;
  std::string uuid;
  std::optional<std::string> pciBusId;
  std::optional<std::string> architecture;
  std::optional<double> memoryTotalMiB, memoryUsedMiB, memoryReservedMiB, memoryFreeMiB;
  std::optional<double> powerLimitW, defaultPowerLimitW, minPowerLimitW, maxPowerLimitW, enforcedPowerLimitW;
  std::optional<bool> persistenceMode;
  std::optional<bool> migEnabled, migPending;
  bool energyCounterSupported = false;
  bool instantPowerSupported = false;
  bool averagePowerSupported = false;
  std::vector<FactError> errors;  // facts that failed for another reason than "not supported"
};

struct SystemInfo {
  std::optional<std::string> driverVersion;
  std::optional<std::string> nvmlVersion;
  std::optional<int> cudaDriverVersion;  // e.g. 12040 for CUDA 12.4
};

struct ProcessInfo {
  unsigned pid;
  std::optional<double> usedMiB;  // empty when NVML cannot tell (e.g. without privileges)
  std::string name;
};

const char* architectureName(unsigned arch);
SystemInfo querySystem(const NvmlApi& api);
unsigned deviceCount(const NvmlApi& api);
nvmlDevice_t deviceHandle(const NvmlApi& api, unsigned index);
DeviceInfo queryDevice(const NvmlApi& api, unsigned index);
std::vector<ProcessInfo> queryComputeProcesses(const NvmlApi& api, unsigned index);
// NVML index of the physical GPU a GPU- or MIG- UUID names (a MIG instance maps to its parent).
std::optional<unsigned> indexForUuid(const NvmlApi& api, const std::string& uuid);

}  // namespace lem
