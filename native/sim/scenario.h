// Scenario files: what a simulated machine looks like and does over time.
//
// Format (JSON; unknown keys are errors; lib/gpu/scenario.ts mirrors this exactly):
//
// {
//   "name": "default",                 // default "custom"
//   "description": "...",              // default ""
//   "driverVersion": "550.54.15",      // nvmlSystemGetDriverVersion
//   "nvmlVersion": "12.550.54.15",     // nvmlSystemGetNVMLVersion
//   "cudaDriverVersion": 12040,        // nvmlSystemGetCudaDriverVersion, cuDriverGetVersion
//   "cuda": {
//     "available": true,               // false: cuInit returns CUDA_ERROR_NO_DEVICE
//     "order": [1, 0]                  // CUDA enumeration order as NVML indices (a
//   },                                 //   permutation); default identity
//   "deviceCount": 8,                  // optional: replicate devices[0] (which must then be
//                                      //   the only entry and have no uuid/pciBusId/MIG
//                                      //   uuids) N times, 1..64
//   "devices": [ {                     // at least one
//     "name": "NVIDIA H100 80GB HBM3", // required
//     "uuid": "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",   // default generated from the index:
//                                      //   GPU-5e1a0000-0000-4000-8000-00000000000N
//     "pciBusId": "00000000:18:00.0",  // default "00000000:<0x10+index>:00.0"
//     "pciDeviceId": 590418142,        // 0x233010de (H100 SXM5)
//     "architecture": "hopper",        // kepler|maxwell|pascal|volta|turing|ampere|ada|hopper|blackwell
//     "memoryTotalMiB": 81559, "memoryReservedMiB": 534,
//     "memoryUsedMiB": 0,              // used = reserved + this + processes alive at t
//     "powerLimitW": 700, "defaultPowerLimitW": 700, "minPowerLimitW": 200, "maxPowerLimitW": 700,
//     "persistenceMode": true,
//     "mig": { "enabled": false,       // instances only when enabled; each has its own handle
//              "instances": [ { "uuid": "MIG-..." } ] },   // uuid default generated
//     "idleW": 70,                     // power before t=0, without segments, after a non-looping end
//     "power": [                       // the power timeline, segment after segment
//       {"kind": "constant", "watts": 300, "durationS": 5},
//       {"kind": "linear", "fromW": 100, "toW": 300, "durationS": 2},
//       {"kind": "square", "lowW": 100, "highW": 400, "periodS": 1, "duty": 0.5,
//        "durationS": 10}              // each period starts high for duty*periodS
//     ],
//     "loop": false,                   // true: the timeline repeats forever
//     "energyCounterStepMs": 0,        // counter = start + floor(1000 * E(0, tq)) mJ, tq = t
//     "energyCounterStartMJ": 0,       //   rounded down to the step; 0 = continuous
//     "powerUpdateMs": 0,              // instant power = p(t rounded down to this); 0 = continuous
//     "temperature": { "ambientC": 30, "perWattC": 0.08, "timeConstantS": 20,
//                      "initialC": 45 },   // optional; default steady state for p(0)
//     "smClockMHz": 1980, "throttledSmClockMHz": 1410,
//     "throttle": [ {"startS": 2, "endS": 4, "reasons": ["SwThermalSlowdown", "HwSlowdown"]} ],
//                                      // reasons: GpuIdle ApplicationsClocksSetting SwPowerCap
//                                      //   HwSlowdown SyncBoost SwThermalSlowdown
//                                      //   HwThermalSlowdown HwPowerBrakeSlowdown
//                                      //   DisplayClockSetting; active on [startS, endS)
//     "unsupported": ["energyCounter", "instantPower", "averagePower", "powerUsage",
//                     "temperature", "smClock", "memory", "throttleReasons", "utilization",
//                     "processes", "persistenceMode", "migMode", "powerLimit",
//                     "architecture", "pciInfo"],     // those calls: NVML_ERROR_NOT_SUPPORTED
//     "errors": [ {"atS": 3, "untilS": null,          // [atS, untilS); null = forever
//                  "functions": ["*"],                // real NVML names; "*" = every call
//                                                     //   taking a device handle
//                  "error": "NVML_ERROR_GPU_IS_LOST"} ],
//     "processes": [ {"pid": 4242, "name": "python3", "usedMiB": 500,
//                     "fromS": 0, "untilS": null} ]   // alive on [fromS, untilS)
//   } ]
// }
//
// Times are seconds since the world was loaded.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "functions.h"

namespace lem::sim {

constexpr double kForever = std::numeric_limits<double>::infinity();

struct PowerSegmentSpec {
  enum class Kind { Constant, Linear, Square };
  Kind kind = Kind::Constant;
  double watts = 0;            // constant
  double fromW = 0, toW = 0;   // linear
  double lowW = 0, highW = 0;  // square
  double periodS = 1, duty = 0.5;
  double durationS = 0;
};

struct TemperatureSpec {
  double ambientC = 30;
  double perWattC = 0.08;
  double timeConstantS = 20;
  bool hasInitialC = false;
  double initialC = 0;
};

struct ThrottleEpisode {
  double startS = 0, endS = 0;
  unsigned long long reasons = 0;  // NVML_CLOCKS_EVENT_REASON_* bits
};

struct ErrorInjection {
  double atS = 0, untilS = kForever;
  bool allFunctions = false;
  bool functions[kNvmlFnCount] = {};
  int code = 0;  // nvmlReturn_t
};

struct ProcessSpec {
  unsigned pid = 0;
  std::string name;
  double usedMiB = 0;
  double fromS = 0, untilS = kForever;
};

// Readings a device may lack ("unsupported").
enum class Feature : int {
  EnergyCounter,
  InstantPower,
  AveragePower,
  PowerUsage,
  Temperature,
  SmClock,
  Memory,
  ThrottleReasons,
  Utilization,
  Processes,
  PersistenceMode,
  MigMode,
  PowerLimit,
  Architecture,
  PciInfo,
  Count
};
constexpr int kFeatureCount = static_cast<int>(Feature::Count);

struct DeviceSpec {
  std::string name;
  std::string uuid;
  std::string pciBusId;
  unsigned pciDomain = 0, pciBus = 0, pciDevice = 0;  // parsed from pciBusId
  unsigned pciDeviceId = 0x233010de;
  unsigned architecture = 9;  // NVML_DEVICE_ARCH_HOPPER
  double memoryTotalMiB = 81559, memoryReservedMiB = 534, memoryUsedMiB = 0;
  double powerLimitW = 700, defaultPowerLimitW = 700, minPowerLimitW = 200, maxPowerLimitW = 700;
  bool persistenceMode = true;
  bool migEnabled = false;
  std::vector<std::string> migUuids;
  double idleW = 70;
  std::vector<PowerSegmentSpec> power;
  bool loop = false;
  double energyCounterStepMs = 0;
  double energyCounterStartMJ = 0;
  double powerUpdateMs = 0;
  TemperatureSpec temperature;
  double smClockMHz = 1980, throttledSmClockMHz = 1410;
  std::vector<ThrottleEpisode> throttle;
  bool unsupported[kFeatureCount] = {};
  std::vector<ErrorInjection> errors;
  std::vector<ProcessSpec> processes;

  bool supports(Feature f) const { return !unsupported[static_cast<int>(f)]; }
};

struct Scenario {
  std::string name = "custom";
  std::string description;
  std::string driverVersion = "550.54.15";
  std::string nvmlVersion = "12.550.54.15";
  int cudaDriverVersion = 12040;
  bool cudaAvailable = true;
  std::vector<unsigned> cudaOrder;  // filled (identity when absent)
  std::vector<DeviceSpec> devices;  // after deviceCount replication
};

// Throws lem::sim::ScenarioError (sim.h) naming the JSON path of the bad field.
Scenario parseScenario(const std::string& json);

// Generated identities, deterministic per index.
std::string generatedGpuUuid(unsigned deviceIndex);
std::string generatedMigUuid(unsigned deviceIndex, unsigned instanceIndex);
std::string generatedPciBusId(unsigned deviceIndex);

}  // namespace lem::sim
