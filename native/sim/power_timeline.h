// Power p(t) of one simulated device and its exact integral, O(log n) per query.
#pragma once

#include <vector>

#include "scenario.h"

namespace lem::sim {

class PowerTimeline {
 public:
  PowerTimeline(std::vector<PowerSegmentSpec> segments, double idleW, bool loop);

  // p(t); idleW before t = 0, without segments, and after the end of a non-looping timeline.
  double powerW(double tS) const;

  // Signed integral of p from 0 to tS (negative tS: -idleW * |tS|), so that any window's
  // energy is a difference of two of these.
  double energyFromOriginJ(double tS) const;

  double energyJ(double t0S, double t1S) const {
    return energyFromOriginJ(t1S) - energyFromOriginJ(t0S);
  }

  double durationS() const { return totalS_; }

 private:
  // Segment index holding the timeline-local time tS in [0, totalS_).
  size_t segmentAt(double tS) const;
  static double segmentPowerW(const PowerSegmentSpec& s, double xS);
  static double segmentEnergyJ(const PowerSegmentSpec& s, double xS);  // over [0, xS]
  double withinJ(double tS) const;  // integral over [0, tS], tS in [0, totalS_]

  std::vector<PowerSegmentSpec> segments_;
  std::vector<double> startS_;      // start of each segment
  std::vector<double> cumEnergyJ_;  // energy before each segment; back() = one pass
  double idleW_;
  bool loop_;
  double totalS_ = 0;
};

}  // namespace lem::sim
