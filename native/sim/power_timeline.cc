#include "power_timeline.h"

#include <algorithm>
#include <cmath>

namespace lem::sim {

PowerTimeline::PowerTimeline(std::vector<PowerSegmentSpec> segments, double idleW, bool loop)
    : segments_(std::move(segments)), idleW_(idleW), loop_(loop) {
  cumEnergyJ_.push_back(0);
  for (const auto& s : segments_) {
    startS_.push_back(totalS_);
    totalS_ += s.durationS;
    cumEnergyJ_.push_back(cumEnergyJ_.back() + segmentEnergyJ(s, s.durationS));
  }
}

size_t PowerTimeline::segmentAt(double tS) const {
  auto it = std::upper_bound(startS_.begin(), startS_.end(), tS);
  size_t i = static_cast<size_t>(it - startS_.begin());
  return i == 0 ? 0 : i - 1;
}

double PowerTimeline::segmentPowerW(const PowerSegmentSpec& s, double xS) {
  switch (s.kind) {
    case PowerSegmentSpec::Kind::Constant:
      return s.watts;
    case PowerSegmentSpec::Kind::Linear:
      return s.fromW + (s.toW - s.fromW) * (xS / s.durationS);
    case PowerSegmentSpec::Kind::Square: {
      double phaseS = xS - std::floor(xS / s.periodS) * s.periodS;
      return phaseS < s.duty * s.periodS ? s.highW : s.lowW;
    }
  }
  return 0;
}

double PowerTimeline::segmentEnergyJ(const PowerSegmentSpec& s, double xS) {
  switch (s.kind) {
    case PowerSegmentSpec::Kind::Constant:
      return s.watts * xS;
    case PowerSegmentSpec::Kind::Linear:
      return s.fromW * xS + (s.toW - s.fromW) * xS * xS / (2 * s.durationS);
    case PowerSegmentSpec::Kind::Square: {
      const double highS = s.duty * s.periodS;
      const double periodJ = s.highW * highS + s.lowW * (s.periodS - highS);
      double periods = std::floor(xS / s.periodS);
      double restS = std::max(0.0, xS - periods * s.periodS);
      double restJ = restS < highS ? s.highW * restS : s.highW * highS + s.lowW * (restS - highS);
      return periods * periodJ + restJ;
    }
  }
  return 0;
}

double PowerTimeline::withinJ(double tS) const {
  if (tS <= 0 || segments_.empty()) return 0;
  if (tS >= totalS_) return cumEnergyJ_.back();
  size_t i = segmentAt(tS);
  return cumEnergyJ_[i] + segmentEnergyJ(segments_[i], tS - startS_[i]);
}

double PowerTimeline::powerW(double tS) const {
  if (tS < 0 || segments_.empty()) return idleW_;
  if (tS >= totalS_) {
    if (!loop_) return idleW_;
    tS -= std::floor(tS / totalS_) * totalS_;
    if (tS >= totalS_ || tS < 0) tS = 0;  // rounding at an exact multiple
  }
  size_t i = segmentAt(tS);
  return segmentPowerW(segments_[i], tS - startS_[i]);
}

double PowerTimeline::energyFromOriginJ(double tS) const {
  if (tS <= 0 || segments_.empty()) return idleW_ * tS;
  if (tS <= totalS_) return withinJ(tS);
  if (!loop_) return cumEnergyJ_.back() + idleW_ * (tS - totalS_);
  double passes = std::floor(tS / totalS_);
  double restS = tS - passes * totalS_;
  if (restS < 0) restS = 0;
  if (restS > totalS_) restS = totalS_;
  return passes * cumEnergyJ_.back() + withinJ(restS);
}

}  // namespace lem::sim
