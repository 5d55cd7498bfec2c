// lem's own minimal declarations of the NVML ABI (never nvml.h): only the types,
// constants and functions lem uses, written from the public header's documented facts.
#pragma once

#include <cstdint>

extern "C" {

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;

// nvmlReturn_t values.
enum : int {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_ALREADY_INITIALIZED = 5,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_INSUFFICIENT_POWER = 8,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_TIMEOUT = 10,
  NVML_ERROR_IRQ_ISSUE = 11,
  NVML_ERROR_LIBRARY_NOT_FOUND = 12,
  NVML_ERROR_FUNCTION_NOT_FOUND = 13,
  NVML_ERROR_CORRUPTED_INFOROM = 14,
  NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_RESET_REQUIRED = 16,
  NVML_ERROR_OPERATING_SYSTEM = 17,
  NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
  NVML_ERROR_IN_USE = 19,
  NVML_ERROR_MEMORY = 20,
  NVML_ERROR_NO_DATA = 21,
  NVML_ERROR_VGPU_ECC_NOT_ENABLED = 22,
  NVML_ERROR_INSUFFICIENT_RESOURCES = 23,
  NVML_ERROR_FREQ_NOT_SUPPORTED = 24,
  NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
  NVML_ERROR_DEPRECATED = 26,
  NVML_ERROR_NOT_READY = 27,
  NVML_ERROR_GPU_NOT_FOUND = 28,
  NVML_ERROR_INVALID_STATE = 29,
  NVML_ERROR_UNKNOWN = 999,
};

// Buffer sizes the header guarantees to be large enough.
enum : unsigned {
  NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96,
  NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96,
  NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE = 32,
  NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE = 16,
  NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80,
  NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE = 80,
};

typedef struct {
  char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
} nvmlPciInfo_t;

typedef struct {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

// v2 adds `reserved` and counts it in `used`.
typedef struct {
  unsigned int version;
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_v2_t;
#define LEM_NVML_MEMORY_V2_VERSION ((unsigned int)(sizeof(nvmlMemory_v2_t) | (2u << 24)))

typedef struct {
  unsigned int gpu;
  unsigned int memory;
} nvmlUtilization_t;

typedef enum {
  NVML_VALUE_TYPE_DOUBLE = 0,
  NVML_VALUE_TYPE_UNSIGNED_INT = 1,
  NVML_VALUE_TYPE_UNSIGNED_LONG = 2,
  NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3,
  NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4,
  NVML_VALUE_TYPE_SIGNED_INT = 5,
  NVML_VALUE_TYPE_UNSIGNED_SHORT = 6,
} nvmlValueType_t;

typedef union {
  double dVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  long long sllVal;
  int siVal;
  unsigned short usVal;
} nvmlValue_t;

typedef struct {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;    // µs since 1970 (CPU clock)
  long long latencyUsec;  // how long the value took to update inside NVML
  nvmlValueType_t valueType;
  nvmlReturn_t nvmlReturn;
  nvmlValue_t value;
} nvmlFieldValue_t;

// Layout of nvmlProcessInfo_t for the _v2 and _v3 entry points.
typedef struct {
  unsigned int pid;
  unsigned long long usedGpuMemory;  // bytes; NVML_VALUE_NOT_AVAILABLE when unknown
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
} nvmlProcessInfo_t;

// Layout of the unversioned (v1) entry point.
typedef struct {
  unsigned int pid;
  unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

}  // extern "C"

// Field ids (nvmlDeviceGetFieldValues).
constexpr unsigned NVML_FI_DEV_POWER_AVERAGE = 185;  // 1 s average
constexpr unsigned NVML_FI_DEV_POWER_INSTANT = 186;  // instantaneous
constexpr unsigned NVML_FI_DEV_ENERGY = 191;         // mJ since driver load

constexpr unsigned NVML_POWER_SCOPE_GPU = 0;
constexpr int NVML_TEMPERATURE_GPU = 0;
constexpr int NVML_CLOCK_SM = 1;
constexpr unsigned long long NVML_VALUE_NOT_AVAILABLE_ULL = ~0ULL;

// nvmlDeviceArchitecture_t values.
constexpr unsigned NVML_DEVICE_ARCH_KEPLER = 2;
constexpr unsigned NVML_DEVICE_ARCH_MAXWELL = 3;
constexpr unsigned NVML_DEVICE_ARCH_PASCAL = 4;
constexpr unsigned NVML_DEVICE_ARCH_VOLTA = 5;
constexpr unsigned NVML_DEVICE_ARCH_TURING = 6;
constexpr unsigned NVML_DEVICE_ARCH_AMPERE = 7;
constexpr unsigned NVML_DEVICE_ARCH_ADA = 8;
constexpr unsigned NVML_DEVICE_ARCH_HOPPER = 9;
constexpr unsigned NVML_DEVICE_ARCH_BLACKWELL = 10;

// Clock event (throttle) reason bits.
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_GPU_IDLE = 0x1ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_APPLICATIONS_CLOCKS_SETTING = 0x2ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_SW_POWER_CAP = 0x4ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_HW_SLOWDOWN = 0x8ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_SYNC_BOOST = 0x10ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_SW_THERMAL_SLOWDOWN = 0x20ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_HW_THERMAL_SLOWDOWN = 0x40ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_HW_POWER_BRAKE_SLOWDOWN = 0x80ULL;
constexpr unsigned long long NVML_CLOCKS_EVENT_REASON_DISPLAY_CLOCK_SETTING = 0x100ULL;
