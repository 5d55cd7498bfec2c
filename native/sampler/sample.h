// One reading of one device. Absent fields have their bit clear in `present` (and NaN
// in floating columns): a field the device does not support is never reported as zero.
#pragma once

#include <cstdint>

namespace lem {

enum SampleField : uint16_t {
  kPower = 1 << 0,         // instant power, W
  kPowerAverage = 1 << 1,  // NVML's 1 s average power, W
  kEnergy = 1 << 2,        // energy counter, mJ since driver load
  kTemperature = 1 << 3,   // °C
  kSmClock = 1 << 4,       // MHz
  kMemoryUsed = 1 << 5,    // MiB
  kThrottle = 1 << 6,      // clock event reason bits
  kUtilization = 1 << 7,   // % (sampled on a divided rate)
};

struct DeviceSample {
  int64_t tNs = 0;  // CLOCK_MONOTONIC just before the device was read
  double powerW = 0;
  double powerAverageW = 0;
  double energyMJ = 0;
  double temperatureC = 0;
  double smClockMHz = 0;
  double memoryUsedMiB = 0;
  uint32_t throttleReasons = 0;
  double utilizationGpuPct = 0;
  double utilizationMemoryPct = 0;
  uint16_t present = 0;

  bool has(SampleField f) const { return (present & f) != 0; }
};

// CLOCK_MONOTONIC in nanoseconds: the one clock of lem (process.hrtime.bigint() in Node).
int64_t monotonicNs();

}  // namespace lem
