// One sampling thread over one or more devices, on absolute CLOCK_MONOTONIC deadlines.
// The loop reads each device, pushes into its ring and updates running statistics;
// JavaScript drains the rings in batches and reads the statistics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../nvml/provider.h"
#include "device_reader.h"
#include "lateness_histogram.h"
#include "running_stats.h"
#include "sample_ring.h"

namespace lem {

struct SamplerOptions {
  std::vector<unsigned> devices;      // NVML indices (none: a timing-only loop, for calibration)
  int64_t intervalNs = 10'000'000;    // 0.2 ms .. 10 s
  unsigned utilizationEvery = 10;     // utilisation on every Nth tick (it refreshes slowly)
  size_t ringCapacity = 65536;        // samples per device kept until drained
};

struct DeviceStatus {
  unsigned index = 0;
  std::string uuid;
  RunningStats stats;
  DeviceFailure failure;
  uint64_t readErrors = 0;
  uint64_t dropped = 0;               // samples overwritten before they were drained
  const char* powerSource = "none";
  const char* powerAverageSource = "none";
  const char* energySource = "none";
};

struct TimingStats {
  int64_t intervalNs = 0;
  int64_t startedTNs = 0, stoppedTNs = 0;
  uint64_t ticks = 0;
  uint64_t missedDeadlines = 0;       // deadlines skipped because a tick ran past them
  uint64_t ticksWithin1ms = 0;        // ticks that started no more than 1 ms after their deadline
  uint64_t latenessP50Ns = 0, latenessP99Ns = 0, latenessMaxNs = 0;
  int64_t threadCpuNs = 0;
};

struct WindowResult {
  std::string name;
  int64_t beginTNs = 0, endTNs = 0;
  std::vector<DeviceStatus> devices;
};

class Sampler {
 public:
  // Probes every device (what each field can be read with). Throws NvmlError.
  Sampler(std::shared_ptr<const Provider> provider, SamplerOptions options);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // start() resets the run statistics (undrained samples stay drainable) and returns once
  // the first tick has read every device, so anything that follows has a sample before it.
  void start();
  void stop();  // idempotent; joins the thread
  bool running() const { return running_.load(); }

  size_t deviceCount() const { return readers_.size(); }
  // Samples waiting for device `d` (at most the ring capacity).
  size_t pending(size_t d);
  // Moves up to `max` of the oldest pending samples of device `d` into `out`; returns how many.
  size_t drain(size_t d, size_t max, const SampleColumns& out);

  std::vector<DeviceStatus> deviceStatus();
  TimingStats timing();

  // Zeus-style named windows: exact at both ends (a synchronous read of every device),
  // with the loop's samples in between. Throws std::invalid_argument on a name in use / unknown.
  void beginWindow(const std::string& name);
  WindowResult endWindow(const std::string& name);

 private:
  struct Window {
    std::string name;
    int64_t beginTNs;
    std::vector<RunningStats> stats;
  };
  void loop();
  void signalReady();
  void readAllNow(std::vector<DeviceSample>& samples, std::vector<bool>& ok);
  DeviceStatus statusOf(size_t d, const RunningStats& stats) const;

  std::shared_ptr<const Provider> provider_;  // keeps the NVML table (and a simulated world) alive
  SamplerOptions options_;
  std::vector<std::unique_ptr<DeviceReader>> readers_;

  std::mutex mutex_;  // guards everything below between the loop and JavaScript
  std::vector<SampleRing> rings_;
  std::vector<uint64_t> readCursor_;
  std::vector<uint64_t> dropped_;
  std::vector<RunningStats> runStats_;
  std::vector<DeviceFailure> failures_;
  std::vector<uint64_t> readErrors_;
  std::vector<Window> windows_;
  LatenessHistogram lateness_;
  TimingStats timing_;

  std::thread thread_;
  std::atomic<bool> running_{false};
  int stopFd_ = -1;   // eventfd: wakes the thread at once on stop()
  int timerFd_ = -1;  // timerfd armed at each absolute deadline
  int readyFd_ = -1;  // eventfd: the thread signals its first tick (no std::condition_variable:
                      // its wait() needs GLIBCXX_3.4.30, newer than GCC 8's libstdc++)
};

}  // namespace lem
