// A loaded scenario: devices with their timelines and state, the clock origin, and the
// objects nvmlDevice_t handles point at. Internal to native/sim (and its tests).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "power_timeline.h"
#include "scenario.h"
#include "sim.h"
#include "thermal_model.h"

namespace lem::sim {

class SimDevice;

// What an nvmlDevice_t points at. The magic number catches stray pointers early.
struct DeviceHandle {
  static constexpr uint32_t kMagic = 0x4c454d53;  // "LEMS"
  uint32_t magic = kMagic;
  const World* world = nullptr;
  SimDevice* device = nullptr;
  int migInstance = -1;  // -1: the whole GPU
};

class SimDevice {
 public:
  SimDevice(const DeviceSpec& spec, unsigned index, const World* world);
  SimDevice(const SimDevice&) = delete;
  SimDevice& operator=(const SimDevice&) = delete;

  const DeviceSpec spec;
  const unsigned index;  // NVML index
  const PowerTimeline timeline;
  ThermalModel thermal;
  DeviceHandle gpuHandle;
  std::vector<DeviceHandle> migHandles;  // built once; addresses are stable

  // Readings at world time tS (seconds since load).
  double instantPowerW(double tS) const;              // sample-and-hold by powerUpdateMs
  double averagePowerW(double tS) const;              // exact trailing 1 s mean
  // What nvmlDeviceGetPowerUsage returns: per nvml.h the 1 s average on Ampere and newer
  // except GA100 (A100, A30), instantaneous power on GA100 and older architectures.
  double powerUsageW(double tS) const;
  unsigned long long energyCounterMJ(double tS) const;  // quantised by energyCounterStepMs
  unsigned long long clockEventReasons(double tS) const;
  double smClockMHz(double tS) const;
  double memoryUsedMiB(double tS) const;  // reserved + used + live processes
  unsigned utilizationPercent(double tS) const;
  bool processAlive(const ProcessSpec& p, double tS) const { return tS >= p.fromS && tS < p.untilS; }
  // Injected error for `fn` at tS, or NVML_SUCCESS.
  int injectedError(NvmlFn fn, double tS) const;
};

class World {
 public:
  explicit World(Scenario scenario);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const Scenario scenario;
  std::vector<std::unique_ptr<SimDevice>> devices;
  std::atomic<int64_t> originNs{0};
  std::atomic<bool> cudaInitialized{false};

  double toWorldS(int64_t tNs) const {
    return static_cast<double>(tNs - originNs.load(std::memory_order_relaxed)) * 1e-9;
  }
  double nowS() const;
};

int64_t monotonicNs();
int64_t realtimeUs();

// Test hook: move t = 0 of `world` (e.g. now - 5 s instead of sleeping). Resets temperatures.
void setOriginNsForTest(World& world, int64_t originNs);

// How nvmlInit finds a world when none is active (the standalone library sets one).
using WorldLoader = std::shared_ptr<World> (*)();
void setFallbackWorldLoader(WorldLoader loader);
WorldLoader fallbackWorldLoader();

}  // namespace lem::sim
