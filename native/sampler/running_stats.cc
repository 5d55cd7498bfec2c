#include "running_stats.h"

#include <algorithm>
#include <cmath>

namespace lem {

double RunningStats::counterEnergyJ() const { return counterSeen ? (counterDeltaMJ / 1000.0 + counterFilledJ) : NAN; }

void RunningStats::add(const DeviceSample& s, double maxPlausibleW) {
  // A sample older than the last one (a window read racing the loop) carries no new information.
  if (samples > 0 && s.tNs <= lastTNs) return;
  if (samples == 0) firstTNs = s.tNs;
  ++samples;
  lastTNs = s.tNs;

  if (s.has(kPower)) {
    if (powerSamples == 0) powerMinW = powerMaxW = s.powerW;
    powerMinW = std::min(powerMinW, s.powerW);
    powerMaxW = std::max(powerMaxW, s.powerW);
    powerSumW += s.powerW;
    ++powerSamples;
  }
  if (s.has(kTemperature)) {
    if (temperatureSamples == 0) temperatureFirstC = temperaturePeakC = s.temperatureC;
    temperaturePeakC = std::max(temperaturePeakC, s.temperatureC);
    temperatureLastC = s.temperatureC;
    ++temperatureSamples;
  }
  if (s.has(kThrottle)) throttleMask |= s.throttleReasons;
  if (s.has(kMemoryUsed)) {
    memoryPeakMiB = memorySeen ? std::max(memoryPeakMiB, s.memoryUsedMiB) : s.memoryUsedMiB;
    memorySeen = true;
  }

  if (havePrev_) {
    const double dtNs = static_cast<double>(s.tNs - prev_.tNs);
    double intervalJ = NAN;
    if (s.has(kPower) && prev_.has(kPower) && dtNs > 0) {
      intervalJ = 0.5 * (s.powerW + prev_.powerW) * dtNs * 1e-9;
      integralJ += intervalJ;
      integralCoveredNs += dtNs;
    }
    if (s.has(kPowerAverage) && prev_.has(kPowerAverage) && dtNs > 0) {
      averageIntegralJ += 0.5 * (s.powerAverageW + prev_.powerAverageW) * dtNs * 1e-9;
      averageCoveredNs += dtNs;
    }
    if (s.has(kThrottle) && prev_.has(kThrottle) && dtNs > 0) {
      throttleObservedNs += dtNs;
      for (uint32_t bits = prev_.throttleReasons; bits != 0; bits &= bits - 1) {
        throttleNs[__builtin_ctz(bits)] += dtNs;
      }
    }
    if (s.has(kEnergy) && counterSeen) {
      const double d = s.energyMJ - counterLastMJ;
      // The counter cannot plausibly rise faster than twice the board's maximum power limit.
      const double plausibleMJ = maxPlausibleW * std::max(dtNs, 1e6) * 1e-6 + 1.0;
      if (d >= 0) {
        counterDeltaMJ += d;
        if (d > 0) ++counterSteps;
      } else {
        const double wrapped = 4294967296.0 - counterLastMJ + s.energyMJ;
        if (counterLastMJ < 4294967296.0 && wrapped >= 0 && wrapped <= plausibleMJ) {
          counterDeltaMJ += wrapped;
          ++counterWraps;
          ++counterSteps;
        } else {
          ++counterResets;
          if (!std::isnan(intervalJ)) counterFilledJ += intervalJ;
        }
      }
    }
  }
  if (s.has(kEnergy)) {
    if (!counterSeen) counterFirstMJ = s.energyMJ;
    counterSeen = true;
    counterLastMJ = s.energyMJ;
  }
  prev_ = s;
  havePrev_ = true;
}

}  // namespace lem
