#include "sample_ring.h"

#include <cmath>

namespace lem {

SampleRing::SampleRing(size_t capacity)
    : capacity_(capacity),
      tNs_(capacity),
      powerW_(capacity),
      powerAverageW_(capacity),
      energyMJ_(capacity),
      memoryUsedMiB_(capacity),
      temperatureC_(capacity),
      smClockMHz_(capacity),
      utilGpu_(capacity),
      utilMem_(capacity),
      throttle_(capacity),
      present_(capacity) {}

void SampleRing::push(const DeviceSample& s) {
  const size_t i = static_cast<size_t>(written_ % capacity_);
  const double nan = NAN;
  tNs_[i] = s.tNs;
  powerW_[i] = s.has(kPower) ? s.powerW : nan;
  powerAverageW_[i] = s.has(kPowerAverage) ? s.powerAverageW : nan;
  energyMJ_[i] = s.has(kEnergy) ? s.energyMJ : nan;
  memoryUsedMiB_[i] = s.has(kMemoryUsed) ? s.memoryUsedMiB : nan;
  temperatureC_[i] = s.has(kTemperature) ? static_cast<float>(s.temperatureC) : NAN;
  smClockMHz_[i] = s.has(kSmClock) ? static_cast<float>(s.smClockMHz) : NAN;
  utilGpu_[i] = s.has(kUtilization) ? static_cast<float>(s.utilizationGpuPct) : NAN;
  utilMem_[i] = s.has(kUtilization) ? static_cast<float>(s.utilizationMemoryPct) : NAN;
  throttle_[i] = s.has(kThrottle) ? s.throttleReasons : 0;
  present_[i] = s.present;
  ++written_;
}

void SampleRing::copyOut(uint64_t first, size_t n, const SampleColumns& out) const {
  for (size_t k = 0; k < n; ++k) {
    const size_t i = static_cast<size_t>((first + k) % capacity_);
    out.tNs[k] = tNs_[i];
    out.powerW[k] = powerW_[i];
    out.powerAverageW[k] = powerAverageW_[i];
    out.energyMJ[k] = energyMJ_[i];
    out.temperatureC[k] = temperatureC_[i];
    out.smClockMHz[k] = smClockMHz_[i];
    out.memoryUsedMiB[k] = memoryUsedMiB_[i];
    out.throttleReasons[k] = throttle_[i];
    out.utilizationGpuPct[k] = utilGpu_[i];
    out.utilizationMemoryPct[k] = utilMem_[i];
    out.present[k] = present_[i];
  }
}

}  // namespace lem
