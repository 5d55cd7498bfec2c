// Reads one device for the sampler. What each field can be read with is probed once, so
// the loop makes only calls that work, and a field with no working call is absent.
#pragma once

#include <string>

#include "../nvml/nvml_api.h"
#include "sample.h"

namespace lem {

struct DeviceFailure {
  bool failed = false;
  nvmlReturn_t code = NVML_SUCCESS;
  std::string function;
  int64_t tNs = 0;
};

class DeviceReader {
 public:
  DeviceReader(const NvmlApi& api, unsigned index);

  // Thread-safe with respect to other readers (NVML is); returns false when the device
  // failed fatally (lost, reset required, driver gone): `failure` then says how.
  bool read(DeviceSample& out, bool withUtilization, DeviceFailure& failure, uint64_t& readErrors) const;

  unsigned index() const { return index_; }
  const std::string& uuid() const { return uuid_; }
  // Where each power figure comes from, for the record ("field:instant", "powerUsage:average", "none", ...).
  const char* powerSource() const;
  const char* powerAverageSource() const;
  const char* energySource() const;
  double maxPlausiblePowerW() const { return maxPlausiblePowerW_; }
  const DeviceFailure& probeFailure() const { return probeFailure_; }

 private:
  enum class PowerVia { None, FieldInstant, PowerUsage };
  enum class AverageVia { None, FieldAverage, PowerUsage };
  enum class EnergyVia { None, Field, TotalEnergy };

  const NvmlApi& api_;
  unsigned index_;
  nvmlDevice_t dev_ = nullptr;
  std::string uuid_;
  PowerVia power_ = PowerVia::None;
  AverageVia average_ = AverageVia::None;
  EnergyVia energy_ = EnergyVia::None;
  bool temperature_ = false, smClock_ = false, memoryV2_ = false, memoryV1_ = false, throttle_ = false,
       utilization_ = false;
  unsigned fieldIds_[3] = {0, 0, 0};
  int fieldCount_ = 0;
  double maxPlausiblePowerW_ = 2000;
  DeviceFailure probeFailure_;
};

// Codes after which a device is dropped from the loop rather than retried.
bool isFatalForDevice(nvmlReturn_t code);

}  // namespace lem
