// The simulated GPU: an in-process NVML (and CUDA driver) driven by a JSON scenario.
// The energy it reports is the exact integral of the power it reports, so tests know
// the true answer.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "../cuda/cuda_api.h"
#include "../nvml/nvml_api.h"

namespace lem::sim {

class World;  // a parsed scenario plus its clock origin and mutable state

// A scenario that cannot be used; what() names the JSON path of the bad field.
struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses scenario JSON; the world's clock (t = 0 of the power timeline) starts now.
std::shared_ptr<World> loadWorld(const std::string& json);

// Makes `world` the one nvmlInit/nvmlDeviceGetCount/... of the tables below see.
// Handles from an earlier world stay valid as long as that world is alive.
void activate(std::shared_ptr<World> world);
std::shared_ptr<World> active();

const NvmlApi& nvmlTable();
const CudaDriverApi& cudaTable();

// Ground truth, for tests and for the `simulated` figures lem reports next to measurements.
std::string worldName(const World& world);
int64_t originNs(const World& world);                     // CLOCK_MONOTONIC ns of t = 0
unsigned deviceCount(const World& world);
double truePowerW(const World& world, unsigned device, int64_t tNs);
double trueEnergyJ(const World& world, unsigned device, int64_t t0Ns, int64_t t1Ns);

}  // namespace lem::sim
