// Log-linear histogram of tick lateness in ns (about 3 % resolution, fixed size, no
// allocation after construction), for p50/p99 without storing every tick.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace lem {

class LatenessHistogram {
 public:
  void add(uint64_t ns) {
    ++counts_[bucketOf(ns)];
    ++total_;
    max_ = std::max(max_, ns);
  }
  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }
  // Upper bound of the bucket holding quantile q (0..1); exact below 64 ns.
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upperOf(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kBuckets = 64 + 58 * 32;
  static int bucketOf(uint64_t v) {
    if (v < 64) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);  // >= 6
    const int shift = msb - 5;
    return 64 + (msb - 6) * 32 + static_cast<int>((v >> shift) - 32);
  }
  static uint64_t upperOf(int b) {
    if (b < 64) return static_cast<uint64_t>(b);
    const int msb = (b - 64) / 32 + 6;
    const uint64_t sub = static_cast<uint64_t>((b - 64) % 32 + 32);
    const int shift = msb - 5;
    return ((sub + 1) << shift) - 1;
  }
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace lem
