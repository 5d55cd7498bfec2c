// GPU temperature: a first-order lag toward ambientC + perWattC * p(t), integrated lazily
// when read. Thread-safe; the state only moves forward in time.
#pragma once

#include <mutex>

#include "power_timeline.h"
#include "scenario.h"

namespace lem::sim {

class ThermalModel {
 public:
  ThermalModel(const TemperatureSpec& spec, const PowerTimeline& timeline);

  double temperatureC(double tS);

  // Back to the state at t = 0 (used when a test moves the world's origin).
  void reset();

 private:
  const TemperatureSpec spec_;
  const PowerTimeline& timeline_;
  std::mutex mutex_;
  double stateS_ = 0;
  double stateC_ = 0;
};

}  // namespace lem::sim
