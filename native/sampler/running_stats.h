// Statistics of one device over a run or a window, updated sample by sample in O(1):
// counter delta (with wrap and reset handling), trapezoid integrals, power extremes,
// temperature, and the time spent under each clock event (throttle) reason.
#pragma once

#include <cstdint>

#include "sample.h"

namespace lem {

constexpr int kReasonBits = 32;

struct RunningStats {
  uint64_t samples = 0;
  int64_t firstTNs = 0, lastTNs = 0;

  // Energy counter.
  bool counterSeen = false;
  double counterFirstMJ = 0, counterLastMJ = 0;
  double counterDeltaMJ = 0;       // sum of plausible increments, wraps unwrapped
  uint64_t counterSteps = 0;       // increments > 0: how many counter updates the run saw
  uint64_t counterWraps = 0;       // 32-bit wraps that were unwrapped
  uint64_t counterResets = 0;      // decreases that were no plausible wrap (driver reload)
  double counterFilledJ = 0;       // energy of reset intervals, taken from the integral instead

  // Trapezoid integrals over intervals where both ends have the reading.
  double integralJ = 0, integralCoveredNs = 0;
  double averageIntegralJ = 0, averageCoveredNs = 0;

  uint64_t powerSamples = 0;
  double powerSumW = 0, powerMinW = 0, powerMaxW = 0;

  uint64_t temperatureSamples = 0;
  double temperatureFirstC = 0, temperatureLastC = 0, temperaturePeakC = 0;

  uint32_t throttleMask = 0;  // OR over the run
  double throttleNs[kReasonBits] = {};  // sample-and-hold: an interval counts under its start's reasons
  double throttleObservedNs = 0;        // time covered by throttle readings at both ends

  double memoryPeakMiB = 0;
  bool memorySeen = false;

  // Adds the next sample; `maxPlausibleW` bounds what a counter increment may mean.
  void add(const DeviceSample& s, double maxPlausibleW);

  // Energy of the counter in J, or NaN when the device has no counter.
  double counterEnergyJ() const;

 private:
  DeviceSample prev_;
  bool havePrev_ = false;
};

}  // namespace lem
