#include "nvml_loader.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>
#include <initializer_list>

namespace lem {
namespace {

template <typename Fn>
bool resolve(void* handle, Fn*& slot, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* sym = dlsym(handle, name)) {
      slot = reinterpret_cast<Fn*>(sym);
      return true;
    }
  }
  slot = nullptr;
  return false;
}

}  // namespace

LoadedNvml loadNvmlLibrary() {
  const char* override = std::getenv("LEM_NVML_LIBRARY");
  std::string requested = (override && *override) ? override : "libnvidia-ml.so.1";
  dlerror();
  void* handle = dlopen(requested.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    std::string reason = "cannot load " + requested + " (" + (why ? why : "unknown dlopen error") + ")";
    throw NvmlUnavailable(reason, NVML_ERROR_LIBRARY_NOT_FOUND);
  }

  LoadedNvml loaded;
  loaded.handle = handle;
  loaded.libraryPath = requested;
  struct link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) {
    loaded.libraryPath = map->l_name;
  }

  NvmlApi& a = loaded.api;
  std::string missing;
  auto require = [&](bool found, const char* name) {
    if (!found) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  require(resolve(handle, a.init, {"nvmlInit_v2", "nvmlInit"}), "nvmlInit_v2");
  require(resolve(handle, a.shutdown, {"nvmlShutdown"}), "nvmlShutdown");
  require(resolve(handle, a.errorString, {"nvmlErrorString"}), "nvmlErrorString");
  require(resolve(handle, a.deviceGetCount, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"}), "nvmlDeviceGetCount_v2");
  require(resolve(handle, a.deviceGetHandleByIndex, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"}),
          "nvmlDeviceGetHandleByIndex_v2");
  require(resolve(handle, a.deviceGetName, {"nvmlDeviceGetName"}), "nvmlDeviceGetName");
  require(resolve(handle, a.deviceGetUUID, {"nvmlDeviceGetUUID"}), "nvmlDeviceGetUUID");
  if (!missing.empty()) {
    dlclose(handle);
    throw NvmlUnavailable(loaded.libraryPath + " lacks required NVML functions: " + missing,
                          NVML_ERROR_FUNCTION_NOT_FOUND);
  }

  resolve(handle, a.systemGetDriverVersion, {"nvmlSystemGetDriverVersion"});
  resolve(handle, a.systemGetNVMLVersion, {"nvmlSystemGetNVMLVersion"});
  resolve(handle, a.systemGetCudaDriverVersion, {"nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"});
  resolve(handle, a.systemGetProcessName, {"nvmlSystemGetProcessName"});
  resolve(handle, a.deviceGetHandleByUUID, {"nvmlDeviceGetHandleByUUID"});
  resolve(handle, a.deviceGetIndex, {"nvmlDeviceGetIndex"});
  // v1 of nvmlDeviceGetPciInfo has another struct layout: only v3/v2 fit nvmlPciInfo_t.
  resolve(handle, a.deviceGetPciInfo, {"nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2"});
  resolve(handle, a.deviceGetArchitecture, {"nvmlDeviceGetArchitecture"});
  resolve(handle, a.deviceGetMemoryInfoV2, {"nvmlDeviceGetMemoryInfo_v2"});
  resolve(handle, a.deviceGetMemoryInfo, {"nvmlDeviceGetMemoryInfo"});
  resolve(handle, a.deviceGetPowerManagementLimit, {"nvmlDeviceGetPowerManagementLimit"});
  resolve(handle, a.deviceGetPowerManagementDefaultLimit, {"nvmlDeviceGetPowerManagementDefaultLimit"});
  resolve(handle, a.deviceGetPowerManagementLimitConstraints, {"nvmlDeviceGetPowerManagementLimitConstraints"});
  resolve(handle, a.deviceGetEnforcedPowerLimit, {"nvmlDeviceGetEnforcedPowerLimit"});
  resolve(handle, a.deviceGetPersistenceMode, {"nvmlDeviceGetPersistenceMode"});
  resolve(handle, a.deviceGetMigMode, {"nvmlDeviceGetMigMode"});
  resolve(handle, a.deviceIsMigDeviceHandle, {"nvmlDeviceIsMigDeviceHandle"});
  resolve(handle, a.deviceGetDeviceHandleFromMigDeviceHandle, {"nvmlDeviceGetDeviceHandleFromMigDeviceHandle"});
  resolve(handle, a.deviceGetPowerUsage, {"nvmlDeviceGetPowerUsage"});
  resolve(handle, a.deviceGetTotalEnergyConsumption, {"nvmlDeviceGetTotalEnergyConsumption"});
  resolve(handle, a.deviceGetFieldValues, {"nvmlDeviceGetFieldValues"});
  resolve(handle, a.deviceGetTemperature, {"nvmlDeviceGetTemperature"});
  resolve(handle, a.deviceGetClockInfo, {"nvmlDeviceGetClockInfo"});
  resolve(handle, a.deviceGetCurrentClocksEventReasons,
          {"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"});
  resolve(handle, a.deviceGetUtilizationRates, {"nvmlDeviceGetUtilizationRates"});
  // _v3 and _v2 share the 4-field layout; the unversioned one is the 2-field v1.
  resolve(handle, a.deviceGetComputeRunningProcesses,
          {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  resolve(handle, a.deviceGetComputeRunningProcessesV1, {"nvmlDeviceGetComputeRunningProcesses"});
  return loaded;
}

}  // namespace lem
