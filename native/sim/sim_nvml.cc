// The NVML functions of the simulated GPU, over the active world (lem::NvmlApi).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "functions.h"
#include "sim.h"
#include "world.h"

namespace lem::sim {

namespace {

std::mutex gInitMutex;
std::atomic<int> gInitCount{0};  // NVML's init/shutdown are refcounted

bool initialized() { return gInitCount.load() > 0; }

// A validated handle plus the world time of the call.
struct Call {
  const DeviceHandle* handle = nullptr;
  SimDevice* device = nullptr;
  double tS = 0;
  bool isMig() const { return handle->migInstance >= 0; }
};

// Common prologue of every handle call: initialised, valid handle, injected errors,
// MIG handles (NVML has no power, energy or sensors per MIG slice), unsupported readings.
nvmlReturn_t enter(nvmlDevice_t device, NvmlFn fn, Call& call, bool migAllowed,
                   Feature feature = Feature::Count) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  auto* h = reinterpret_cast<const DeviceHandle*>(device);
  if (h == nullptr || h->magic != DeviceHandle::kMagic) return NVML_ERROR_INVALID_ARGUMENT;
  call.handle = h;
  call.device = h->device;
  call.tS = h->world->nowS();
  if (int code = call.device->injectedError(fn, call.tS)) return code;
  if (call.isMig() && !migAllowed) return NVML_ERROR_NOT_SUPPORTED;
  if (feature != Feature::Count && !call.device->spec.supports(feature)) return NVML_ERROR_NOT_SUPPORTED;
  return NVML_SUCCESS;
}

nvmlReturn_t copyString(const std::string& s, char* out, unsigned length) {
  if (out == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (s.size() + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  std::memcpy(out, s.c_str(), s.size() + 1);
  return NVML_SUCCESS;
}

unsigned milli(double w) { return static_cast<unsigned>(std::lround(std::max(w, 0.0) * 1000)); }
unsigned long long bytesOfMiB(double mib) {
  return static_cast<unsigned long long>(std::llround(mib * 1048576.0));
}

nvmlDevice_t asNvml(const DeviceHandle* h) {
  return reinterpret_cast<nvmlDevice_t>(const_cast<DeviceHandle*>(h));
}

// ---- system ----

nvmlReturn_t simInit() {
  std::lock_guard<std::mutex> lock(gInitMutex);
  if (!active()) {
    WorldLoader loader = fallbackWorldLoader();
    std::shared_ptr<World> world = loader ? loader() : nullptr;
    if (!world) return NVML_ERROR_DRIVER_NOT_LOADED;
    activate(world);
  }
  gInitCount.fetch_add(1);
  return NVML_SUCCESS;
}

nvmlReturn_t simShutdown() {
  std::lock_guard<std::mutex> lock(gInitMutex);
  if (gInitCount.load() == 0) return NVML_ERROR_UNINITIALIZED;
  gInitCount.fetch_sub(1);
  return NVML_SUCCESS;
}

const char* simErrorString(nvmlReturn_t code) { return nvmlErrorSentence(code); }

nvmlReturn_t simDeviceGetCount(unsigned* count) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (count == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  *count = deviceCount(*world);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetHandleByIndex(unsigned index, nvmlDevice_t* device) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (device == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  if (index >= world->devices.size()) return NVML_ERROR_INVALID_ARGUMENT;
  SimDevice& d = *world->devices[index];
  if (int code = d.injectedError(NvmlFn::GetHandleByIndex, world->nowS())) return code;
  *device = asNvml(&d.gpuHandle);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetHandleByUUID(const char* uuid, nvmlDevice_t* device) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (uuid == nullptr || device == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  for (auto& d : world->devices) {
    const DeviceHandle* found = nullptr;
    if (d->spec.uuid == uuid) found = &d->gpuHandle;
    for (size_t k = 0; k < d->migHandles.size() && !found; ++k)
      if (d->spec.migUuids[k] == uuid) found = &d->migHandles[k];
    if (!found) continue;
    if (int code = d->injectedError(NvmlFn::GetHandleByUUID, world->nowS())) return code;
    *device = asNvml(found);
    return NVML_SUCCESS;
  }
  return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t simSystemGetDriverVersion(char* out, unsigned length) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  return copyString(world->scenario.driverVersion, out, length);
}

nvmlReturn_t simSystemGetNVMLVersion(char* out, unsigned length) {
  // Like NVML, this one works before nvmlInit (it needs no driver); here it needs a world.
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  return copyString(world->scenario.nvmlVersion, out, length);
}

nvmlReturn_t simSystemGetCudaDriverVersion(int* version) {
  if (version == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  auto world = active();
  if (!world || !initialized()) return NVML_ERROR_UNINITIALIZED;
  *version = world->scenario.cudaDriverVersion;
  return NVML_SUCCESS;
}

nvmlReturn_t simSystemGetProcessName(unsigned pid, char* name, unsigned length) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (name == nullptr || length == 0) return NVML_ERROR_INVALID_ARGUMENT;
  auto world = active();
  if (!world) return NVML_ERROR_UNINITIALIZED;
  double tS = world->nowS();
  for (auto& d : world->devices)
    for (const auto& p : d->spec.processes)
      if (p.pid == pid && d->processAlive(p, tS)) return copyString(p.name, name, length);
  return NVML_ERROR_NOT_FOUND;
}

// ---- identity ----

nvmlReturn_t simDeviceGetName(nvmlDevice_t device, char* name, unsigned length) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetName, c, true)) return r;
  std::string n = c.device->spec.name;
  if (c.isMig()) n += " MIG";
  return copyString(n, name, length);
}

nvmlReturn_t simDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned length) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetUUID, c, true)) return r;
  const DeviceSpec& s = c.device->spec;
  return copyString(c.isMig() ? s.migUuids[c.handle->migInstance] : s.uuid, uuid, length);
}

nvmlReturn_t simDeviceGetIndex(nvmlDevice_t device, unsigned* index) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetIndex, c, false)) return r;
  if (index == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *index = c.device->index;
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetPciInfo(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetPciInfo, c, false, Feature::PciInfo)) return r;
  if (pci == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const DeviceSpec& s = c.device->spec;
  std::memset(pci, 0, sizeof *pci);
  pci->domain = s.pciDomain;
  pci->bus = s.pciBus;
  pci->device = s.pciDevice;
  pci->pciDeviceId = s.pciDeviceId;
  pci->pciSubSystemId = 0;
  std::snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", s.pciDomain, s.pciBus, s.pciDevice);
  std::snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", s.pciDomain & 0xffff,
                s.pciBus, s.pciDevice);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetArchitecture(nvmlDevice_t device, unsigned* arch) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetArchitecture, c, false, Feature::Architecture)) return r;
  if (arch == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *arch = c.device->spec.architecture;
  return NVML_SUCCESS;
}

// ---- memory ----

nvmlReturn_t simDeviceGetMemoryInfoV2(nvmlDevice_t device, nvmlMemory_v2_t* memory) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetMemoryInfoV2, c, false, Feature::Memory)) return r;
  if (memory == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (memory->version != LEM_NVML_MEMORY_V2_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
  const DeviceSpec& s = c.device->spec;
  memory->total = bytesOfMiB(s.memoryTotalMiB);
  memory->reserved = bytesOfMiB(s.memoryReservedMiB);
  memory->used = bytesOfMiB(c.device->memoryUsedMiB(c.tS));
  memory->free = memory->total - memory->used;
  return NVML_SUCCESS;
}

// v1 leaves the reserved memory out of `used` (so free + used < total, as on real drivers).
nvmlReturn_t simDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetMemoryInfo, c, false, Feature::Memory)) return r;
  if (memory == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const DeviceSpec& s = c.device->spec;
  unsigned long long total = bytesOfMiB(s.memoryTotalMiB);
  unsigned long long usedWithReserved = bytesOfMiB(c.device->memoryUsedMiB(c.tS));
  memory->total = total;
  memory->free = total - usedWithReserved;
  memory->used = usedWithReserved - std::min(usedWithReserved, bytesOfMiB(s.memoryReservedMiB));
  return NVML_SUCCESS;
}

// ---- power limits and modes ----

nvmlReturn_t limitCall(nvmlDevice_t device, NvmlFn fn, unsigned* out, double DeviceSpec::*field) {
  Call c;
  if (nvmlReturn_t r = enter(device, fn, c, false, Feature::PowerLimit)) return r;
  if (out == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *out = milli(c.device->spec.*field);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned* limitMw) {
  return limitCall(device, NvmlFn::GetPowerManagementLimit, limitMw, &DeviceSpec::powerLimitW);
}

nvmlReturn_t simDeviceGetPowerManagementDefaultLimit(nvmlDevice_t device, unsigned* limitMw) {
  return limitCall(device, NvmlFn::GetPowerManagementDefaultLimit, limitMw, &DeviceSpec::defaultPowerLimitW);
}

nvmlReturn_t simDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned* limitMw) {
  return limitCall(device, NvmlFn::GetEnforcedPowerLimit, limitMw, &DeviceSpec::powerLimitW);
}

nvmlReturn_t simDeviceGetPowerManagementLimitConstraints(nvmlDevice_t device, unsigned* minMw,
                                                         unsigned* maxMw) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetPowerManagementLimitConstraints, c, false, Feature::PowerLimit))
    return r;
  if (minMw == nullptr || maxMw == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *minMw = milli(c.device->spec.minPowerLimitW);
  *maxMw = milli(c.device->spec.maxPowerLimitW);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetPersistenceMode(nvmlDevice_t device, int* mode) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetPersistenceMode, c, false, Feature::PersistenceMode)) return r;
  if (mode == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *mode = c.device->spec.persistenceMode ? 1 : 0;
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetMigMode(nvmlDevice_t device, unsigned* current, unsigned* pending) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetMigMode, c, false, Feature::MigMode)) return r;
  if (current == nullptr || pending == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *current = *pending = c.device->spec.migEnabled ? 1 : 0;
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned* isMig) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::IsMigDeviceHandle, c, true)) return r;
  if (isMig == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *isMig = c.isMig() ? 1 : 0;
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t device, nvmlDevice_t* parent) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetDeviceHandleFromMigDeviceHandle, c, true)) return r;
  if (parent == nullptr || !c.isMig()) return NVML_ERROR_INVALID_ARGUMENT;
  *parent = asNvml(&c.device->gpuHandle);
  return NVML_SUCCESS;
}

// ---- power and energy ----

nvmlReturn_t simDeviceGetPowerUsage(nvmlDevice_t device, unsigned* powerMw) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetPowerUsage, c, false, Feature::PowerUsage)) return r;
  if (powerMw == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *powerMw = milli(c.device->powerUsageW(c.tS));  // a 1 s average or instantaneous, by architecture
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long* energyMJ) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetTotalEnergyConsumption, c, false, Feature::EnergyCounter))
    return r;
  if (energyMJ == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *energyMJ = c.device->energyCounterMJ(c.tS);
  return NVML_SUCCESS;
}

void fillField(const SimDevice& d, double tS, nvmlFieldValue_t& v) {
  if (v.scopeId != NVML_POWER_SCOPE_GPU && v.fieldId != NVML_FI_DEV_ENERGY) {
    v.nvmlReturn = NVML_ERROR_NOT_SUPPORTED;  // module and memory scopes are not modelled
    return;
  }
  switch (v.fieldId) {
    case NVML_FI_DEV_POWER_INSTANT:
      if (!d.spec.supports(Feature::InstantPower)) break;
      v.valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
      v.value.uiVal = milli(d.instantPowerW(tS));
      v.nvmlReturn = NVML_SUCCESS;
      return;
    case NVML_FI_DEV_POWER_AVERAGE:
      if (!d.spec.supports(Feature::AveragePower)) break;
      v.valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
      v.value.uiVal = milli(d.averagePowerW(tS));
      v.nvmlReturn = NVML_SUCCESS;
      return;
    case NVML_FI_DEV_ENERGY:
      if (!d.spec.supports(Feature::EnergyCounter)) break;
      v.valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
      v.value.ullVal = d.energyCounterMJ(tS);
      v.nvmlReturn = NVML_SUCCESS;
      return;
    default:
      break;
  }
  v.nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
}

nvmlReturn_t simDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t* values) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetFieldValues, c, false)) return r;
  if (count < 0 || (count > 0 && values == nullptr)) return NVML_ERROR_INVALID_ARGUMENT;
  const long long timestampUs = realtimeUs();
  for (int i = 0; i < count; ++i) {
    nvmlFieldValue_t& v = values[i];
    v.timestamp = timestampUs;
    v.latencyUsec = 0;
    v.value.ullVal = 0;
    v.valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
    fillField(*c.device, c.tS, v);
  }
  return NVML_SUCCESS;
}

// ---- sensors ----

nvmlReturn_t simDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned* tempC) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetTemperature, c, false, Feature::Temperature)) return r;
  if (tempC == nullptr || sensor != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
  double t = c.device->thermal.temperatureC(c.tS);
  *tempC = static_cast<unsigned>(std::lround(std::max(t, 0.0)));
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned* clockMHz) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetClockInfo, c, false, Feature::SmClock)) return r;
  if (clockMHz == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  constexpr int kGraphicsClock = 0;  // moves with the SM clock on these parts
  if (type != NVML_CLOCK_SM && type != kGraphicsClock) return NVML_ERROR_NOT_SUPPORTED;
  *clockMHz = static_cast<unsigned>(std::lround(c.device->smClockMHz(c.tS)));
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long* reasons) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetCurrentClocksEventReasons, c, false, Feature::ThrottleReasons))
    return r;
  if (reasons == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *reasons = c.device->clockEventReasons(c.tS);
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t* util) {
  Call c;
  if (nvmlReturn_t r = enter(device, NvmlFn::GetUtilizationRates, c, false, Feature::Utilization)) return r;
  if (util == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  util->gpu = c.device->utilizationPercent(c.tS);
  util->memory = util->gpu / 2;
  return NVML_SUCCESS;
}

// ---- processes ----

// NVML's sizing protocol: *count in = capacity, out = how many there are (or are needed).
template <typename Info>
nvmlReturn_t listProcesses(nvmlDevice_t device, NvmlFn fn, unsigned* count, Info* infos,
                           void (*fill)(Info&, const ProcessSpec&)) {
  Call c;
  if (nvmlReturn_t r = enter(device, fn, c, false, Feature::Processes)) return r;
  if (count == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned alive = 0;
  for (const auto& p : c.device->spec.processes)
    if (c.device->processAlive(p, c.tS)) ++alive;
  if (*count < alive) {
    *count = alive;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  if (alive > 0 && infos == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned n = 0;
  for (const auto& p : c.device->spec.processes)
    if (c.device->processAlive(p, c.tS)) fill(infos[n++], p);
  *count = n;
  return NVML_SUCCESS;
}

nvmlReturn_t simDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned* count, nvmlProcessInfo_t* infos) {
  return listProcesses<nvmlProcessInfo_t>(
      device, NvmlFn::GetComputeRunningProcesses, count, infos, [](nvmlProcessInfo_t& info, const ProcessSpec& p) {
        std::memset(&info, 0, sizeof info);
        info.pid = p.pid;
        info.usedGpuMemory = bytesOfMiB(p.usedMiB);
        info.gpuInstanceId = 0xFFFFFFFFu;  // not running in a MIG instance
        info.computeInstanceId = 0xFFFFFFFFu;
      });
}

nvmlReturn_t simDeviceGetComputeRunningProcessesV1(nvmlDevice_t device, unsigned* count,
                                                   nvmlProcessInfo_v1_t* infos) {
  return listProcesses<nvmlProcessInfo_v1_t>(
      device, NvmlFn::GetComputeRunningProcessesV1, count, infos,
      [](nvmlProcessInfo_v1_t& info, const ProcessSpec& p) {
        std::memset(&info, 0, sizeof info);
        info.pid = p.pid;
        info.usedGpuMemory = bytesOfMiB(p.usedMiB);
      });
}

NvmlApi makeTable() {
  NvmlApi t;
  t.init = simInit;
  t.shutdown = simShutdown;
  t.errorString = simErrorString;
  t.deviceGetCount = simDeviceGetCount;
  t.deviceGetHandleByIndex = simDeviceGetHandleByIndex;
  t.deviceGetName = simDeviceGetName;
  t.deviceGetUUID = simDeviceGetUUID;
  t.systemGetDriverVersion = simSystemGetDriverVersion;
  t.systemGetNVMLVersion = simSystemGetNVMLVersion;
  t.systemGetCudaDriverVersion = simSystemGetCudaDriverVersion;
  t.systemGetProcessName = simSystemGetProcessName;
  t.deviceGetHandleByUUID = simDeviceGetHandleByUUID;
  t.deviceGetIndex = simDeviceGetIndex;
  t.deviceGetPciInfo = simDeviceGetPciInfo;
  t.deviceGetArchitecture = simDeviceGetArchitecture;
  t.deviceGetMemoryInfoV2 = simDeviceGetMemoryInfoV2;
  t.deviceGetMemoryInfo = simDeviceGetMemoryInfo;
  t.deviceGetPowerManagementLimit = simDeviceGetPowerManagementLimit;
  t.deviceGetPowerManagementDefaultLimit = simDeviceGetPowerManagementDefaultLimit;
  t.deviceGetPowerManagementLimitConstraints = simDeviceGetPowerManagementLimitConstraints;
  t.deviceGetEnforcedPowerLimit = simDeviceGetEnforcedPowerLimit;
  t.deviceGetPersistenceMode = simDeviceGetPersistenceMode;
  t.deviceGetMigMode = simDeviceGetMigMode;
  t.deviceIsMigDeviceHandle = simDeviceIsMigDeviceHandle;
  t.deviceGetDeviceHandleFromMigDeviceHandle = simDeviceGetDeviceHandleFromMigDeviceHandle;
  t.deviceGetPowerUsage = simDeviceGetPowerUsage;
  t.deviceGetTotalEnergyConsumption = simDeviceGetTotalEnergyConsumption;
  t.deviceGetFieldValues = simDeviceGetFieldValues;
  t.deviceGetTemperature = simDeviceGetTemperature;
  t.deviceGetClockInfo = simDeviceGetClockInfo;
  t.deviceGetCurrentClocksEventReasons = simDeviceGetCurrentClocksEventReasons;
  t.deviceGetUtilizationRates = simDeviceGetUtilizationRates;
  t.deviceGetComputeRunningProcesses = simDeviceGetComputeRunningProcesses;
  t.deviceGetComputeRunningProcessesV1 = simDeviceGetComputeRunningProcessesV1;
  return t;
}

}  // namespace

const NvmlApi& nvmlTable() {
  static const NvmlApi table = makeTable();
  return table;
}

}  // namespace lem::sim
