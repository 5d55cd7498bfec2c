// Tests of the simulated GPU (native/sim). A plain program: run from the repository root
// (or pass the root as argv[1]); exits non-zero when a check fails.
#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../sim/cuda_visible.h"
#include "../sim/power_timeline.h"
#include "../sim/scenario.h"
#include "../sim/sim.h"
#include "../sim/world.h"

namespace {

int gPassed = 0;
int gFailed = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (cond) {                                                       \
      ++gPassed;                                                      \
    } else {                                                          \
      ++gFailed;                                                      \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                          \
  do {                                                                                 \
    double va_ = (a), vb_ = (b);                                                       \
    if (std::fabs(va_ - vb_) <= (tol)) {                                               \
      ++gPassed;                                                                       \
    } else {                                                                           \
      ++gFailed;                                                                       \
      std::fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g\n", __FILE__, \
                   __LINE__, #a, va_, #b, vb_);                                        \
    }                                                                                  \
  } while (0)

#define CHECK_EQ(a, b)                                                                       \
  do {                                                                                       \
    auto va_ = (a);                                                                          \
    auto vb_ = (b);                                                                          \
    if (va_ == vb_) {                                                                        \
      ++gPassed;                                                                             \
    } else {                                                                                 \
      ++gFailed;                                                                             \
      std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s != %s (%lld vs %lld)\n", __FILE__, __LINE__, \
                   #a, #b, (long long)va_, (long long)vb_);                                  \
    }                                                                                        \
  } while (0)

using namespace lem::sim;

std::string gRoot = ".";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<World> builtin(const std::string& name) {
  return loadWorld(readFile(gRoot + "/scenarios/" + name + ".json"));
}

// Sets t = 0 of `world` to `secondsAgo` before now.
void shiftTo(World& world, double secondsAgo) {
  setOriginNsForTest(world, monotonicNs() - static_cast<int64_t>(secondsAgo * 1e9));
}

std::string scenarioError(const std::string& json) {
  try {
    loadWorld(json);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

const lem::NvmlApi& nvml() { return nvmlTable(); }
const lem::CudaDriverApi& cuda() { return cudaTable(); }

nvmlDevice_t handle(unsigned i) {
  nvmlDevice_t d = nullptr;
  CHECK_EQ(nvml().deviceGetHandleByIndex(i, &d), NVML_SUCCESS);
  return d;
}

PowerSegmentSpec constant(double w, double s) {
  PowerSegmentSpec p;
  p.kind = PowerSegmentSpec::Kind::Constant;
  p.watts = w;
  p.durationS = s;
  return p;
}
PowerSegmentSpec linear(double a, double b, double s) {
  PowerSegmentSpec p;
  p.kind = PowerSegmentSpec::Kind::Linear;
  p.fromW = a;
  p.toW = b;
  p.durationS = s;
  return p;
}
PowerSegmentSpec square(double lo, double hi, double period, double duty, double s) {
  PowerSegmentSpec p;
  p.kind = PowerSegmentSpec::Kind::Square;
  p.lowW = lo;
  p.highW = hi;
  p.periodS = period;
  p.duty = duty;
  p.durationS = s;
  return p;
}

void testIntegrals() {
  PowerTimeline c({constant(300, 2)}, 70, false);
  CHECK_NEAR(c.energyJ(0, 2), 600, 1e-9);
  CHECK_NEAR(c.energyJ(-1, 0), 70, 1e-9);        // idle before t = 0
  CHECK_NEAR(c.energyJ(2, 5), 210, 1e-9);        // idle after a non-looping end
  CHECK_NEAR(c.powerW(1), 300, 0);
  CHECK_NEAR(c.powerW(3), 70, 0);

  PowerTimeline l({linear(100, 300, 2)}, 70, false);
  CHECK_NEAR(l.energyJ(0, 2), 400, 1e-9);
  CHECK_NEAR(l.energyJ(0, 1), 150, 1e-9);        // 100 -> 200 over 1 s
  CHECK_NEAR(l.powerW(0.5), 150, 1e-9);

  PowerTimeline s({square(100, 400, 1, 0.5, 10)}, 70, false);
  CHECK_NEAR(s.energyJ(0, 10), 2500, 1e-9);
  CHECK_NEAR(s.energyJ(0, 0.25), 100, 1e-9);     // inside the high half
  CHECK_NEAR(s.energyJ(0, 0.75), 225, 1e-9);     // 200 high + 25 low
  CHECK_NEAR(s.energyJ(3.25, 4.75), 375, 1e-9);  // 0.25 high + 0.5 low + 0.5 high + 0.25 low
  CHECK_NEAR(s.powerW(2.4), 400, 0);
  CHECK_NEAR(s.powerW(2.6), 100, 0);

  // Segments in sequence: cumulative lookup across boundaries.
  PowerTimeline all({constant(300, 2), linear(100, 300, 2), square(100, 400, 1, 0.5, 10)}, 70, false);
  CHECK_NEAR(all.durationS(), 14, 0);
  CHECK_NEAR(all.energyJ(0, 14), 3500, 1e-9);
  CHECK_NEAR(all.energyJ(1, 3), 300 + 150, 1e-9);
  CHECK_NEAR(all.powerW(3), 200, 1e-9);

  // Loop wrap.
  PowerTimeline loop({constant(300, 2), linear(100, 300, 2), square(100, 400, 1, 0.5, 10)}, 70, true);
  CHECK_NEAR(loop.energyJ(0, 28), 7000, 1e-6);
  CHECK_NEAR(loop.energyJ(13, 15), 250 + 300, 1e-6);  // last second of pass 1 + first of pass 2
  CHECK_NEAR(loop.powerW(14.5), 300, 0);
  CHECK_NEAR(loop.powerW(14 * 100 + 3), 200, 1e-6);
  CHECK_NEAR(loop.energyJ(0, 1400), 350000, 1e-3);
}

const char* kTestScenario = R"({
  "name": "unit",
  "cuda": { "order": [2, 0, 1] },
  "devices": [
    { "name": "A", "idleW": 70, "power": [{"kind":"constant","watts":300,"durationS":100}],
      "energyCounterStepMs": 100, "energyCounterStartMJ": 1000,
      "memoryTotalMiB": 1000, "memoryReservedMiB": 100, "memoryUsedMiB": 50,
      "processes": [
        {"pid": 11, "name": "python3", "usedMiB": 200, "fromS": 0, "untilS": null},
        {"pid": 12, "name": "vllm", "usedMiB": 300, "fromS": 0, "untilS": 10},
        {"pid": 13, "name": "late", "usedMiB": 100, "fromS": 50}
      ],
      "throttle": [{"startS": 2, "endS": 4, "reasons": ["SwThermalSlowdown", "HwSlowdown"]}],
      "temperature": {"ambientC": 30, "perWattC": 0.1, "timeConstantS": 5, "initialC": 30},
      "errors": [{"atS": 20, "untilS": 30, "functions": ["nvmlDeviceGetPowerUsage"], "error": "NVML_ERROR_TIMEOUT"}]
    },
    { "name": "B", "power": [{"kind":"constant","watts":300,"durationS":100}] },
    { "name": "C", "mig": {"enabled": true, "instances": [{}, {}]} }
  ]
})";

void testInit() {
  activate(nullptr);
  unsigned n = 0;
  CHECK_EQ(nvml().deviceGetCount(&n), NVML_ERROR_UNINITIALIZED);
  CHECK_EQ(nvml().init(), NVML_ERROR_DRIVER_NOT_LOADED);  // no world, no fallback loader
  activate(loadWorld(kTestScenario));
  CHECK_EQ(nvml().shutdown(), NVML_ERROR_UNINITIALIZED);
  CHECK_EQ(nvml().init(), NVML_SUCCESS);
  CHECK_EQ(nvml().init(), NVML_SUCCESS);
  CHECK_EQ(nvml().shutdown(), NVML_SUCCESS);
  CHECK_EQ(nvml().deviceGetCount(&n), NVML_SUCCESS);  // still one reference
  CHECK_EQ(n, 3u);
  CHECK_EQ(nvml().shutdown(), NVML_SUCCESS);
  nvmlDevice_t d = nullptr;
  CHECK_EQ(nvml().deviceGetHandleByIndex(0, &d), NVML_ERROR_UNINITIALIZED);
  CHECK(std::strlen(nvml().errorString(NVML_ERROR_GPU_IS_LOST)) > 10);
  CHECK(std::string(nvml().errorString(12345)) == "Unknown Error");
}

void testReadings() {
  auto world = loadWorld(kTestScenario);
  activate(world);
  CHECK_EQ(nvml().init(), NVML_SUCCESS);
  nvmlDevice_t a = handle(0);
  CHECK_EQ(nvml().deviceGetHandleByIndex(3, &a), NVML_ERROR_INVALID_ARGUMENT);
  a = handle(0);

  // Counter quantised to 100 ms steps: at t = 1.05 s it shows E(0, 1.0 s).
  shiftTo(*world, 1.05);
  unsigned long long mJ = 0;
  CHECK_EQ(nvml().deviceGetTotalEnergyConsumption(a, &mJ), NVML_SUCCESS);
  CHECK_EQ(mJ, 1000ull + 300000ull);

  nvmlFieldValue_t f[4];
  std::memset(f, 0, sizeof f);
  f[0].fieldId = NVML_FI_DEV_POWER_INSTANT;
  f[1].fieldId = NVML_FI_DEV_POWER_AVERAGE;
  f[2].fieldId = NVML_FI_DEV_ENERGY;
  f[3].fieldId = 9999;
  long long beforeUs = realtimeUs();
  CHECK_EQ(nvml().deviceGetFieldValues(a, 4, f), NVML_SUCCESS);
  CHECK_EQ(f[0].nvmlReturn, NVML_SUCCESS);
  CHECK_EQ(f[0].valueType, NVML_VALUE_TYPE_UNSIGNED_INT);
  CHECK_EQ(f[0].value.uiVal, 300000u);
  CHECK_EQ(f[1].value.uiVal, 300000u);  // window [0.05, 1.05] lies inside the 300 W segment
  CHECK_EQ(f[2].valueType, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG);
  CHECK_EQ(f[2].value.ullVal, 301000ull);
  CHECK_EQ(f[3].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
  CHECK(f[0].timestamp >= beforeUs && f[0].timestamp <= realtimeUs());
  CHECK_EQ(f[0].latencyUsec, 0);

  // 1 s average before t = 1 s counts idle before t = 0: (0.5*70 + 0.5*300) = 185 W.
  shiftTo(*world, 0.5);
  unsigned mW = 0;
  CHECK_EQ(nvml().deviceGetPowerUsage(a, &mW), NVML_SUCCESS);
  CHECK_NEAR(mW, 185000, 2000);

  // Ground truth follows the same clock.
  int64_t o = originNs(*world);
  CHECK_NEAR(trueEnergyJ(*world, 0, o, o + 2000000000), 600, 1e-6);
  CHECK_NEAR(trueEnergyJ(*world, 0, o - 1000000000, o), 70, 1e-6);
  CHECK_NEAR(truePowerW(*world, 0, o + 1000000000), 300, 0);
  CHECK_EQ(deviceCount(*world), 3u);
  CHECK(worldName(*world) == "unit");

  // Throttle episode [2, 4): reasons and SM clock.
  unsigned long long reasons = 1;
  unsigned clock = 0;
  shiftTo(*world, 3);
  CHECK_EQ(nvml().deviceGetCurrentClocksEventReasons(a, &reasons), NVML_SUCCESS);
  CHECK_EQ(reasons, NVML_CLOCKS_EVENT_REASON_SW_THERMAL_SLOWDOWN | NVML_CLOCKS_EVENT_REASON_HW_SLOWDOWN);
  CHECK_EQ(nvml().deviceGetClockInfo(a, NVML_CLOCK_SM, &clock), NVML_SUCCESS);
  CHECK_EQ(clock, 1410u);
  shiftTo(*world, 5);
  CHECK_EQ(nvml().deviceGetCurrentClocksEventReasons(a, &reasons), NVML_SUCCESS);
  CHECK_EQ(reasons, 0ull);
  CHECK_EQ(nvml().deviceGetClockInfo(a, NVML_CLOCK_SM, &clock), NVML_SUCCESS);
  CHECK_EQ(clock, 1980u);

  // Temperature: from 30 C toward 30 + 0.1 * 300 = 60 C with tau = 5 s.
  unsigned tempC = 0;
  shiftTo(*world, 5);
  CHECK_EQ(nvml().deviceGetTemperature(a, NVML_TEMPERATURE_GPU, &tempC), NVML_SUCCESS);
  // p = 300 W from t = 0, so T(5) = 60 - 30 e^-1 = 48.96.
  CHECK_NEAR(tempC, 49, 1);
  shiftTo(*world, 100);
  CHECK_EQ(nvml().deviceGetTemperature(a, NVML_TEMPERATURE_GPU, &tempC), NVML_SUCCESS);
  CHECK_NEAR(tempC, 60, 0);

  // Utilisation: (300 - 70) / (700 - 70) = 36.5 %.
  nvmlUtilization_t util{};
  shiftTo(*world, 1);
  CHECK_EQ(nvml().deviceGetUtilizationRates(a, &util), NVML_SUCCESS);
  CHECK_EQ(util.gpu, 37u);
  CHECK_EQ(util.memory, 18u);

  // Limits, identity.
  unsigned lo = 0, hi = 0, limit = 0;
  CHECK_EQ(nvml().deviceGetPowerManagementLimitConstraints(a, &lo, &hi), NVML_SUCCESS);
  CHECK_EQ(lo, 200000u);
  CHECK_EQ(hi, 700000u);
  CHECK_EQ(nvml().deviceGetEnforcedPowerLimit(a, &limit), NVML_SUCCESS);
  CHECK_EQ(limit, 700000u);
  char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
  CHECK_EQ(nvml().deviceGetName(a, name, sizeof name), NVML_SUCCESS);
  CHECK(std::string(name) == "A");
  CHECK_EQ(nvml().deviceGetName(a, name, 1), NVML_ERROR_INSUFFICIENT_SIZE);
  char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
  CHECK_EQ(nvml().deviceGetUUID(handle(1), uuid, sizeof uuid), NVML_SUCCESS);
  CHECK(std::string(uuid) == "GPU-5e1a0000-0000-4000-8000-000000000001");
  nvmlPciInfo_t pci;
  CHECK_EQ(nvml().deviceGetPciInfo(handle(1), &pci), NVML_SUCCESS);
  CHECK(std::string(pci.busId) == "00000000:11:00.0");
  CHECK(std::string(pci.busIdLegacy) == "0000:11:00.0");
  CHECK_EQ(pci.bus, 0x11u);
  unsigned arch = 0, index = 9;
  CHECK_EQ(nvml().deviceGetArchitecture(a, &arch), NVML_SUCCESS);
  CHECK_EQ(arch, NVML_DEVICE_ARCH_HOPPER);
  CHECK_EQ(nvml().deviceGetIndex(handle(2), &index), NVML_SUCCESS);
  CHECK_EQ(index, 2u);
  int cudaVersion = 0;
  CHECK_EQ(nvml().systemGetCudaDriverVersion(&cudaVersion), NVML_SUCCESS);
  CHECK_EQ(cudaVersion, 12040);
  CHECK_EQ(nvml().deviceGetName(nullptr, name, sizeof name), NVML_ERROR_INVALID_ARGUMENT);

  // Error injection on [20, 30) for one function only.
  shiftTo(*world, 19.9);
  CHECK_EQ(nvml().deviceGetPowerUsage(a, &mW), NVML_SUCCESS);
  shiftTo(*world, 20.1);
  CHECK_EQ(nvml().deviceGetPowerUsage(a, &mW), NVML_ERROR_TIMEOUT);
  CHECK_EQ(nvml().deviceGetTotalEnergyConsumption(a, &mJ), NVML_SUCCESS);
  shiftTo(*world, 30.1);
  CHECK_EQ(nvml().deviceGetPowerUsage(a, &mW), NVML_SUCCESS);

  // Memory and processes at t = 5 s: pids 11 and 12 alive, 13 not yet.
  shiftTo(*world, 5);
  nvmlMemory_v2_t m2{};
  CHECK_EQ(nvml().deviceGetMemoryInfoV2(a, &m2), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
  m2.version = LEM_NVML_MEMORY_V2_VERSION;
  CHECK_EQ(nvml().deviceGetMemoryInfoV2(a, &m2), NVML_SUCCESS);
  const unsigned long long MiB = 1048576;
  CHECK_EQ(m2.total, 1000 * MiB);
  CHECK_EQ(m2.reserved, 100 * MiB);
  CHECK_EQ(m2.used, (100 + 50 + 200 + 300) * MiB);
  CHECK_EQ(m2.free, 350 * MiB);
  nvmlMemory_t m1{};
  CHECK_EQ(nvml().deviceGetMemoryInfo(a, &m1), NVML_SUCCESS);
  CHECK_EQ(m1.used, 550 * MiB);
  CHECK_EQ(m1.free, 350 * MiB);

  unsigned count = 0;
  CHECK_EQ(nvml().deviceGetComputeRunningProcesses(a, &count, nullptr), NVML_ERROR_INSUFFICIENT_SIZE);
  CHECK_EQ(count, 2u);
  nvmlProcessInfo_t infos[4];
  count = 1;
  CHECK_EQ(nvml().deviceGetComputeRunningProcesses(a, &count, infos), NVML_ERROR_INSUFFICIENT_SIZE);
  CHECK_EQ(count, 2u);
  count = 4;
  CHECK_EQ(nvml().deviceGetComputeRunningProcesses(a, &count, infos), NVML_SUCCESS);
  CHECK_EQ(count, 2u);
  CHECK_EQ(infos[0].pid, 11u);
  CHECK_EQ(infos[1].usedGpuMemory, 300 * MiB);
  nvmlProcessInfo_v1_t v1[2];
  count = 2;
  CHECK_EQ(nvml().deviceGetComputeRunningProcessesV1(a, &count, v1), NVML_SUCCESS);
  CHECK_EQ(v1[1].pid, 12u);
  CHECK_EQ(v1[1].usedGpuMemory, 300 * MiB);
  count = 0;
  CHECK_EQ(nvml().deviceGetComputeRunningProcesses(handle(1), &count, nullptr), NVML_SUCCESS);
  CHECK_EQ(count, 0u);
  char pname[64];
  CHECK_EQ(nvml().systemGetProcessName(12, pname, sizeof pname), NVML_SUCCESS);
  CHECK(std::string(pname) == "vllm");
  CHECK_EQ(nvml().systemGetProcessName(13, pname, sizeof pname), NVML_ERROR_NOT_FOUND);
  CHECK_EQ(nvml().systemGetProcessName(99, pname, sizeof pname), NVML_ERROR_NOT_FOUND);
  shiftTo(*world, 60);
  count = 4;
  CHECK_EQ(nvml().deviceGetComputeRunningProcesses(a, &count, infos), NVML_SUCCESS);
  CHECK_EQ(count, 2u);  // 11 and 13
  CHECK_EQ(infos[1].pid, 13u);

  // MIG handles (device C: generated MIG uuids).
  nvmlDevice_t c = handle(2), mig = nullptr, parent = nullptr;
  unsigned cur = 0, pend = 0, isMig = 7;
  CHECK_EQ(nvml().deviceGetMigMode(c, &cur, &pend), NVML_SUCCESS);
  CHECK_EQ(cur, 1u);
  CHECK_EQ(nvml().deviceGetHandleByUUID(generatedMigUuid(2, 1).c_str(), &mig), NVML_SUCCESS);
  CHECK_EQ(nvml().deviceIsMigDeviceHandle(mig, &isMig), NVML_SUCCESS);
  CHECK_EQ(isMig, 1u);
  CHECK_EQ(nvml().deviceIsMigDeviceHandle(c, &isMig), NVML_SUCCESS);
  CHECK_EQ(isMig, 0u);
  CHECK_EQ(nvml().deviceGetDeviceHandleFromMigDeviceHandle(mig, &parent), NVML_SUCCESS);
  CHECK(parent == c);
  CHECK_EQ(nvml().deviceGetDeviceHandleFromMigDeviceHandle(c, &parent), NVML_ERROR_INVALID_ARGUMENT);
  CHECK_EQ(nvml().deviceGetUUID(mig, uuid, sizeof uuid), NVML_SUCCESS);
  CHECK(std::string(uuid) == generatedMigUuid(2, 1));
  CHECK_EQ(nvml().deviceGetPowerUsage(mig, &mW), NVML_ERROR_NOT_SUPPORTED);
  nvmlDevice_t byUuid = nullptr;
  CHECK_EQ(nvml().deviceGetHandleByUUID(generatedGpuUuid(1).c_str(), &byUuid), NVML_SUCCESS);
  CHECK(byUuid == handle(1));
  CHECK_EQ(nvml().deviceGetHandleByUUID("GPU-nope", &byUuid), NVML_ERROR_NOT_FOUND);

  CHECK_EQ(nvml().shutdown(), NVML_SUCCESS);
  activate(nullptr);
}

void testBuiltins() {
  const char* names[] = {"default", "h100x8", "idle", "throttle", "gpu-lost", "no-energy-counter", "mig"};
  for (const char* n : names) {
    try {
      auto w = builtin(n);
      CHECK(worldName(*w) == n);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "scenario %s: %s\n", n, e.what());
      CHECK(false);
    }
  }

  auto x8 = builtin("h100x8");
  CHECK_EQ(deviceCount(*x8), 8u);
  CHECK(x8->devices[7]->spec.uuid == "GPU-5e1a0000-0000-4000-8000-000000000007");
  CHECK(x8->devices[7]->spec.pciBusId == "00000000:17:00.0");

  // Unsupported readings: the call succeeds, the field says NOT_SUPPORTED.
  auto a10 = builtin("no-energy-counter");
  activate(a10);
  CHECK_EQ(nvml().init(), NVML_SUCCESS);
  nvmlDevice_t d = handle(0);
  nvmlFieldValue_t f[3];
  std::memset(f, 0, sizeof f);
  f[0].fieldId = NVML_FI_DEV_ENERGY;
  f[1].fieldId = NVML_FI_DEV_POWER_INSTANT;
  f[2].fieldId = NVML_FI_DEV_POWER_AVERAGE;
  CHECK_EQ(nvml().deviceGetFieldValues(d, 3, f), NVML_SUCCESS);
  CHECK_EQ(f[0].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
  CHECK_EQ(f[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
  CHECK_EQ(f[2].nvmlReturn, NVML_SUCCESS);
  unsigned long long mJ = 0;
  CHECK_EQ(nvml().deviceGetTotalEnergyConsumption(d, &mJ), NVML_ERROR_NOT_SUPPORTED);
  unsigned arch = 0;
  CHECK_EQ(nvml().deviceGetArchitecture(d, &arch), NVML_SUCCESS);
  CHECK_EQ(arch, NVML_DEVICE_ARCH_AMPERE);  // an A10: only the 1 s average power, no instant field, no counter

  // GPU lost from 1.0 s on device 1 only.
  auto lost = builtin("gpu-lost");
  activate(lost);
  nvmlDevice_t d0 = handle(0), d1 = handle(1);
  unsigned mW = 0;
  CHECK_EQ(nvml().deviceGetPowerUsage(d1, &mW), NVML_SUCCESS);
  shiftTo(*lost, 1.01);
  CHECK_EQ(nvml().deviceGetPowerUsage(d1, &mW), NVML_ERROR_GPU_IS_LOST);
  nvmlFieldValue_t one{};
  one.fieldId = NVML_FI_DEV_ENERGY;
  CHECK_EQ(nvml().deviceGetFieldValues(d1, 1, &one), NVML_ERROR_GPU_IS_LOST);
  CHECK_EQ(nvml().deviceGetPowerUsage(d0, &mW), NVML_SUCCESS);
  CHECK_EQ(nvml().deviceGetPowerUsage(handle(1), &mW), NVML_ERROR_GPU_IS_LOST);  // look-up still works

  // MIG built-in: persistence off, MIG handles.
  auto mig = builtin("mig");
  activate(mig);
  int persistence = 1;
  CHECK_EQ(nvml().deviceGetPersistenceMode(handle(0), &persistence), NVML_SUCCESS);
  CHECK_EQ(persistence, 0);
  nvmlDevice_t inst = nullptr;
  CHECK_EQ(nvml().deviceGetHandleByUUID("MIG-5e1a0000-0000-4000-9000-000000000001", &inst), NVML_SUCCESS);
  CHECK(inst != handle(0));
  CHECK_EQ(nvml().shutdown(), NVML_SUCCESS);
  activate(nullptr);
}

std::vector<unsigned> cudaNvmlIndices(const World& w, const char* cvd) {
  std::vector<unsigned> out;
  for (const auto& r : cudaVisibleDevices(w, cvd)) out.push_back(r.nvmlIndex * 10 + (r.migInstance + 1));
  return out;
}

void testCuda() {
  auto world = loadWorld(kTestScenario);  // order [2, 0, 1]; device 2 has MIG with 2 instances
  using V = std::vector<unsigned>;
  // Device 2 has MIG on: it appears as its first instance (2*10 + 1).
  CHECK(cudaNvmlIndices(*world, nullptr) == (V{21, 0, 10}));
  CHECK(cudaNvmlIndices(*world, "1") == (V{0}));
  CHECK(cudaNvmlIndices(*world, "2,1") == (V{10, 0}));
  CHECK(cudaNvmlIndices(*world, "1,7,2") == (V{0}));            // stops at the invalid entry
  CHECK(cudaNvmlIndices(*world, "1,1,2") == (V{0}));            // a repeat stops parsing
  CHECK(cudaNvmlIndices(*world, "") == (V{}));
  CHECK(cudaNvmlIndices(*world, "-1,0") == (V{}));
  CHECK(cudaNvmlIndices(*world, "GPU-5e1a0000-0000-4000-8000-000000000001,0") == (V{10, 21}));
  CHECK(cudaNvmlIndices(*world, "GPU-5e1a") == (V{}));         // ambiguous prefix
  CHECK(cudaNvmlIndices(*world, "GPU-5e1a0000-0000-4000-8000-00000000000") == (V{}));
  CHECK(cudaNvmlIndices(*world, "GPU-5e1a0000-0000-4000-8000-0000000000") == (V{}));
  CHECK(cudaNvmlIndices(*world, (generatedMigUuid(2, 1) + ",1").c_str()) == (V{22, 0}));
  CHECK(cudaNvmlIndices(*world, "MIG-5e1a0000-0000-4000-9000-00020000000") == (V{}));  // ambiguous

  activate(world);
  unsetenv("CUDA_VISIBLE_DEVICES");
  int n = -1;
  CHECK_EQ(cuda().deviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
  CHECK_EQ(cuda().init(1), CUDA_ERROR_INVALID_VALUE);
  CHECK_EQ(cuda().init(0), CUDA_SUCCESS);
  CHECK_EQ(cuda().deviceGetCount(&n), CUDA_SUCCESS);
  CHECK_EQ(n, 3);
  CUdevice dev = -1;
  CHECK_EQ(cuda().deviceGet(&dev, 2), CUDA_SUCCESS);
  CUuuid u;
  CHECK_EQ(cuda().deviceGetUuid(&u, dev), CUDA_SUCCESS);
  const unsigned char want1[16] = {0x5e, 0x1a, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1};
  CHECK(std::memcmp(u.bytes, want1, 16) == 0);  // CUDA ordinal 2 = NVML index 1
  CHECK_EQ(cuda().deviceGetUuid(&u, 3), CUDA_ERROR_INVALID_DEVICE);

  setenv("CUDA_VISIBLE_DEVICES", "0", 1);  // re-read at each enumeration
  CHECK_EQ(cuda().deviceGetCount(&n), CUDA_SUCCESS);
  CHECK_EQ(n, 1);
  CHECK_EQ(cuda().deviceGetUuid(&u, 0), CUDA_SUCCESS);
  unsigned char want[16];
  uuidBytes(generatedMigUuid(2, 0), want);
  CHECK(std::memcmp(u.bytes, want, 16) == 0);
  CHECK_EQ(want[0], 0x5e);
  CHECK_EQ(want[15], 0x00);
  setenv("CUDA_VISIBLE_DEVICES", "", 1);
  CHECK_EQ(cuda().init(0), CUDA_ERROR_NO_DEVICE);
  unsetenv("CUDA_VISIBLE_DEVICES");

  int version = 0;
  CHECK_EQ(cuda().driverGetVersion(&version), CUDA_SUCCESS);
  CHECK_EQ(version, 12040);
  const char* errName = nullptr;
  CHECK_EQ(cuda().getErrorName(CUDA_ERROR_NO_DEVICE, &errName), CUDA_SUCCESS);
  CHECK(std::string(errName) == "CUDA_ERROR_NO_DEVICE");

  activate(loadWorld(R"({"cuda": {"available": false}, "devices": [{"name": "X"}]})"));
  CHECK_EQ(cuda().init(0), CUDA_ERROR_NO_DEVICE);
  CHECK_EQ(cuda().deviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
  activate(nullptr);
}

void testScenarioErrors() {
  const std::string dev1 = R"({"devices": [{"name": "A"}, {"name": "B", "power": [)"
                           R"({"kind":"constant","watts":1,"durationS":1},{"kind":"constant","watts":1,"durationS":1},)"
                           R"({"kind":"constant","watts":1,"durationS":-1}]}]})";
  CHECK(scenarioError(dev1) == "devices[1].power[2].durationS: expected a positive number, found -1");
  std::string typo = scenarioError(R"({"devices": [{"name": "A", "idelW": 70}]})");
  CHECK(typo.rfind("devices[0].idelW: unknown key", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A"}], "extra": 1})").rfind("extra: unknown key", 0) == 0);
  CHECK(scenarioError(R"({"devices": []})") == "devices: expected a non-empty array of devices, found an array");
  CHECK(scenarioError(R"({"devices": [{}]})").rfind("devices[0].name: missing", 0) == 0);
  CHECK(scenarioError("{\n  \"devices\": [,]\n}") == "invalid JSON: line 2, column 15: unexpected character ','");
  CHECK(scenarioError(R"({"devices": [{"name": "A"}], "cuda": {"order": [0, 0]}})")
            .rfind("cuda.order", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "architecture": "fermi"}]})")
            .rfind("devices[0].architecture: expected one of kepler", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "errors": [{"atS": 1, "functions": ["nvmlNope"], "error": "NVML_ERROR_GPU_IS_LOST"}]}]})")
            .rfind("devices[0].errors[0].functions[0]: expected one of", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "unsupported": ["energy"]}]})")
            .rfind("devices[0].unsupported[0]: expected one of energyCounter", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "uuid": "GPU-123"}]})").rfind("devices[0].uuid", 0) == 0);
  CHECK(scenarioError(R"({"deviceCount": 2, "devices": [{"name": "A", "uuid": "GPU-5e1a0000-0000-4000-8000-000000000000"}]})")
            .rfind("devices[0].uuid: must be omitted", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "mig": {"enabled": false, "instances": [{}]}}]})")
            .rfind("devices[0].mig.instances", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "throttle": [{"startS": 3, "endS": 2, "reasons": ["HwSlowdown"]}]}]})")
            .rfind("devices[0].throttle[0].endS", 0) == 0);
  CHECK(scenarioError(R"({"devices": [{"name": "A", "power": [{"kind": "square", "lowW": 1, "highW": 2, "periodS": 1, "duty": 1.5, "durationS": 1}]}]})")
            == "devices[0].power[0].duty: expected a number from 0 to 1, found 1.5");
  CHECK(scenarioError(R"({"devices": [{"name": "A", "a": 1, "a": 2}]})").find("duplicate key") != std::string::npos);
  CHECK(scenarioError(R"({"devices": [{"name": "\u00e9\ud83d\ude00"}]})") == "(no error)");
}

// A sampler-like thread reads while the main thread swaps worlds (run under TSan).
void testConcurrency() {
  auto first = loadWorld(kTestScenario);
  activate(first);
  CHECK_EQ(nvml().init(), NVML_SUCCESS);
  nvmlDevice_t d = handle(0);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread sampler([&] {
    while (!stop.load()) {
      nvmlFieldValue_t f[2] = {};
      f[0].fieldId = NVML_FI_DEV_POWER_INSTANT;
      f[1].fieldId = NVML_FI_DEV_ENERGY;
      unsigned tempC = 0;
      if (nvml().deviceGetFieldValues(d, 2, f) != NVML_SUCCESS) failures++;
      if (nvml().deviceGetTemperature(d, 0, &tempC) != NVML_SUCCESS) failures++;
    }
  });
  for (int i = 0; i < 200; ++i) {
    activate(loadWorld(kTestScenario));  // `first` stays alive: the sampler's handle stays valid
    unsigned tempC = 0;
    nvml().deviceGetTemperature(d, 0, &tempC);
  }
  stop.store(true);
  sampler.join();
  CHECK_EQ(failures.load(), 0);
  CHECK_EQ(nvml().shutdown(), NVML_SUCCESS);
  activate(nullptr);
}

// The standalone libnvidia-ml.so.1 through dlopen, as lem's real loader uses it. Runs only
// when LEM_SIM_LIBRARY names the built library (it loads scenarios/<LEM_SIM_SCENARIO or default>).
void testStandaloneLibrary() {
  const char* path = std::getenv("LEM_SIM_LIBRARY");
  if (path == nullptr) {
    std::printf("(standalone library not tested: set LEM_SIM_LIBRARY)\n");
    return;
  }
  setenv("LEM_SIM_SCENARIO", (gRoot + "/scenarios/h100x8.json").c_str(), 1);
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CHECK(lib != nullptr);
  if (lib == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return;
  }
  auto init = reinterpret_cast<nvmlReturn_t (*)()>(dlsym(lib, "nvmlInit_v2"));
  auto shutdown = reinterpret_cast<nvmlReturn_t (*)()>(dlsym(lib, "nvmlShutdown"));
  auto getCount = reinterpret_cast<nvmlReturn_t (*)(unsigned*)>(dlsym(lib, "nvmlDeviceGetCount_v2"));
  auto getHandle = reinterpret_cast<nvmlReturn_t (*)(unsigned, nvmlDevice_t*)>(dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
  auto getEnergy = reinterpret_cast<nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*)>(
      dlsym(lib, "nvmlDeviceGetTotalEnergyConsumption"));
  auto errorString = reinterpret_cast<const char* (*)(nvmlReturn_t)>(dlsym(lib, "nvmlErrorString"));
  const char* names[] = {"nvmlInit", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex",
                         "nvmlDeviceGetCurrentClocksThrottleReasons", "nvmlDeviceGetCurrentClocksEventReasons",
                         "nvmlSystemGetCudaDriverVersion_v2", "nvmlDeviceGetComputeRunningProcesses_v3",
                         "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetFieldValues"};
  for (const char* n : names) CHECK(dlsym(lib, n) != nullptr);
  // Without -Wl,--version-script=native/sim/libnvidia-ml.map the library also exports the C++
  // standard library's template instances: harmless, but worth knowing.
  if (dlsym(lib, "_ZNSt7__cxx119to_stringEj") != nullptr)
    std::printf("note: the standalone library exports more than NVML names (link it with native/sim/libnvidia-ml.map)\n");
  CHECK(init && shutdown && getCount && getHandle && getEnergy && errorString);
  if (init && shutdown && getCount && getHandle && getEnergy && errorString) {
    unsigned n = 0;
    CHECK_EQ(getCount(&n), NVML_ERROR_UNINITIALIZED);
    CHECK_EQ(init(), NVML_SUCCESS);
    CHECK_EQ(getCount(&n), NVML_SUCCESS);
    CHECK_EQ(n, 8u);
    nvmlDevice_t d = nullptr;
    unsigned long long mJ = 0;
    CHECK_EQ(getHandle(7, &d), NVML_SUCCESS);
    CHECK_EQ(getEnergy(d, &mJ), NVML_SUCCESS);
    CHECK(mJ >= 987654321ull);
    CHECK(std::strlen(errorString(NVML_ERROR_NOT_SUPPORTED)) > 0);
    CHECK_EQ(shutdown(), NVML_SUCCESS);
  }
  dlclose(lib);
  unsetenv("LEM_SIM_SCENARIO");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) gRoot = argv[1];
  testIntegrals();
  testInit();
  testReadings();
  testBuiltins();
  testCuda();
  testScenarioErrors();
  testConcurrency();
  testStandaloneLibrary();
  std::printf("%d passed, %d failed\n", gPassed, gFailed);
  return gFailed == 0 ? 0 : 1;
}
