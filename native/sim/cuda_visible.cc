#include "cuda_visible.h"

#include <algorithm>

namespace lem::sim {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Entry -> device, or false when CUDA would stop parsing here.
bool resolveEntry(const World& world, const std::string& entry, CudaDeviceRef* out) {
  const auto& order = world.scenario.cudaOrder;
  if (allDigits(entry)) {
    if (entry.size() > 9) return false;
    unsigned long i = std::stoul(entry);
    if (i >= order.size()) return false;
    *out = {order[i], -1};
    return true;
  }
  bool gpu = entry.compare(0, 4, "GPU-") == 0;
  bool mig = entry.compare(0, 4, "MIG-") == 0;
  if ((!gpu && !mig) || entry.size() <= 4) return false;
  int matches = 0;
  for (const auto& d : world.devices) {
    if (gpu && d->spec.uuid.compare(0, entry.size(), entry) == 0) {
      *out = {d->index, -1};
      ++matches;
    }
    for (size_t k = 0; mig && k < d->spec.migUuids.size(); ++k) {
      if (d->spec.migUuids[k].compare(0, entry.size(), entry) == 0) {
        *out = {d->index, static_cast<int>(k)};
        ++matches;
      }
    }
  }
  return matches == 1;  // an ambiguous prefix is invalid
}

}  // namespace

std::vector<CudaDeviceRef> cudaVisibleDevices(const World& world, const char* visible) {
  std::vector<CudaDeviceRef> picked;
  if (visible == nullptr) {
    for (unsigned i : world.scenario.cudaOrder) picked.push_back({i, -1});
  } else {
    std::string list = visible;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string entry = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      CudaDeviceRef ref;
      if (!resolveEntry(world, entry, &ref)) break;
      bool repeated = std::any_of(picked.begin(), picked.end(), [&](const CudaDeviceRef& p) {
        return p.nvmlIndex == ref.nvmlIndex && p.migInstance == ref.migInstance;
      });
      if (repeated) break;
      picked.push_back(ref);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::vector<CudaDeviceRef> result;
  for (CudaDeviceRef ref : picked) {
    const DeviceSpec& spec = world.devices[ref.nvmlIndex]->spec;
    if (spec.migEnabled && ref.migInstance < 0) {
      if (spec.migUuids.empty()) continue;
      ref.migInstance = 0;
    }
    bool repeated = std::any_of(result.begin(), result.end(), [&](const CudaDeviceRef& p) {
      return p.nvmlIndex == ref.nvmlIndex && p.migInstance == ref.migInstance;
    });
    if (!repeated) result.push_back(ref);
  }
  return result;
}

void uuidBytes(const std::string& uuid, unsigned char out[16]) {
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  unsigned n = 0;
  std::fill(out, out + 16, 0);
  for (size_t i = 4; i < uuid.size() && n < 32; ++i) {
    if (uuid[i] == '-') continue;
    out[n / 2] = static_cast<unsigned char>(out[n / 2] | (nibble(uuid[i]) << (n % 2 ? 0 : 4)));
    ++n;
  }
}

}  // namespace lem::sim
