#include "thermal_model.h"

#include <algorithm>
#include <cmath>

namespace lem::sim {

namespace {
constexpr double kStepS = 0.05;  // fine against any realistic time constant (seconds)
}

ThermalModel::ThermalModel(const TemperatureSpec& spec, const PowerTimeline& timeline)
    : spec_(spec), timeline_(timeline) {
  reset();
}

void ThermalModel::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  stateS_ = 0;
  stateC_ = spec_.hasInitialC ? spec_.initialC
                              : spec_.ambientC + spec_.perWattC * timeline_.powerW(0);
}

double ThermalModel::temperatureC(double tS) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tS <= stateS_) return stateC_;  // a reader slightly behind another sees the newer state
  // After many time constants the start no longer matters (e^-50): skip ahead.
  const double horizonS = 50 * spec_.timeConstantS;
  if (tS - stateS_ > horizonS) stateS_ = tS - horizonS;
  while (stateS_ < tS) {
    double nextS = std::min(stateS_ + kStepS, tS);
    double dtS = nextS - stateS_;
    if (!(dtS > 0)) break;
    // Mean power over the step is exact; the lag is exact for constant power within it.
    double meanW = timeline_.energyJ(stateS_, stateS_ + dtS) / dtS;
    double targetC = spec_.ambientC + spec_.perWattC * meanW;
    stateC_ += (targetC - stateC_) * (1 - std::exp(-dtS / spec_.timeConstantS));
    stateS_ = nextS;
  }
  stateS_ = tS;
  return stateC_;
}

}  // namespace lem::sim
