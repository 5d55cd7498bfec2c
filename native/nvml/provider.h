// The process-wide NVML provider: the real library (dlopen) or the simulated GPU.
// Shared by every Node environment (main thread and workers) of the process.
#pragma once

#include <memory>
#include <string>

#include "nvml_api.h"
#include "nvml_error.h"

namespace lem {
namespace sim {
class World;
}

struct Provider {
  const NvmlApi* api = nullptr;
  bool simulated = false;
  std::string source;                   // library path, or "simulated:<scenario name>"
  std::shared_ptr<sim::World> world;    // keeps a simulated world alive while in use
};

struct ProviderStatus {
  bool available = false;
  bool simulated = false;
  std::string source;
  std::string reason;                   // why unavailable
  nvmlReturn_t code = NVML_SUCCESS;     // NVML code behind the reason, when there is one
};

// The active provider, initialising NVML on first use. Throws NvmlUnavailable.
std::shared_ptr<const Provider> activeProvider();
ProviderStatus providerStatus();

// Switches every later call to a simulated world parsed from `scenarioJson`
// (throws sim::ScenarioError) or back to the real library.
void useSimulation(const std::string& scenarioJson);
void useRealNvml();

// Throws NvmlError naming `function` unless `code` is NVML_SUCCESS.
void check(const NvmlApi& api, nvmlReturn_t code, const char* function);

}  // namespace lem
