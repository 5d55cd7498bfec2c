// Native tests of the NVML probe (call latency, reading changes) against the simulated GPU,
// whose update periods are set by the scenario. Run under sanitizers by
// test/native-sanitizers.test.ts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../nvml/nvml_error.h"
#include "../nvml/nvml_probe.h"
#include "../nvml/provider.h"

namespace {

int passed = 0, failed = 0;
#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      ++passed;                                                              \
    } else {                                                                 \
      ++failed;                                                              \
      std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                        \
  } while (0)

// Instant power rises steadily (a new value at every 50 ms update), the counter steps every 100 ms.
const char* kRamp = R"({"name":"ramp","devices":[{"name":"NVIDIA H100 80GB HBM3","idleW":50,
  "powerUpdateMs":50,"energyCounterStepMs":100,
  "power":[{"kind":"linear","fromW":100,"toW":400,"durationS":60}]}]})";

const char* kNoFields = R"({"name":"nofields","devices":[{"name":"NVIDIA H100 80GB HBM3","idleW":50,
  "unsupported":["instantPower","averagePower"]}]})";

const lem::ReadingChanges* find(const std::vector<lem::ReadingChanges>& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r.reading == name) return &r;
  return nullptr;
}

void latencyTimesEveryFunctionLemUses() {
  lem::useSimulation(kRamp);
  auto p = lem::activeProvider();
  auto rows = lem::measureCallLatency(*p->api, 0, 500, 1'000'000'000);
  CHECK(rows.size() == 12);
  for (const auto& r : rows) {
    CHECK(r.available);
    CHECK(r.calls == 500);
    CHECK(r.failures == 0);
    CHECK(r.minNs > 0 && r.minNs <= r.medianNs && r.medianNs <= r.p99Ns && r.p99Ns <= r.maxNs);
  }
  CHECK(rows.front().function == "nvmlDeviceGetFieldValues[instant,average,energy]");
  CHECK(rows.back().function == "sampler tick (all readings)");
}

void latencyStopsAtItsTimeLimit() {
  lem::useSimulation(kRamp);
  auto p = lem::activeProvider();
  auto rows = lem::measureCallLatency(*p->api, 0, 1'000'000'000ULL, 2'000'000);  // 2 ms each
  for (const auto& r : rows) CHECK(r.calls > 0 && r.calls < 1'000'000'000ULL);
}

void latencyCountsFailuresOfUnsupportedCalls() {
  lem::useSimulation(kNoFields);
  auto p = lem::activeProvider();
  auto rows = lem::measureCallLatency(*p->api, 0, 100, 1'000'000'000);
  const auto& fields = rows.front();
  CHECK(fields.calls == 100 && fields.failures == 100);
  CHECK(fields.firstError == NVML_ERROR_NOT_SUPPORTED);
  CHECK(fields.medianNs == 0);
}

void pollSeesTheScenarioUpdatePeriods() {
  lem::useSimulation(kRamp);
  auto p = lem::activeProvider();
  auto rows = lem::pollReadingChanges(*p->api, 0, 1'000'000'000, 100000);
  CHECK(rows.size() == 5);
  const auto* instant = find(rows, "field:instant");
  const auto* counter = find(rows, "totalEnergy");
  const auto* energyField = find(rows, "field:energy");
  CHECK(instant && counter && energyField);
  if (!instant || !counter || !energyField) return;
  CHECK(instant->available && instant->reads > 1000);
  // 1 s of polling: 20 instant updates and 10 counter steps (plus the first read). A poll
  // descheduled for longer than a period (a loaded machine, sanitizers) sees fewer, never more.
  std::fprintf(stderr, "changes: instant %zu, counter %zu, energy field %zu\n", instant->value.size(),
               counter->value.size(), energyField->value.size());
  CHECK(instant->value.size() >= 5 && instant->value.size() <= 22);
  CHECK(counter->value.size() >= 3 && counter->value.size() <= 12);
  CHECK(energyField->value.size() >= 3 && energyField->value.size() <= 12);
  // Each change is a whole number of 50 ms updates of the ramp (5 W/s: 250 mW per update).
  for (size_t i = 1; i < instant->value.size(); ++i) {
    double steps = (instant->value[i] - instant->value[i - 1]) / 250.0;
    CHECK(steps >= 0.99 && std::fabs(steps - std::round(steps)) < 0.01);
  }
  CHECK(instant->fieldTimestampUs.size() == instant->value.size());
  CHECK(counter->fieldTimestampUs.empty());
  for (size_t i = 1; i < counter->value.size(); ++i) CHECK(counter->value[i] > counter->value[i - 1]);
  for (size_t i = 1; i < instant->tNs.size(); ++i) CHECK(instant->tNs[i] > instant->tNs[i - 1]);
}

void pollKeepsAtMostMaxChanges() {
  lem::useSimulation(kRamp);
  auto p = lem::activeProvider();
  auto rows = lem::pollReadingChanges(*p->api, 0, 300'000'000, 3);
  const auto* instant = find(rows, "field:instant");
  CHECK(instant && instant->value.size() == 3 && instant->truncated);
}

void pollMarksUnsupportedReadings() {
  lem::useSimulation(kNoFields);
  auto p = lem::activeProvider();
  auto rows = lem::pollReadingChanges(*p->api, 0, 50'000'000, 1000);
  const auto* instant = find(rows, "field:instant");
  const auto* usage = find(rows, "powerUsage");
  CHECK(instant && !instant->available && instant->error == NVML_ERROR_NOT_SUPPORTED && instant->reads == 0);
  CHECK(usage && usage->available && usage->reads > 10);
}

void badIndexThrowsNvmlError() {
  lem::useSimulation(kRamp);
  auto p = lem::activeProvider();
  bool threw = false;
  try {
    lem::measureCallLatency(*p->api, 7, 10, 1'000'000);
  } catch (const lem::NvmlError& e) {
    threw = e.function == "nvmlDeviceGetHandleByIndex_v2";
  }
  CHECK(threw);
}

}  // namespace

int main() {
  latencyTimesEveryFunctionLemUses();
  latencyStopsAtItsTimeLimit();
  latencyCountsFailuresOfUnsupportedCalls();
  pollSeesTheScenarioUpdatePeriods();
  pollKeepsAtMostMaxChanges();
  pollMarksUnsupportedReadings();
  badIndexThrowsNvmlError();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
