// Native tests of the sampler against the simulated GPU (no Node, no GPU). Built by CMake,
// run under ASan+UBSan (and TSan) by test/native-sanitizers.test.ts.
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "../nvml/provider.h"
#include "../sampler/sampler.h"
#include "../sim/sim.h"

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

void sleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

std::shared_ptr<const lem::Provider> simulate(const std::string& json) {
  lem::useSimulation(json);
  return lem::activeProvider();
}

lem::SamplerOptions options(std::vector<unsigned> devices, int64_t intervalNs) {
  lem::SamplerOptions o;
  o.devices = std::move(devices);
  o.intervalNs = intervalNs;
  o.utilizationEvery = 5;
  o.ringCapacity = 4096;
  return o;
}

const char* kRamp = R"({"name":"ramp","devices":[{"name":"Sim","idleW":50,
  "energyCounterStepMs":0,"power":[{"kind":"linear","fromW":100,"toW":400,"durationS":1},
  {"kind":"constant","watts":400,"durationS":100}]}]})";

void counterEqualsTruth() {
  auto p = simulate(kRamp);
  lem::Sampler s(p, options({0}, 2'000'000));
  s.start();
  sleepMs(600);
  s.stop();
  auto st = s.deviceStatus()[0];
  double truth = lem::sim::trueEnergyJ(*p->world, 0, st.stats.firstTNs, st.stats.lastTNs);
  // Timestamps are taken just before each read, so the counter may be a few µs ahead.
  CHECK(std::fabs(st.stats.counterEnergyJ() - truth) < 0.02 + truth * 1e-4);
  CHECK(std::fabs(st.stats.integralJ - truth) / truth < 1e-3);
  CHECK(st.stats.samples > 100);
  CHECK(st.failure.failed == false);
}

void thousandStartStopCycles() {
  auto p = simulate(kRamp);
  lem::Sampler s(p, options({0}, 200'000));
  for (int i = 0; i < 1000; ++i) {
    s.start();
    s.stop();
  }
  CHECK(!s.running());
  // And 200 samplers created and destroyed while running.
  for (int i = 0; i < 200; ++i) {
    lem::Sampler t(p, options({0}, 1'000'000));
    t.start();
  }
  CHECK(true);
}

void drainDeliversEverySampleOnce() {
  auto p = simulate(kRamp);
  lem::Sampler s(p, options({0}, 1'000'000));
  s.start();
  sleepMs(150);
  std::vector<int64_t> t(8192);
  std::vector<double> pw(8192), pa(8192), e(8192), mem(8192);
  std::vector<float> temp(8192), clk(8192), ug(8192), um(8192);
  std::vector<uint32_t> thr(8192);
  std::vector<uint16_t> pres(8192);
  lem::SampleColumns cols{t.data(), pw.data(), pa.data(), e.data(), temp.data(), clk.data(), mem.data(),
                          thr.data(), ug.data(), um.data(), pres.data()};
  size_t first = s.drain(0, 8192, cols);
  int64_t lastT = first ? t[first - 1] : 0;
  sleepMs(100);
  s.stop();
  size_t second = s.drain(0, 8192, cols);
  CHECK(first > 50);
  CHECK(second > 30);
  CHECK(second == 0 || t[0] > lastT);
  CHECK(first + second == s.deviceStatus()[0].stats.samples);
  CHECK((pres[0] & lem::kPower) && (pres[0] & lem::kEnergy) && (pres[0] & lem::kTemperature));
}

void ringOverwritesOldestAndCounts() {
  auto p = simulate(kRamp);
  auto o = options({0}, 250'000);
  o.ringCapacity = 64;
  lem::Sampler s(p, o);
  s.start();
  sleepMs(100);
  s.stop();
  auto st = s.deviceStatus()[0];
  CHECK(st.dropped == st.stats.samples - 64);
  CHECK(s.pending(0) == 64);
}

void unsupportedFieldsAreAbsent() {
  auto p = simulate(R"({"name":"old","devices":[{"name":"Old","architecture":"turing",
    "unsupported":["energyCounter","instantPower","averagePower","temperature"]}]})");
  lem::Sampler s(p, options({0}, 1'000'000));
  s.start();
  sleepMs(50);
  s.stop();
  auto st = s.deviceStatus()[0];
  CHECK(std::isnan(st.stats.counterEnergyJ()));
  CHECK(st.stats.temperatureSamples == 0);
  CHECK(std::string(st.energySource) == "none");
  CHECK(st.stats.samples > 10);
}

void lostGpuIsDroppedOthersContinue() {
  auto p = simulate(R"({"name":"lost","devices":[{"name":"A"},{"name":"B",
    "errors":[{"atS":0.1,"functions":["*"],"error":"NVML_ERROR_GPU_IS_LOST"}]}]})");
  lem::Sampler s(p, options({0, 1}, 1'000'000));
  s.start();
  sleepMs(300);
  s.stop();
  auto st = s.deviceStatus();
  CHECK(!st[0].failure.failed);
  CHECK(st[1].failure.failed);
  CHECK(st[1].failure.code == NVML_ERROR_GPU_IS_LOST);
  CHECK(st[0].stats.samples > st[1].stats.samples + 100);
}

void throttleTimeMatchesEpisode() {
  auto p = simulate(R"({"name":"thr","devices":[{"name":"T",
    "throttle":[{"startS":0.1,"endS":0.3,"reasons":["SwThermalSlowdown"]}]}]})");
  lem::Sampler s(p, options({0}, 1'000'000));
  s.start();
  sleepMs(450);
  s.stop();
  auto st = s.deviceStatus()[0];
  double sec = st.stats.throttleNs[5] * 1e-9;  // bit 0x20
  CHECK(std::fabs(sec - 0.2) < 0.02);  // a few 1 ms intervals, plus a stall at an edge
  CHECK(st.stats.throttleMask == 0x20);
}

void windowsAreExactAtTheirEnds() {
  auto p = simulate(kRamp);
  lem::Sampler s(p, options({0}, 5'000'000));
  s.start();
  sleepMs(50);
  s.beginWindow("w");
  sleepMs(300);
  auto w = s.endWindow("w");
  s.stop();
  auto& d = w.devices[0];
  double truth = lem::sim::trueEnergyJ(*p->world, 0, d.stats.firstTNs, d.stats.lastTNs);
  CHECK(std::fabs(d.stats.counterEnergyJ() - truth) < 0.02 + truth * 1e-4);
  CHECK(d.stats.lastTNs - d.stats.firstTNs > 290'000'000);
  bool threw = false;
  try {
    s.endWindow("w");
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

void timingIsRecorded() {
  auto p = simulate(kRamp);
  lem::Sampler s(p, options({0}, 1'000'000));
  s.start();
  sleepMs(200);
  s.stop();
  auto t = s.timing();
  CHECK(t.ticks > 150 && t.ticks <= 202);
  CHECK(t.latenessMaxNs >= t.latenessP99Ns && t.latenessP99Ns >= t.latenessP50Ns);
  CHECK(t.threadCpuNs > 0);
}

}  // namespace

int main() {
  counterEqualsTruth();
  thousandStartStopCycles();
  drainDeliversEverySampleOnce();
  ringOverwritesOldestAndCounts();
  unsupportedFieldsAreAbsent();
  lostGpuIsDroppedOthersContinue();
  throttleTimeMatchesEpisode();
  windowsAreExactAtTheirEnds();
  timingIsRecorded();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
