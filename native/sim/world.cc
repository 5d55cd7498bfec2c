#include "world.h"

#include "../nvml/nvml_types.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <mutex>
#include <stdexcept>

namespace lem::sim {

namespace {

std::mutex gActiveMutex;
std::shared_ptr<World> gActive;
std::atomic<WorldLoader> gFallbackLoader{nullptr};

const SimDevice& deviceOf(const World& world, unsigned device) {
  if (device >= world.devices.size())
    throw std::out_of_range("simulated device index " + std::to_string(device) + " out of range (" +
                            std::to_string(world.devices.size()) + " devices)");
  return *world.devices[device];
}

}  // namespace

int64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t realtimeUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

SimDevice::SimDevice(const DeviceSpec& s, unsigned i, const World* world)
    : spec(s), index(i), timeline(s.power, s.idleW, s.loop), thermal(s.temperature, timeline) {
  gpuHandle.world = world;
  gpuHandle.device = this;
  migHandles.resize(spec.migUuids.size());
  for (size_t k = 0; k < migHandles.size(); ++k) {
    migHandles[k].world = world;
    migHandles[k].device = this;
    migHandles[k].migInstance = static_cast<int>(k);
  }
}

double SimDevice::instantPowerW(double tS) const {
  if (spec.powerUpdateMs > 0) {
    double stepS = spec.powerUpdateMs / 1000;
    tS = std::floor(tS / stepS) * stepS;
  }
  return timeline.powerW(tS);
}

double SimDevice::averagePowerW(double tS) const {
  return timeline.energyJ(tS - 1.0, tS);  // over exactly 1 s; idleW before t = 0
}

double SimDevice::powerUsageW(double tS) const {
  const bool ga100 = spec.name.find("A100") != std::string::npos || spec.name.find("A30") != std::string::npos;
  const bool averages = spec.architecture >= NVML_DEVICE_ARCH_AMPERE && !ga100;
  return averages ? averagePowerW(tS) : instantPowerW(tS);
}

unsigned long long SimDevice::energyCounterMJ(double tS) const {
  if (spec.energyCounterStepMs > 0) {
    double stepS = spec.energyCounterStepMs / 1000;
    tS = std::floor(tS / stepS) * stepS;
  }
  tS = std::max(tS, 0.0);
  double mJ = std::floor(1000 * timeline.energyFromOriginJ(tS));
  return static_cast<unsigned long long>(spec.energyCounterStartMJ) +
         static_cast<unsigned long long>(std::max(mJ, 0.0));
}

unsigned long long SimDevice::clockEventReasons(double tS) const {
  unsigned long long bits = 0;
  for (const auto& ep : spec.throttle)
    if (tS >= ep.startS && tS < ep.endS) bits |= ep.reasons;
  return bits;
}

double SimDevice::smClockMHz(double tS) const {
  return clockEventReasons(tS) ? spec.throttledSmClockMHz : spec.smClockMHz;
}

double SimDevice::memoryUsedMiB(double tS) const {
  double usedMiB = spec.memoryReservedMiB + spec.memoryUsedMiB;
  for (const auto& p : spec.processes)
    if (processAlive(p, tS)) usedMiB += p.usedMiB;
  return std::min(usedMiB, spec.memoryTotalMiB);
}

unsigned SimDevice::utilizationPercent(double tS) const {
  double spanW = spec.powerLimitW - spec.idleW;
  if (spanW <= 0) return 0;
  double pct = 100 * (timeline.powerW(tS) - spec.idleW) / spanW;
  return static_cast<unsigned>(std::lround(std::clamp(pct, 0.0, 100.0)));
}

int SimDevice::injectedError(NvmlFn fn, double tS) const {
  for (const auto& e : spec.errors) {
    if (tS < e.atS || tS >= e.untilS) continue;
    if (e.functions[static_cast<int>(fn)] || (e.allFunctions && coveredByWildcard(fn))) return e.code;
  }
  return 0;
}

World::World(Scenario s) : scenario(std::move(s)) {
  for (size_t i = 0; i < scenario.devices.size(); ++i)
    devices.push_back(std::make_unique<SimDevice>(scenario.devices[i], static_cast<unsigned>(i), this));
  originNs.store(monotonicNs());
}

double World::nowS() const { return toWorldS(monotonicNs()); }

void setOriginNsForTest(World& world, int64_t origin) {
  world.originNs.store(origin);
  for (auto& d : world.devices) d->thermal.reset();
}

void setFallbackWorldLoader(WorldLoader loader) { gFallbackLoader.store(loader); }
WorldLoader fallbackWorldLoader() { return gFallbackLoader.load(); }

// ---- sim.h ----

std::shared_ptr<World> loadWorld(const std::string& json) {
  return std::make_shared<World>(parseScenario(json));
}

void activate(std::shared_ptr<World> world) {
  std::shared_ptr<World> previous;
  {
    std::lock_guard<std::mutex> lock(gActiveMutex);
    previous = std::move(gActive);
    gActive = std::move(world);
  }
  // `previous` may be the last reference: destroy it outside the lock.
}

std::shared_ptr<World> active() {
  std::lock_guard<std::mutex> lock(gActiveMutex);
  return gActive;
}

std::string worldName(const World& world) { return world.scenario.name; }
int64_t originNs(const World& world) { return world.originNs.load(); }
unsigned deviceCount(const World& world) { return static_cast<unsigned>(world.devices.size()); }

double truePowerW(const World& world, unsigned device, int64_t tNs) {
  return deviceOf(world, device).timeline.powerW(world.toWorldS(tNs));
}

double trueEnergyJ(const World& world, unsigned device, int64_t t0Ns, int64_t t1Ns) {
  const SimDevice& d = deviceOf(world, device);
  return d.timeline.energyJ(world.toWorldS(t0Ns), world.toWorldS(t1Ns));
}

}  // namespace lem::sim
