#include "device_info.h"

#include <cstring>

#include "provider.h"

namespace lem {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Records a failed fact unless it is merely unsupported; returns whether the call succeeded.
bool ok(DeviceInfo& info, const char* fact, nvmlReturn_t rc) {
  if (rc == NVML_SUCCESS) return true;
  if (rc != NVML_ERROR_NOT_SUPPORTED && rc != NVML_ERROR_FUNCTION_NOT_FOUND) info.errors.push_back({fact, rc});
  return false;
}

bool fieldSupported(const NvmlApi& api, nvmlDevice_t dev, unsigned fieldId) {
  if (!api.deviceGetFieldValues) return false;
  nvmlFieldValue_t v;
  std::memset(&v, 0, sizeof v);
  v.fieldId = fieldId;
  v.scopeId = NVML_POWER_SCOPE_GPU;
  return api.deviceGetFieldValues(dev, 1, &v) == NVML_SUCCESS && v.nvmlReturn == NVML_SUCCESS;
}

}  // namespace

const char* architectureName(unsigned arch) {
  switch (arch) {
    case NVML_DEVICE_ARCH_KEPLER: return "kepler";
    case NVML_DEVICE_ARCH_MAXWELL: return "maxwell";
    case NVML_DEVICE_ARCH_PASCAL: return "pascal";
    case NVML_DEVICE_ARCH_VOLTA: return "volta";
    case NVML_DEVICE_ARCH_TURING: return "turing";
    case NVML_DEVICE_ARCH_AMPERE: return "ampere";
    case NVML_DEVICE_ARCH_ADA: return "ada";
    case NVML_DEVICE_ARCH_HOPPER: return "hopper";
    case NVML_DEVICE_ARCH_BLACKWELL: return "blackwell";
    default: return "unknown";
  }
}

SystemInfo querySystem(const NvmlApi& api) {
  SystemInfo s;
  char buf[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
  if (api.systemGetDriverVersion && api.systemGetDriverVersion(buf, sizeof buf) == NVML_SUCCESS) s.driverVersion = buf;
  if (api.systemGetNVMLVersion && api.systemGetNVMLVersion(buf, sizeof buf) == NVML_SUCCESS) s.nvmlVersion = buf;
  int cuda = 0;
  if (api.systemGetCudaDriverVersion && api.systemGetCudaDriverVersion(&cuda) == NVML_SUCCESS) s.cudaDriverVersion = cuda;
  return s;
}

unsigned deviceCount(const NvmlApi& api) {
  unsigned n = 0;
  check(api, api.deviceGetCount(&n), "nvmlDeviceGetCount_v2");
  return n;
}

nvmlDevice_t deviceHandle(const NvmlApi& api, unsigned index) {
  nvmlDevice_t dev = nullptr;
  check(api, api.deviceGetHandleByIndex(index, &dev), "nvmlDeviceGetHandleByIndex_v2");
  return dev;
}

DeviceInfo queryDevice(const NvmlApi& api, unsigned index) {
  DeviceInfo info;
  info.index = index;
  nvmlDevice_t dev = deviceHandle(api, index);
  char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
  check(api, api.deviceGetName(dev, buf, sizeof buf), "nvmlDeviceGetName");
  info.name = buf;
  check(api, api.deviceGetUUID(dev, buf, sizeof buf), "nvmlDeviceGetUUID");
  info.uuid = buf;

  if (api.deviceGetPciInfo) {
    nvmlPciInfo_t pci;
    std::memset(&pci, 0, sizeof pci);
    if (ok(info, "pciBusId", api.deviceGetPciInfo(dev, &pci))) info.pciBusId = pci.busId;
  }
  unsigned arch = 0;
  if (api.deviceGetArchitecture && ok(info, "architecture", api.deviceGetArchitecture(dev, &arch)))
    info.architecture = architectureName(arch);

  nvmlMemory_v2_t m2;
  std::memset(&m2, 0, sizeof m2);
  m2.version = LEM_NVML_MEMORY_V2_VERSION;
  if (api.deviceGetMemoryInfoV2 && ok(info, "memory", api.deviceGetMemoryInfoV2(dev, &m2))) {
    info.memoryTotalMiB = m2.total / kMiB;
    info.memoryUsedMiB = m2.used / kMiB;
    info.memoryReservedMiB = m2.reserved / kMiB;
    info.memoryFreeMiB = m2.free / kMiB;
  } else if (api.deviceGetMemoryInfo) {
    nvmlMemory_t m1;
    if (ok(info, "memory", api.deviceGetMemoryInfo(dev, &m1))) {
      info.memoryTotalMiB = m1.total / kMiB;
      info.memoryUsedMiB = m1.used / kMiB;
      info.memoryFreeMiB = m1.free / kMiB;
    }
  }

  unsigned mw = 0, mw2 = 0;
  if (api.deviceGetPowerManagementLimit && ok(info, "powerLimit", api.deviceGetPowerManagementLimit(dev, &mw)))
    info.powerLimitW = mw / 1000.0;
  if (api.deviceGetPowerManagementDefaultLimit &&
      ok(info, "defaultPowerLimit", api.deviceGetPowerManagementDefaultLimit(dev, &mw)))
    info.defaultPowerLimitW = mw / 1000.0;
  if (api.deviceGetPowerManagementLimitConstraints &&
      ok(info, "powerLimitConstraints", api.deviceGetPowerManagementLimitConstraints(dev, &mw, &mw2))) {
    info.minPowerLimitW = mw / 1000.0;
    info.maxPowerLimitW = mw2 / 1000.0;
  }
  if (api.deviceGetEnforcedPowerLimit && ok(info, "enforcedPowerLimit", api.deviceGetEnforcedPowerLimit(dev, &mw)))
    info.enforcedPowerLimitW = mw / 1000.0;

  int persistence = 0;
  if (api.deviceGetPersistenceMode && ok(info, "persistenceMode", api.deviceGetPersistenceMode(dev, &persistence)))
    info.persistenceMode = persistence != 0;
  unsigned cur = 0, pending = 0;
  if (api.deviceGetMigMode && ok(info, "migMode", api.deviceGetMigMode(dev, &cur, &pending))) {
    info.migEnabled = cur != 0;
    info.migPending = pending != 0;
  }

  unsigned long long mj = 0;
  info.energyCounterSupported =
      api.deviceGetTotalEnergyConsumption && api.deviceGetTotalEnergyConsumption(dev, &mj) == NVML_SUCCESS;
  info.instantPowerSupported = fieldSupported(api, dev, NVML_FI_DEV_POWER_INSTANT);
  info.averagePowerSupported = fieldSupported(api, dev, NVML_FI_DEV_POWER_AVERAGE);
  return info;
}

namespace {

// NVML's sizing protocol: ask, grow to the count it reports, retry (processes come and go).
// Returns false when the list kept growing.
template <typename Info, typename Fn, typename Emit>
bool readProcessList(const NvmlApi& api, nvmlDevice_t dev, Fn fn, const char* name, Emit emit) {
  unsigned capacity = 16;
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<Info> infos(capacity);
    unsigned n = capacity;
    nvmlReturn_t rc = fn(dev, &n, infos.data());
    if (rc == NVML_ERROR_INSUFFICIENT_SIZE) {
      capacity = n + 8;
      continue;
    }
    check(api, rc, name);
    for (unsigned i = 0; i < n; ++i) emit(infos[i].pid, infos[i].usedGpuMemory);
    return true;
  }
  return false;
}

}  // namespace

std::vector<ProcessInfo> queryComputeProcesses(const NvmlApi& api, unsigned index) {
  nvmlDevice_t dev = deviceHandle(api, index);
  std::vector<ProcessInfo> out;
  auto emit = [&](unsigned pid, unsigned long long bytes) {
    char buf[256];
    std::string name;
    if (api.systemGetProcessName && api.systemGetProcessName(pid, buf, sizeof buf) == NVML_SUCCESS) name = buf;
    std::optional<double> mib;
    if (bytes != NVML_VALUE_NOT_AVAILABLE_ULL) mib = bytes / kMiB;
    out.push_back({pid, mib, name});
  };
  bool complete;
  if (api.deviceGetComputeRunningProcesses) {
    complete = readProcessList<nvmlProcessInfo_t>(api, dev, api.deviceGetComputeRunningProcesses,
                                                  "nvmlDeviceGetComputeRunningProcesses_v3", emit);
  } else if (api.deviceGetComputeRunningProcessesV1) {
    complete = readProcessList<nvmlProcessInfo_v1_t>(api, dev, api.deviceGetComputeRunningProcessesV1,
                                                     "nvmlDeviceGetComputeRunningProcesses", emit);
  } else {
    throw NvmlError(NVML_ERROR_FUNCTION_NOT_FOUND, "nvmlDeviceGetComputeRunningProcesses",
                    "this NVML library has no nvmlDeviceGetComputeRunningProcesses");
  }
  if (!complete)
    throw NvmlError(NVML_ERROR_INSUFFICIENT_SIZE, "nvmlDeviceGetComputeRunningProcesses_v3",
                    "the process list kept growing while it was read; try again");
  return out;
}

std::optional<unsigned> indexForUuid(const NvmlApi& api, const std::string& uuid) {
  if (api.deviceGetHandleByUUID) {
    nvmlDevice_t dev = nullptr;
    if (api.deviceGetHandleByUUID(uuid.c_str(), &dev) != NVML_SUCCESS) return std::nullopt;
    unsigned isMig = 0;
    if (api.deviceIsMigDeviceHandle && api.deviceIsMigDeviceHandle(dev, &isMig) == NVML_SUCCESS && isMig &&
        api.deviceGetDeviceHandleFromMigDeviceHandle) {
      nvmlDevice_t parent = nullptr;
      if (api.deviceGetDeviceHandleFromMigDeviceHandle(dev, &parent) != NVML_SUCCESS) return std::nullopt;
      dev = parent;
    }
    unsigned idx = 0;
    if (api.deviceGetIndex && api.deviceGetIndex(dev, &idx) == NVML_SUCCESS) return idx;
  }
  // Fallback without handle-by-UUID: compare with every device's UUID.
  unsigned n = deviceCount(api);
  char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
  for (unsigned i = 0; i < n; ++i) {
    if (api.deviceGetUUID(deviceHandle(api, i), buf, sizeof buf) == NVML_SUCCESS && uuid == buf) return i;
  }
  return std::nullopt;
}

}  // namespace lem
