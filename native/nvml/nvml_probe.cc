#include "nvml_probe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "../sampler/device_reader.h"
#include "field_value.h"
#include "../sampler/sample.h"
#include "provider.h"

namespace lem {
namespace {

// Fills `values` with the given field ids and reads them; success only if every field succeeded.
nvmlReturn_t readFields(const NvmlApi& api, nvmlDevice_t dev, const unsigned* ids, int n, nvmlFieldValue_t* values) {
  std::memset(values, 0, sizeof(nvmlFieldValue_t) * n);
  for (int i = 0; i < n; ++i) values[i].fieldId = ids[i];
  nvmlReturn_t rc = api.deviceGetFieldValues(dev, n, values);
  if (rc != NVML_SUCCESS) return rc;
  for (int i = 0; i < n; ++i)
    if (values[i].nvmlReturn != NVML_SUCCESS) return values[i].nvmlReturn;
  return NVML_SUCCESS;
}

constexpr unsigned kFieldIds[3] = {NVML_FI_DEV_POWER_INSTANT, NVML_FI_DEV_POWER_AVERAGE, NVML_FI_DEV_ENERGY};

CallLatency timeCalls(const std::string& name, bool available, uint64_t maxCalls, int64_t maxNs,
                      const std::function<nvmlReturn_t()>& call) {
  CallLatency r;
  r.function = name;
  r.available = available;
  if (!available) return r;
  std::vector<int64_t> ns;
  ns.reserve(static_cast<size_t>(std::min<uint64_t>(maxCalls, 1u << 20)));
  const int64_t start = monotonicNs();
  while (r.calls < maxCalls && monotonicNs() - start < maxNs) {
    int64_t t0 = monotonicNs();
    nvmlReturn_t rc = call();
    int64_t t1 = monotonicNs();
    ++r.calls;
    if (rc != NVML_SUCCESS) {
      if (r.failures++ == 0) r.firstError = rc;
      continue;
    }
    if (ns.size() < ns.capacity()) ns.push_back(t1 - t0);
  }
  if (ns.empty()) return r;
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (int64_t x : ns) sum += static_cast<double>(x);
  size_t n = ns.size();
  size_t p99 = std::min(n - 1, static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n))) - 1);
  r.minNs = static_cast<double>(ns.front());
  r.medianNs = static_cast<double>(ns[n / 2]);
  r.p99Ns = static_cast<double>(ns[p99]);
  r.maxNs = static_cast<double>(ns.back());
  r.meanNs = sum / static_cast<double>(n);
  return r;
}

nvmlDevice_t handleOf(const NvmlApi& api, unsigned index) {
  nvmlDevice_t dev = nullptr;
  check(api, api.deviceGetHandleByIndex(index, &dev), "nvmlDeviceGetHandleByIndex_v2");
  return dev;
}

}  // namespace

std::vector<CallLatency> measureCallLatency(const NvmlApi& api, unsigned index, uint64_t maxCalls,
                                            int64_t maxNsPerFunction) {
  nvmlDevice_t dev = handleOf(api, index);
  std::vector<CallLatency> out;
  auto add = [&](const char* name, bool available, const std::function<nvmlReturn_t()>& call) {
    out.push_back(timeCalls(name, available, maxCalls, maxNsPerFunction, call));
  };
  nvmlFieldValue_t fv[3];
  add("nvmlDeviceGetFieldValues[instant,average,energy]", api.deviceGetFieldValues != nullptr,
      [&] { return readFields(api, dev, kFieldIds, 3, fv); });
  add("nvmlDeviceGetFieldValues[instant]", api.deviceGetFieldValues != nullptr,
      [&] { return readFields(api, dev, kFieldIds, 1, fv); });
  unsigned u = 0;
  unsigned long long ull = 0;
  add("nvmlDeviceGetPowerUsage", api.deviceGetPowerUsage != nullptr, [&] { return api.deviceGetPowerUsage(dev, &u); });
  add("nvmlDeviceGetTotalEnergyConsumption", api.deviceGetTotalEnergyConsumption != nullptr,
      [&] { return api.deviceGetTotalEnergyConsumption(dev, &ull); });
  add("nvmlDeviceGetTemperature", api.deviceGetTemperature != nullptr,
      [&] { return api.deviceGetTemperature(dev, NVML_TEMPERATURE_GPU, &u); });
  add("nvmlDeviceGetClockInfo[SM]", api.deviceGetClockInfo != nullptr,
      [&] { return api.deviceGetClockInfo(dev, NVML_CLOCK_SM, &u); });
  nvmlMemory_v2_t m2;
  add("nvmlDeviceGetMemoryInfo_v2", api.deviceGetMemoryInfoV2 != nullptr, [&] {
    std::memset(&m2, 0, sizeof m2);
    m2.version = LEM_NVML_MEMORY_V2_VERSION;
    return api.deviceGetMemoryInfoV2(dev, &m2);
  });
  add("nvmlDeviceGetCurrentClocksEventReasons", api.deviceGetCurrentClocksEventReasons != nullptr,
      [&] { return api.deviceGetCurrentClocksEventReasons(dev, &ull); });
  nvmlUtilization_t util;
  add("nvmlDeviceGetUtilizationRates", api.deviceGetUtilizationRates != nullptr,
      [&] { return api.deviceGetUtilizationRates(dev, &util); });
  std::vector<nvmlProcessInfo_t> procs(64);
  add("nvmlDeviceGetComputeRunningProcesses_v3", api.deviceGetComputeRunningProcesses != nullptr, [&] {
    unsigned count = static_cast<unsigned>(procs.size());
    return api.deviceGetComputeRunningProcesses(dev, &count, procs.data());
  });
  nvmlDevice_t h = nullptr;
  add("nvmlDeviceGetHandleByIndex_v2", true, [&] { return api.deviceGetHandleByIndex(index, &h); });
  // A whole tick of lem's sampler on this device, utilisation included (its slowest tick).
  DeviceReader reader(api, index);
  add("sampler tick (all readings)", !reader.probeFailure().failed, [&]() -> nvmlReturn_t {
    DeviceSample s;
    DeviceFailure failure;
    uint64_t readErrors = 0;
    if (!reader.read(s, true, failure, readErrors)) return failure.code;
    return readErrors ? nvmlReturn_t{NVML_ERROR_UNKNOWN} : nvmlReturn_t{NVML_SUCCESS};
  });
  return out;
}

std::vector<ReadingChanges> pollReadingChanges(const NvmlApi& api, unsigned index, int64_t durationNs,
                                               size_t maxChanges) {
  nvmlDevice_t dev = handleOf(api, index);
  std::vector<ReadingChanges> out(5);
  const char* names[5] = {"field:instant", "field:average", "field:energy", "powerUsage", "totalEnergy"};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].reading = names[i];
    out[i].tNs.reserve(maxChanges);
    out[i].value.reserve(maxChanges);
    if (i < 3) {
      out[i].fieldTimestampUs.reserve(maxChanges);
      out[i].fieldLatencyUs.reserve(maxChanges);
    }
  }
  // Which readings work: each field on its own, so one unsupported field does not hide the others.
  nvmlFieldValue_t fv[3];
  unsigned ids[3];
  int nFields = 0;
  int slot[3] = {-1, -1, -1};  // position of field i in the combined call
  for (int i = 0; i < 3; ++i) {
    nvmlReturn_t rc = api.deviceGetFieldValues ? readFields(api, dev, &kFieldIds[i], 1, fv) : NVML_ERROR_FUNCTION_NOT_FOUND;
    out[i].available = rc == NVML_SUCCESS;
    out[i].error = rc;
    if (rc == NVML_SUCCESS) {
      slot[i] = nFields;
      ids[nFields++] = kFieldIds[i];
    }
  }
  unsigned mw = 0;
  unsigned long long mj = 0;
  nvmlReturn_t rc = api.deviceGetPowerUsage ? api.deviceGetPowerUsage(dev, &mw) : NVML_ERROR_FUNCTION_NOT_FOUND;
  out[3].available = rc == NVML_SUCCESS;
  out[3].error = rc;
  rc = api.deviceGetTotalEnergyConsumption ? api.deviceGetTotalEnergyConsumption(dev, &mj) : NVML_ERROR_FUNCTION_NOT_FOUND;
  out[4].available = rc == NVML_SUCCESS;
  out[4].error = rc;

  std::vector<int64_t> lastTimestamp(3, INT64_MIN);
  auto record = [&](size_t i, int64_t t, double v, const nvmlFieldValue_t* f) {
    ReadingChanges& r = out[i];
    ++r.reads;
    if (f && f->timestamp != lastTimestamp[i]) {
      if (lastTimestamp[i] != INT64_MIN) ++r.timestampChanges;
      lastTimestamp[i] = f->timestamp;
    }
    if (!r.value.empty() && r.value.back() == v) return;
    if (r.value.size() >= maxChanges) {
      r.truncated = true;
      return;
    }
    r.tNs.push_back(t);
    r.value.push_back(v);
    if (f) {
      r.fieldTimestampUs.push_back(f->timestamp);
      r.fieldLatencyUs.push_back(f->latencyUsec);
    }
  };
  const int64_t end = monotonicNs() + durationNs;
  for (int64_t t = monotonicNs(); t < end; t = monotonicNs()) {
    if (nFields > 0) {
      if (readFields(api, dev, ids, nFields, fv) == NVML_SUCCESS) {
        for (size_t i = 0; i < 3; ++i)
          if (slot[i] >= 0) record(i, t, fieldAsDouble(fv[slot[i]]), &fv[slot[i]]);
      } else {
        for (int i = 0; i < 3; ++i)
          if (slot[i] >= 0) ++out[i].failures, ++out[i].reads;
      }
    }
    if (out[3].available) {
      int64_t t3 = monotonicNs();
      if (api.deviceGetPowerUsage(dev, &mw) == NVML_SUCCESS) record(3, t3, mw, nullptr);
      else ++out[3].failures, ++out[3].reads;
    }
    if (out[4].available) {
      int64_t t4 = monotonicNs();
      if (api.deviceGetTotalEnergyConsumption(dev, &mj) == NVML_SUCCESS) record(4, t4, static_cast<double>(mj), nullptr);
      else ++out[4].failures, ++out[4].reads;
    }
  }
  return out;
}

}  // namespace lem
