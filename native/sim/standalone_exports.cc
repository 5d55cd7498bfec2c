// The real NVML symbol names over the simulated GPU. Compiled ONLY into the standalone
// libnvidia-ml.so.1 (tests of lem's dlopen path, or any NVML client), never into the addon.
//
// With no active world, nvmlInit loads the scenario named by $LEM_SIM_SCENARIO, else the
// file named by the compile-time macro LEM_SIM_DEFAULT_SCENARIO (a string literal), else it
// returns NVML_ERROR_DRIVER_NOT_LOADED. A value without a '/' that does not end in .json is
// a built-in name, looked up beside the default scenario. (Not LEM_SIMULATE: that one makes
// lem use its in-process simulator, and this library exists to test the real dlopen path.)
//
// Link with -Wl,--version-script=native/sim/libnvidia-ml.map so that only the NVML names
// are exported (-fvisibility=hidden alone leaves the C++ library's template instances).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "sim.h"
#include "world.h"

#define LEM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// $LEM_SIM_SCENARIO (a file, or a built-in name), else the compiled-in default; "" when none.
std::string scenarioPath() {
  const char* env = std::getenv("LEM_SIM_SCENARIO");
  std::string spec = env ? env : "";
#ifdef LEM_SIM_DEFAULT_SCENARIO
  const std::string fallback = LEM_SIM_DEFAULT_SCENARIO;
  if (spec.empty()) return fallback;
  bool isName = spec.find('/') == std::string::npos &&
                (spec.size() < 5 || spec.compare(spec.size() - 5, 5, ".json") != 0);
  size_t slash = fallback.rfind('/');
  if (isName && slash != std::string::npos) return fallback.substr(0, slash + 1) + spec + ".json";
#endif
  return spec;
}

std::shared_ptr<lem::sim::World> loadScenarioFile() {
  const std::string pathText = scenarioPath();
  if (pathText.empty()) return nullptr;
  const char* path = pathText.c_str();
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "simulated libnvidia-ml: cannot read scenario %s\n", path);
      return nullptr;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return lem::sim::loadWorld(text.str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simulated libnvidia-ml: %s: %s\n", path, e.what());
    return nullptr;
  }
}

// Registered when the library is loaded, before any client can call nvmlInit.
const bool gLoaderRegistered = [] {
  lem::sim::setFallbackWorldLoader(loadScenarioFile);
  return true;
}();

const lem::NvmlApi& api() { return lem::sim::nvmlTable(); }

}  // namespace

LEM_EXPORT nvmlReturn_t nvmlInit_v2() { return api().init(); }
LEM_EXPORT nvmlReturn_t nvmlInit() { return api().init(); }
LEM_EXPORT nvmlReturn_t nvmlShutdown() { return api().shutdown(); }
LEM_EXPORT const char* nvmlErrorString(nvmlReturn_t r) { return api().errorString(r); }

LEM_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char* v, unsigned n) { return api().systemGetDriverVersion(v, n); }
LEM_EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char* v, unsigned n) { return api().systemGetNVMLVersion(v, n); }
LEM_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int* v) { return api().systemGetCudaDriverVersion(v); }
LEM_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int* v) { return api().systemGetCudaDriverVersion(v); }
LEM_EXPORT nvmlReturn_t nvmlSystemGetProcessName(unsigned pid, char* name, unsigned n) {
  return api().systemGetProcessName(pid, name, n);
}

LEM_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned* c) { return api().deviceGetCount(c); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned* c) { return api().deviceGetCount(c); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t* d) {
  return api().deviceGetHandleByIndex(i, d);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned i, nvmlDevice_t* d) {
  return api().deviceGetHandleByIndex(i, d);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char* u, nvmlDevice_t* d) {
  return api().deviceGetHandleByUUID(u, d);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char* s, unsigned n) { return api().deviceGetName(d, s, n); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char* s, unsigned n) { return api().deviceGetUUID(d, s, n); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t d, unsigned* i) { return api().deviceGetIndex(d, i); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t* p) { return api().deviceGetPciInfo(d, p); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t d, unsigned* a) {
  return api().deviceGetArchitecture(d, a);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t* m) {
  return api().deviceGetMemoryInfoV2(d, m);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t* m) { return api().deviceGetMemoryInfo(d, m); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned* w) {
  return api().deviceGetPowerManagementLimit(d, w);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t d, unsigned* w) {
  return api().deviceGetPowerManagementDefaultLimit(d, w);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t d, unsigned* lo, unsigned* hi) {
  return api().deviceGetPowerManagementLimitConstraints(d, lo, hi);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned* w) {
  return api().deviceGetEnforcedPowerLimit(d, w);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, int* m) { return api().deviceGetPersistenceMode(d, m); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned* c, unsigned* p) {
  return api().deviceGetMigMode(d, c, p);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t d, unsigned* m) {
  return api().deviceIsMigDeviceHandle(d, m);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t d, nvmlDevice_t* p) {
  return api().deviceGetDeviceHandleFromMigDeviceHandle(d, p);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned* mw) { return api().deviceGetPowerUsage(d, mw); }
LEM_EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long* mj) {
  return api().deviceGetTotalEnergyConsumption(d, mj);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t d, int n, nvmlFieldValue_t* v) {
  return api().deviceGetFieldValues(d, n, v);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned* c) {
  return api().deviceGetTemperature(d, sensor, c);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned* mhz) {
  return api().deviceGetClockInfo(d, type, mhz);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long* r) {
  return api().deviceGetCurrentClocksEventReasons(d, r);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long* r) {
  return api().deviceGetCurrentClocksEventReasons(d, r);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t* u) {
  return api().deviceGetUtilizationRates(d, u);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned* n, nvmlProcessInfo_t* p) {
  return api().deviceGetComputeRunningProcesses(d, n, p);
}
// _v2's nvmlProcessInfo_v2_t has the same layout as _v3's.
LEM_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned* n, nvmlProcessInfo_t* p) {
  return api().deviceGetComputeRunningProcesses(d, n, p);
}
LEM_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned* n, nvmlProcessInfo_v1_t* p) {
  return api().deviceGetComputeRunningProcessesV1(d, n, p);
}
