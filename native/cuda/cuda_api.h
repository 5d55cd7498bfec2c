// Minimal declarations of the CUDA driver API (libcuda.so.1) lem uses: enumerate devices
// and read their UUIDs, never creating a context. Filled by the dlopen loader or the simulator.
#pragma once

extern "C" {
typedef int CUresult;
typedef int CUdevice;
typedef struct {
  char bytes[16];
} CUuuid;
}

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_NOT_INITIALIZED = 3;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_INVALID_DEVICE = 101;

namespace lem {

struct CudaDriverApi {
  CUresult (*init)(unsigned) = nullptr;
  CUresult (*driverGetVersion)(int*) = nullptr;
  CUresult (*deviceGetCount)(int*) = nullptr;
  CUresult (*deviceGet)(CUdevice*, int) = nullptr;
  CUresult (*deviceGetUuid)(CUuuid*, CUdevice) = nullptr;  // _v2 when present (MIG-aware)
  CUresult (*getErrorName)(CUresult, const char**) = nullptr;  // optional
};

}  // namespace lem
