// CUDA as the lem process sees it, without creating a context: the driver API maps CUDA
// ordinals (as CUDA_VISIBLE_DEVICES presents them) to UUIDs; the runtime gives its version.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lem {

struct CudaDevice {
  int ordinal;
  std::string uuid;                  // "GPU-..." or "MIG-..." as NVML names it
  std::optional<unsigned> nvmlIndex; // the physical GPU behind it
};

struct CudaDriverInfo {
  bool available = false;
  std::string reason;                // why unavailable
  std::string source;                // library path or "simulated"
  std::optional<int> driverVersion;  // e.g. 12040
  std::vector<CudaDevice> devices;
};

struct CudaRuntimeInfo {
  bool available = false;
  std::string reason;
  std::string library;               // the libcudart that answered
  std::optional<int> version;        // e.g. 12040
};

// Enumerates with the simulated driver when the simulated GPU is active, else libcuda.so.1
// (or LEM_CUDA_LIBRARY). Never throws: an unavailable driver is reported with the reason.
CudaDriverInfo queryCudaDriver();
CudaRuntimeInfo queryCudaRuntime();

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" body (without prefix) of 16 UUID bytes.
std::string formatUuidBody(const unsigned char bytes[16]);

}  // namespace lem
