#include "cuda_loader.h"

#include <dlfcn.h>
#include <link.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "../nvml/device_info.h"
#include "../nvml/provider.h"
#include "../sim/sim.h"
#include "cuda_api.h"

namespace lem {
namespace {

std::string libraryPathOf(void* handle, const char* fallback) {
  struct link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) return map->l_name;
  return fallback;
}

struct LoadedCuda {
  CudaDriverApi api;
  std::string path;
  std::string failure;
};

const LoadedCuda& realDriver() {
  static LoadedCuda loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* override = std::getenv("LEM_CUDA_LIBRARY");
    std::string name = (override && *override) ? override : "libcuda.so.1";
    void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* why = dlerror();
      loaded.failure = "cannot load " + name + " (" + (why ? why : "unknown dlopen error") + ")";
      return;
    }
    loaded.path = libraryPathOf(h, name.c_str());
    CudaDriverApi& a = loaded.api;
    a.init = reinterpret_cast<CUresult (*)(unsigned)>(dlsym(h, "cuInit"));
    a.driverGetVersion = reinterpret_cast<CUresult (*)(int*)>(dlsym(h, "cuDriverGetVersion"));
    a.deviceGetCount = reinterpret_cast<CUresult (*)(int*)>(dlsym(h, "cuDeviceGetCount"));
    a.deviceGet = reinterpret_cast<CUresult (*)(CUdevice*, int)>(dlsym(h, "cuDeviceGet"));
    // _v2 returns MIG instance UUIDs for MIG devices; the old one the parent's.
    void* uuid = dlsym(h, "cuDeviceGetUuid_v2");
    if (!uuid) uuid = dlsym(h, "cuDeviceGetUuid");
    a.deviceGetUuid = reinterpret_cast<CUresult (*)(CUuuid*, CUdevice)>(uuid);
    a.getErrorName = reinterpret_cast<CUresult (*)(CUresult, const char**)>(dlsym(h, "cuGetErrorName"));
    if (!a.init || !a.deviceGetCount || !a.deviceGet || !a.deviceGetUuid) {
      loaded.failure = loaded.path + " lacks cuInit/cuDeviceGetCount/cuDeviceGet/cuDeviceGetUuid";
    }
  });
  return loaded;
}

std::string cuErrorText(const CudaDriverApi& api, CUresult rc) {
  const char* name = nullptr;
  if (api.getErrorName && api.getErrorName(rc, &name) == CUDA_SUCCESS && name) return name;
  return "CUresult " + std::to_string(rc);
}

}  // namespace

std::string formatUuidBody(const unsigned char b[16]) {
  char out[40];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

CudaDriverInfo queryCudaDriver() {
  CudaDriverInfo info;
  std::shared_ptr<const Provider> provider;
  try {
    provider = activeProvider();
  } catch (const NvmlUnavailable&) {
    // CUDA can still be enumerated; UUIDs just cannot be mapped to NVML devices.
  }
  const CudaDriverApi* api = nullptr;
  if (provider && provider->simulated) {
    api = &sim::cudaTable();
    info.source = "simulated";
  } else {
    const LoadedCuda& real = realDriver();
    if (!real.failure.empty()) {
      info.reason = real.failure;
      return info;
    }
    api = &real.api;
    info.source = real.path;
  }
  CUresult rc = api->init(0);
  if (rc != CUDA_SUCCESS) {
    info.reason = "cuInit failed: " + cuErrorText(*api, rc);
    return info;
  }
  int version = 0;
  if (api->driverGetVersion && api->driverGetVersion(&version) == CUDA_SUCCESS) info.driverVersion = version;
  int count = 0;
  rc = api->deviceGetCount(&count);
  if (rc != CUDA_SUCCESS) {
    info.reason = "cuDeviceGetCount failed: " + cuErrorText(*api, rc);
    return info;
  }
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    CUdevice dev = 0;
    CUuuid uuid;
    if (api->deviceGet(&dev, ordinal) != CUDA_SUCCESS || api->deviceGetUuid(&uuid, dev) != CUDA_SUCCESS) {
      info.reason = "cannot read the UUID of CUDA device " + std::to_string(ordinal);
      return info;
    }
    std::string body = formatUuidBody(reinterpret_cast<const unsigned char*>(uuid.bytes));
    CudaDevice d{ordinal, "GPU-" + body, std::nullopt};
    if (provider) {
      d.nvmlIndex = indexForUuid(*provider->api, d.uuid);
      if (!d.nvmlIndex) {
        std::optional<unsigned> mig = indexForUuid(*provider->api, "MIG-" + body);
        if (mig) {
          d.uuid = "MIG-" + body;
          d.nvmlIndex = mig;
        }
      }
    }
    info.devices.push_back(d);
  }
  info.available = true;
  return info;
}

CudaRuntimeInfo queryCudaRuntime() {
  CudaRuntimeInfo info;
  std::string tried;
  for (const char* name : {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"}) {
    void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      tried += (tried.empty() ? "" : ", ") + std::string(name);
      continue;
    }
    auto getVersion = reinterpret_cast<int (*)(int*)>(dlsym(h, "cudaRuntimeGetVersion"));
    info.library = libraryPathOf(h, name);
    int v = 0;
    if (getVersion && getVersion(&v) == 0) {
      info.available = true;
      info.version = v;
    } else {
      info.reason = info.library + " has no working cudaRuntimeGetVersion";
    }
    // Kept loaded: unloading a CUDA runtime can run teardown code that is not ours to trigger.
    return info;
  }
  info.reason = "no CUDA runtime library found (tried " + tried + ")";
  return info;
}

}  // namespace lem
