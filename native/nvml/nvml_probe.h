// Measures NVML itself, for the GPU validation kit (bench/gpu): how long each call lem makes
// takes, and when each power reading really changes. Nothing in the sampler uses this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nvml_api.h"

namespace lem {

struct CallLatency {
  std::string function;            // NVML entry point, with what it read ("nvmlDeviceGetFieldValues[instant]")
  bool available = false;          // the library has the entry point
  uint64_t calls = 0;              // calls made (successful or not)
  uint64_t failures = 0;           // calls that returned an error (not timed)
  nvmlReturn_t firstError = NVML_SUCCESS;
  double minNs = 0, medianNs = 0, p99Ns = 0, maxNs = 0, meanNs = 0;  // over successful calls
};

// Calls every function lem uses on device `index` up to `maxCalls` times, or until
// `maxNsPerFunction` has passed, whichever comes first; also times a whole sampler tick.
std::vector<CallLatency> measureCallLatency(const NvmlApi& api, unsigned index, uint64_t maxCalls,
                                            int64_t maxNsPerFunction);

// Every change of one reading seen while polling as fast as possible.
struct ReadingChanges {
  std::string reading;             // "field:instant", "field:average", "field:energy", "powerUsage", "totalEnergy"
  bool available = false;          // readable at the start of the poll
  nvmlReturn_t error = NVML_SUCCESS;  // why not, when not
  uint64_t reads = 0, failures = 0;
  // One entry per change of value (the first read counts as one): when it was seen
  // (CLOCK_MONOTONIC ns), the value in NVML's unit (mW or mJ) and, for field values, the
  // driver's own timestamp (µs since 1970) and latencyUsec of that value.
  std::vector<int64_t> tNs;
  std::vector<double> value;
  std::vector<int64_t> fieldTimestampUs;
  std::vector<int64_t> fieldLatencyUs;
  uint64_t timestampChanges = 0;   // field values: how often the driver's timestamp changed
  bool truncated = false;          // more than maxChanges changes: later ones not kept
};

// Polls instant power, average power and the energy counter (as field values, and through
// nvmlDeviceGetPowerUsage / nvmlDeviceGetTotalEnergyConsumption) back to back for `durationNs`.
std::vector<ReadingChanges> pollReadingChanges(const NvmlApi& api, unsigned index, int64_t durationNs,
                                               size_t maxChanges);

}  // namespace lem
