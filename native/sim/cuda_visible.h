// CUDA's view of the simulated devices: the scenario's CUDA order filtered by
// CUDA_VISIBLE_DEVICES.
#pragma once

#include <string>
#include <vector>

#include "world.h"

namespace lem::sim {

struct CudaDeviceRef {
  unsigned nvmlIndex = 0;
  int migInstance = -1;  // -1: the whole GPU
};

// Parses `visible` (nullptr = unset) the way CUDA does: comma-separated entries, each a
// decimal index into the CUDA order, or a GPU-/MIG- UUID or unique prefix of one; parsing
// stops silently at the first invalid or repeated entry. A MIG-enabled GPU shows as its
// first MIG instance (CUDA enumerates one MIG instance per process), or not at all when it
// has none.
std::vector<CudaDeviceRef> cudaVisibleDevices(const World& world, const char* visible);

// 16 raw bytes from a "GPU-"/"MIG-" UUID's hex digits.
void uuidBytes(const std::string& uuid, unsigned char out[16]);

}  // namespace lem::sim
