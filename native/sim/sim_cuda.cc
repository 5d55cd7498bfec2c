// The CUDA driver functions of the simulated GPU (lem::CudaDriverApi). One deliberate
// difference from libcuda: CUDA_VISIBLE_DEVICES is read again at each enumeration call
// (libcuda reads it once, at cuInit), so tests can change it within one process.
#include <cstdlib>
#include <cstring>

#include "cuda_visible.h"
#include "sim.h"
#include "world.h"

namespace lem::sim {

namespace {

std::vector<CudaDeviceRef> visibleNow(const World& world) {
  return cudaVisibleDevices(world, std::getenv("CUDA_VISIBLE_DEVICES"));
}

// The active world once cuInit succeeded on it, else nullptr.
std::shared_ptr<World> initializedWorld() {
  auto world = active();
  if (!world || !world->cudaInitialized.load()) return nullptr;
  return world;
}

CUresult simCuInit(unsigned flags) {
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  auto world = active();
  if (!world || !world->scenario.cudaAvailable || visibleNow(*world).empty()) return CUDA_ERROR_NO_DEVICE;
  world->cudaInitialized.store(true);
  return CUDA_SUCCESS;
}

CUresult simCuDriverGetVersion(int* version) {
  if (version == nullptr) return CUDA_ERROR_INVALID_VALUE;
  auto world = active();
  if (!world) return CUDA_ERROR_NOT_INITIALIZED;
  *version = world->scenario.cudaDriverVersion;  // like libcuda, works before cuInit
  return CUDA_SUCCESS;
}

CUresult simCuDeviceGetCount(int* count) {
  if (count == nullptr) return CUDA_ERROR_INVALID_VALUE;
  auto world = initializedWorld();
  if (!world) return CUDA_ERROR_NOT_INITIALIZED;
  *count = static_cast<int>(visibleNow(*world).size());
  return CUDA_SUCCESS;
}

CUresult simCuDeviceGet(CUdevice* device, int ordinal) {
  if (device == nullptr) return CUDA_ERROR_INVALID_VALUE;
  auto world = initializedWorld();
  if (!world) return CUDA_ERROR_NOT_INITIALIZED;
  if (ordinal < 0 || static_cast<size_t>(ordinal) >= visibleNow(*world).size()) return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult simCuDeviceGetUuid(CUuuid* uuid, CUdevice device) {
  if (uuid == nullptr) return CUDA_ERROR_INVALID_VALUE;
  auto world = initializedWorld();
  if (!world) return CUDA_ERROR_NOT_INITIALIZED;
  auto visible = visibleNow(*world);
  if (device < 0 || static_cast<size_t>(device) >= visible.size()) return CUDA_ERROR_INVALID_DEVICE;
  const CudaDeviceRef& ref = visible[static_cast<size_t>(device)];
  const DeviceSpec& spec = world->devices[ref.nvmlIndex]->spec;
  unsigned char bytes[16];
  uuidBytes(ref.migInstance >= 0 ? spec.migUuids[ref.migInstance] : spec.uuid, bytes);
  std::memcpy(uuid->bytes, bytes, 16);
  return CUDA_SUCCESS;
}

CUresult simCuGetErrorName(CUresult code, const char** name) {
  if (name == nullptr) return CUDA_ERROR_INVALID_VALUE;
  switch (code) {
    case CUDA_SUCCESS: *name = "CUDA_SUCCESS"; return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
    case CUDA_ERROR_NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; return CUDA_SUCCESS;
    case CUDA_ERROR_NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; return CUDA_SUCCESS;
    default: *name = nullptr; return CUDA_ERROR_INVALID_VALUE;
  }
}

CudaDriverApi makeTable() {
  CudaDriverApi t;
  t.init = simCuInit;
  t.driverGetVersion = simCuDriverGetVersion;
  t.deviceGetCount = simCuDeviceGetCount;
  t.deviceGet = simCuDeviceGet;
  t.deviceGetUuid = simCuDeviceGetUuid;
  t.getErrorName = simCuGetErrorName;
  return t;
}

}  // namespace

const CudaDriverApi& cudaTable() {
  static const CudaDriverApi table = makeTable();
  return table;
}

}  // namespace lem::sim
