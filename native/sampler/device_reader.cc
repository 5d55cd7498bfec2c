#include "device_reader.h"

#include <time.h>

#include <cmath>
#include <cstring>

#include "../nvml/device_info.h"
#include "../nvml/field_value.h"

namespace lem {

int64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

bool isFatalForDevice(nvmlReturn_t code) {
  switch (code) {
    case NVML_ERROR_GPU_IS_LOST:
    case NVML_ERROR_GPU_NOT_FOUND:
    case NVML_ERROR_RESET_REQUIRED:
    case NVML_ERROR_DRIVER_NOT_LOADED:
    case NVML_ERROR_UNINITIALIZED:
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
      return true;
    default:
      return false;
  }
}

namespace {

// On Ampere and newer (except GA100) nvmlDeviceGetPowerUsage is a 1 s average (nvml.h).
bool powerUsageIsAverage(const NvmlApi& api, nvmlDevice_t dev, const std::string& name) {
  unsigned arch = 0;
  if (!api.deviceGetArchitecture || api.deviceGetArchitecture(dev, &arch) != NVML_SUCCESS) return true;
  if (arch < NVML_DEVICE_ARCH_AMPERE) return false;
  bool ga100 = name.find("A100") != std::string::npos || name.find("A30") != std::string::npos;
  return !ga100;
}

}  // namespace

DeviceReader::DeviceReader(const NvmlApi& api, unsigned index) : api_(api), index_(index) {
  char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
  nvmlReturn_t rc = api.deviceGetHandleByIndex(index, &dev_);
  if (rc != NVML_SUCCESS) {
    probeFailure_ = {true, rc, "nvmlDeviceGetHandleByIndex_v2", monotonicNs()};
    return;
  }
  rc = api.deviceGetUUID(dev_, buf, sizeof buf);
  if (rc != NVML_SUCCESS) {
    probeFailure_ = {true, rc, "nvmlDeviceGetUUID", monotonicNs()};
    return;
  }
  uuid_ = buf;
  std::string name;
  if (api.deviceGetName(dev_, buf, sizeof buf) == NVML_SUCCESS) name = buf;

  // Probe the field-value call once per field; the loop then asks for all of them in one call.
  auto fieldWorks = [&](unsigned id) {
    if (!api.deviceGetFieldValues) return false;
    nvmlFieldValue_t v;
    std::memset(&v, 0, sizeof v);
    v.fieldId = id;
    return api.deviceGetFieldValues(dev_, 1, &v) == NVML_SUCCESS && v.nvmlReturn == NVML_SUCCESS;
  };
  unsigned mw = 0;
  bool powerUsage = api.deviceGetPowerUsage && api.deviceGetPowerUsage(dev_, &mw) == NVML_SUCCESS;
  bool usageIsAverage = powerUsage && powerUsageIsAverage(api, dev_, name);
  if (fieldWorks(NVML_FI_DEV_POWER_INSTANT)) {
    power_ = PowerVia::FieldInstant;
    fieldIds_[fieldCount_++] = NVML_FI_DEV_POWER_INSTANT;
  } else if (powerUsage && !usageIsAverage) {
    power_ = PowerVia::PowerUsage;
  }
  if (fieldWorks(NVML_FI_DEV_POWER_AVERAGE)) {
    average_ = AverageVia::FieldAverage;
    fieldIds_[fieldCount_++] = NVML_FI_DEV_POWER_AVERAGE;
  } else if (powerUsage && usageIsAverage) {
    average_ = AverageVia::PowerUsage;
  }
  unsigned long long mj = 0;
  if (api.deviceGetTotalEnergyConsumption && api.deviceGetTotalEnergyConsumption(dev_, &mj) == NVML_SUCCESS) {
    energy_ = EnergyVia::TotalEnergy;
    if (fieldCount_ > 0 && fieldWorks(NVML_FI_DEV_ENERGY)) {
      // Already making a field-value call: the counter rides along instead of a second call.
      energy_ = EnergyVia::Field;
      fieldIds_[fieldCount_++] = NVML_FI_DEV_ENERGY;
    }
  }
  unsigned u = 0;
  temperature_ = api.deviceGetTemperature && api.deviceGetTemperature(dev_, NVML_TEMPERATURE_GPU, &u) == NVML_SUCCESS;
  smClock_ = api.deviceGetClockInfo && api.deviceGetClockInfo(dev_, NVML_CLOCK_SM, &u) == NVML_SUCCESS;
  nvmlMemory_v2_t m2;
  std::memset(&m2, 0, sizeof m2);
  m2.version = LEM_NVML_MEMORY_V2_VERSION;
  memoryV2_ = api.deviceGetMemoryInfoV2 && api.deviceGetMemoryInfoV2(dev_, &m2) == NVML_SUCCESS;
  nvmlMemory_t m1;
  memoryV1_ = !memoryV2_ && api.deviceGetMemoryInfo && api.deviceGetMemoryInfo(dev_, &m1) == NVML_SUCCESS;
  unsigned long long reasons = 0;
  throttle_ = api.deviceGetCurrentClocksEventReasons &&
              api.deviceGetCurrentClocksEventReasons(dev_, &reasons) == NVML_SUCCESS;
  nvmlUtilization_t util;
  utilization_ = api.deviceGetUtilizationRates && api.deviceGetUtilizationRates(dev_, &util) == NVML_SUCCESS;
  unsigned minMw = 0, maxMw = 0;
  if (api.deviceGetPowerManagementLimitConstraints &&
      api.deviceGetPowerManagementLimitConstraints(dev_, &minMw, &maxMw) == NVML_SUCCESS && maxMw > 0) {
    maxPlausiblePowerW_ = 2.0 * maxMw / 1000.0;
  }
}

const char* DeviceReader::powerSource() const {
  switch (power_) {
    case PowerVia::FieldInstant: return "field:instant";
    case PowerVia::PowerUsage: return "powerUsage:instant";
    default: return "none";
  }
}
const char* DeviceReader::powerAverageSource() const {
  switch (average_) {
    case AverageVia::FieldAverage: return "field:average";
    case AverageVia::PowerUsage: return "powerUsage:average";
    default: return "none";
  }
}
const char* DeviceReader::energySource() const {
  switch (energy_) {
    case EnergyVia::Field: return "field:energy";
    case EnergyVia::TotalEnergy: return "totalEnergyConsumption";
    default: return "none";
  }
}

bool DeviceReader::read(DeviceSample& s, bool withUtilization, DeviceFailure& failure, uint64_t& readErrors) const {
  s.present = 0;
  s.tNs = monotonicNs();
  // Returns true when the code is fatal; counts other errors (the field is then absent).
  auto bad = [&](nvmlReturn_t rc, const char* fn) {
    if (rc == NVML_SUCCESS) return false;
    if (isFatalForDevice(rc)) {
      failure = {true, rc, fn, s.tNs};
      return true;
    }
    if (rc != NVML_ERROR_NOT_SUPPORTED) ++readErrors;
    return false;
  };

  if (fieldCount_ > 0) {
    nvmlFieldValue_t values[3];
    std::memset(values, 0, sizeof values);
    for (int i = 0; i < fieldCount_; ++i) values[i].fieldId = fieldIds_[i];
    nvmlReturn_t rc = api_.deviceGetFieldValues(dev_, fieldCount_, values);
    if (bad(rc, "nvmlDeviceGetFieldValues")) return false;
    if (rc == NVML_SUCCESS) {
      for (int i = 0; i < fieldCount_; ++i) {
        const nvmlFieldValue_t& v = values[i];
        if (bad(v.nvmlReturn, "nvmlDeviceGetFieldValues")) return false;
        if (v.nvmlReturn != NVML_SUCCESS) continue;
        double x = fieldAsDouble(v);
        if (v.fieldId == NVML_FI_DEV_POWER_INSTANT) { s.powerW = x / 1000.0; s.present |= kPower; }
        else if (v.fieldId == NVML_FI_DEV_POWER_AVERAGE) { s.powerAverageW = x / 1000.0; s.present |= kPowerAverage; }
        else if (v.fieldId == NVML_FI_DEV_ENERGY) { s.energyMJ = x; s.present |= kEnergy; }
      }
    }
  }
  if (power_ == PowerVia::PowerUsage || average_ == AverageVia::PowerUsage) {
    unsigned mw = 0;
    nvmlReturn_t rc = api_.deviceGetPowerUsage(dev_, &mw);
    if (bad(rc, "nvmlDeviceGetPowerUsage")) return false;
    if (rc == NVML_SUCCESS) {
      if (power_ == PowerVia::PowerUsage) { s.powerW = mw / 1000.0; s.present |= kPower; }
      else { s.powerAverageW = mw / 1000.0; s.present |= kPowerAverage; }
    }
  }
  if (energy_ == EnergyVia::TotalEnergy) {
    unsigned long long mj = 0;
    nvmlReturn_t rc = api_.deviceGetTotalEnergyConsumption(dev_, &mj);
    if (bad(rc, "nvmlDeviceGetTotalEnergyConsumption")) return false;
    if (rc == NVML_SUCCESS) { s.energyMJ = static_cast<double>(mj); s.present |= kEnergy; }
  }
  if (temperature_) {
    unsigned c = 0;
    nvmlReturn_t rc = api_.deviceGetTemperature(dev_, NVML_TEMPERATURE_GPU, &c);
    if (bad(rc, "nvmlDeviceGetTemperature")) return false;
    if (rc == NVML_SUCCESS) { s.temperatureC = c; s.present |= kTemperature; }
  }
  if (smClock_) {
    unsigned mhz = 0;
    nvmlReturn_t rc = api_.deviceGetClockInfo(dev_, NVML_CLOCK_SM, &mhz);
    if (bad(rc, "nvmlDeviceGetClockInfo")) return false;
    if (rc == NVML_SUCCESS) { s.smClockMHz = mhz; s.present |= kSmClock; }
  }
  if (memoryV2_ || memoryV1_) {
    nvmlReturn_t rc;
    unsigned long long used = 0;
    if (memoryV2_) {
      nvmlMemory_v2_t m;
      std::memset(&m, 0, sizeof m);
      m.version = LEM_NVML_MEMORY_V2_VERSION;
      rc = api_.deviceGetMemoryInfoV2(dev_, &m);
      used = m.used;
    } else {
      nvmlMemory_t m;
      rc = api_.deviceGetMemoryInfo(dev_, &m);
      used = m.used;
    }
    if (bad(rc, "nvmlDeviceGetMemoryInfo_v2")) return false;
    if (rc == NVML_SUCCESS) { s.memoryUsedMiB = used / (1024.0 * 1024.0); s.present |= kMemoryUsed; }
  }
  if (throttle_) {
    unsigned long long reasons = 0;
    nvmlReturn_t rc = api_.deviceGetCurrentClocksEventReasons(dev_, &reasons);
    if (bad(rc, "nvmlDeviceGetCurrentClocksEventReasons")) return false;
    if (rc == NVML_SUCCESS) { s.throttleReasons = static_cast<uint32_t>(reasons); s.present |= kThrottle; }
  }
  if (withUtilization && utilization_) {
    nvmlUtilization_t u;
    nvmlReturn_t rc = api_.deviceGetUtilizationRates(dev_, &u);
    if (bad(rc, "nvmlDeviceGetUtilizationRates")) return false;
    if (rc == NVML_SUCCESS) {
      s.utilizationGpuPct = u.gpu;
      s.utilizationMemoryPct = u.memory;
      s.present |= kUtilization;
    }
  }
  return true;
}

}  // namespace lem
