#include "provider.h"

#include <mutex>

#include "../sim/sim.h"
#include "nvml_loader.h"

namespace lem {
namespace {

std::mutex gMutex;
std::shared_ptr<const Provider> gActive;  // null until first use or after a failed init
bool gWantSimulation = false;
std::string gLastFailure;
nvmlReturn_t gLastCode = NVML_SUCCESS;

// The real library is loaded once and never unloaded: a sampler thread may still be
// inside it while JavaScript switches providers.
const LoadedNvml* realLibrary() {
  static LoadedNvml* loaded = nullptr;
  if (!loaded) loaded = new LoadedNvml(loadNvmlLibrary());
  return loaded;
}

std::shared_ptr<const Provider> initReal() {
  const LoadedNvml* lib = realLibrary();
  nvmlReturn_t rc = lib->api.init();
  if (rc != NVML_SUCCESS) {
    const char* text = lib->api.errorString ? lib->api.errorString(rc) : nullptr;
    throw NvmlUnavailable("nvmlInit failed in " + lib->libraryPath + ": " + nvmlReturnName(rc) +
                              (text ? std::string(" (") + text + ")" : std::string()),
                          rc);
  }
  auto p = std::make_shared<Provider>();
  p->api = &lib->api;
  p->source = lib->libraryPath;
  return p;
}

// A replaced provider is not shut down: a sampler started on it may still be reading it,
// and NVML's init reference is cheap to keep for the life of the process.
void dropActiveLocked() { gActive.reset(); }

}  // namespace

std::shared_ptr<const Provider> activeProvider() {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gActive) return gActive;
  if (gWantSimulation) throw NvmlUnavailable(gLastFailure, gLastCode);
  try {
    gActive = initReal();
    gLastFailure.clear();
    gLastCode = NVML_SUCCESS;
  } catch (const NvmlUnavailable& e) {
    gLastFailure = e.what();
    gLastCode = e.code;
    throw;
  }
  return gActive;
}

ProviderStatus providerStatus() {
  ProviderStatus s;
  try {
    auto p = activeProvider();
    s.available = true;
    s.simulated = p->simulated;
    s.source = p->source;
  } catch (const NvmlUnavailable& e) {
    s.reason = e.what();
    s.code = e.code;
  }
  return s;
}

void useSimulation(const std::string& scenarioJson) {
  auto world = sim::loadWorld(scenarioJson);  // throws before anything changes
  std::lock_guard<std::mutex> lock(gMutex);
  dropActiveLocked();
  sim::activate(world);
  const NvmlApi& api = sim::nvmlTable();
  nvmlReturn_t rc = api.init();
  gWantSimulation = true;
  if (rc != NVML_SUCCESS) {
    gLastFailure = std::string("simulated nvmlInit failed: ") + nvmlReturnName(rc);
    gLastCode = rc;
    return;
  }
  auto p = std::make_shared<Provider>();
  p->api = &api;
  p->simulated = true;
  p->source = "simulated:" + sim::worldName(*world);
  p->world = world;
  gActive = p;
}

void useRealNvml() {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gActive && gActive->simulated) dropActiveLocked();
  gWantSimulation = false;
}

void check(const NvmlApi& api, nvmlReturn_t code, const char* function) {
  if (code == NVML_SUCCESS) return;
  const char* text = api.errorString ? api.errorString(code) : nullptr;
  throw NvmlError(code, function,
                  std::string(function) + " failed: " + nvmlReturnName(code) + (text ? std::string(" (") + text + ")" : ""));
}

}  // namespace lem
