// Preallocated structure-of-arrays ring of samples for one device. Nothing allocates
// after construction; when nobody drains, the oldest samples are overwritten and the
// reader is told how many it lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sample.h"

namespace lem {

struct SampleColumns {  // destination of a drain, one pointer per column
  int64_t* tNs;
  double* powerW;
  double* powerAverageW;
  double* energyMJ;
  float* temperatureC;
  float* smClockMHz;
  double* memoryUsedMiB;
  uint32_t* throttleReasons;
  float* utilizationGpuPct;
  float* utilizationMemoryPct;
  uint16_t* present;
};

class SampleRing {
 public:
  explicit SampleRing(size_t capacity);

  void push(const DeviceSample& s);
  size_t capacity() const { return capacity_; }
  uint64_t written() const { return written_; }
  // Copies samples with sequence numbers [first, first + n) (all still in the ring).
  void copyOut(uint64_t first, size_t n, const SampleColumns& out) const;

 private:
  size_t capacity_;
  uint64_t written_ = 0;
  std::vector<int64_t> tNs_;
  std::vector<double> powerW_, powerAverageW_, energyMJ_, memoryUsedMiB_;
  std::vector<float> temperatureC_, smClockMHz_, utilGpu_, utilMem_;
  std::vector<uint32_t> throttle_;
  std::vector<uint16_t> present_;
};

}  // namespace lem
