#include "sampler.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace lem {
namespace {

constexpr int64_t kMinIntervalNs = 200'000;           // 0.2 ms
constexpr int64_t kMaxIntervalNs = 10'000'000'000LL;  // 10 s

timespec toTimespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = ns / 1000000000LL;
  ts.tv_nsec = ns % 1000000000LL;
  return ts;
}

int64_t threadCpuNs(pthread_t thread) {
  clockid_t cid;
  timespec ts;
  if (pthread_getcpuclockid(thread, &cid) != 0 || clock_gettime(cid, &ts) != 0) return -1;
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace

Sampler::Sampler(std::shared_ptr<const Provider> provider, SamplerOptions options)
    : provider_(std::move(provider)), options_(std::move(options)) {
  if (options_.intervalNs < kMinIntervalNs || options_.intervalNs > kMaxIntervalNs)
    throw std::invalid_argument("sampling interval must be between 0.2 ms and 10 s");
  // No devices is allowed: the bare loop measures the machine's own scheduling floor.
  if (options_.ringCapacity < 16) options_.ringCapacity = 16;
  if (options_.utilizationEvery == 0) options_.utilizationEvery = 1;
  const size_t n = options_.devices.size();
  for (unsigned index : options_.devices) readers_.push_back(std::make_unique<DeviceReader>(*provider_->api, index));
  rings_.reserve(n);
  for (size_t d = 0; d < n; ++d) rings_.emplace_back(options_.ringCapacity);
  readCursor_.assign(n, 0);
  dropped_.assign(n, 0);
  runStats_.assign(n, RunningStats());
  readErrors_.assign(n, 0);
  failures_.resize(n);
  for (size_t d = 0; d < n; ++d) failures_[d] = readers_[d]->probeFailure();
  timing_.intervalNs = options_.intervalNs;
}

Sampler::~Sampler() { stop(); }

void Sampler::start() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (running_.load()) throw std::logic_error("sampler is already running");
  stopFd_ = eventfd(0, EFD_CLOEXEC);
  timerFd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  readyFd_ = eventfd(0, EFD_CLOEXEC);
  if (stopFd_ < 0 || timerFd_ < 0 || readyFd_ < 0) {
    for (int* fd : {&stopFd_, &timerFd_, &readyFd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
    throw std::runtime_error("cannot create the sampler's timer");
  }
  for (auto& s : runStats_) s = RunningStats();
  std::fill(readErrors_.begin(), readErrors_.end(), 0);
  lateness_ = LatenessHistogram();
  timing_ = TimingStats();
  timing_.intervalNs = options_.intervalNs;
  timing_.startedTNs = monotonicNs();
  running_.store(true);
  thread_ = std::thread([this] { loop(); });
  lock.unlock();
  uint64_t ready = 0;
  while (read(readyFd_, &ready, sizeof ready) < 0 && errno == EINTR) {
  }
}

void Sampler::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t ignored = write(stopFd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  close(stopFd_);
  close(timerFd_);
  close(readyFd_);
  stopFd_ = timerFd_ = readyFd_ = -1;
  running_.store(false);
}

void Sampler::signalReady() {
  uint64_t one = 1;
  ssize_t ignored = write(readyFd_, &one, sizeof one);
  (void)ignored;
}

void Sampler::loop() {
  prctl(PR_SET_NAME, "lem-sampler", 0, 0, 0);
  // The default 50 µs timer slack would be a quarter of a 0.2 ms interval.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  const size_t n = readers_.size();
  std::vector<DeviceSample> samples(n);
  std::vector<bool> ok(n);
  std::vector<DeviceFailure> newFailures(n);
  std::vector<uint64_t> errors(n);
  std::vector<bool> active(n);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t d = 0; d < n; ++d) active[d] = !failures_[d].failed;
  }
  const int64_t interval = options_.intervalNs;
  int64_t deadline = monotonicNs();
  uint64_t tick = 0;
  pollfd fds[2] = {{stopFd_, POLLIN, 0}, {timerFd_, POLLIN, 0}};

  for (;;) {
    itimerspec spec{};
    spec.it_value = toTimespec(deadline);
    timerfd_settime(timerFd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    int rc = poll(fds, 2, -1);
    if (rc < 0) continue;  // EINTR
    if (fds[0].revents & POLLIN) break;
    if (fds[1].revents & POLLIN) {
      uint64_t expirations;
      ssize_t ignored = read(timerFd_, &expirations, sizeof expirations);
      (void)ignored;
    }
    const int64_t wokeNs = monotonicNs();
    const bool withUtil = tick % options_.utilizationEvery == 0;
    for (size_t d = 0; d < n; ++d) {
      ok[d] = false;
      errors[d] = 0;
      if (!active[d]) continue;
      ok[d] = readers_[d]->read(samples[d], withUtil, newFailures[d], errors[d]);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const uint64_t late = static_cast<uint64_t>(std::max<int64_t>(0, wokeNs - deadline));
      lateness_.add(late);
      if (late <= 1'000'000) ++timing_.ticksWithin1ms;
      if (++timing_.ticks == 1) signalReady();
      for (size_t d = 0; d < n; ++d) {
        if (!active[d]) continue;
        readErrors_[d] += errors[d];
        if (!ok[d]) {
          failures_[d] = newFailures[d];  // recorded, and the device leaves the loop
          active[d] = false;
          continue;
        }
        const double maxW = readers_[d]->maxPlausiblePowerW();
        rings_[d].push(samples[d]);
        runStats_[d].add(samples[d], maxW);
        for (Window& w : windows_) w.stats[d].add(samples[d], maxW);
      }
    }
    ++tick;
    deadline += interval;
    const int64_t now = monotonicNs();
    if (now - deadline >= interval) {
      // After a stall, deadlines a whole interval or more in the past are skipped (counted as
      // missed), not caught up in a burst; the most recent one is served at once, late.
      const int64_t missed = (now - deadline) / interval;
      deadline += missed * interval;
      std::lock_guard<std::mutex> lock(mutex_);
      timing_.missedDeadlines += static_cast<uint64_t>(missed);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  timing_.stoppedTNs = monotonicNs();
  if (timing_.ticks == 0) signalReady();
  timespec cpu;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  timing_.threadCpuNs = static_cast<int64_t>(cpu.tv_sec) * 1000000000LL + cpu.tv_nsec;
}

size_t Sampler::pending(size_t d) {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t written = rings_[d].written();
  return static_cast<size_t>(std::min<uint64_t>(written - readCursor_[d], rings_[d].capacity()));
}

size_t Sampler::drain(size_t d, size_t max, const SampleColumns& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  SampleRing& ring = rings_[d];
  const uint64_t written = ring.written();
  if (written - readCursor_[d] > ring.capacity()) {
    dropped_[d] += written - readCursor_[d] - ring.capacity();
    readCursor_[d] = written - ring.capacity();
  }
  const size_t n = static_cast<size_t>(std::min<uint64_t>(written - readCursor_[d], max));
  ring.copyOut(readCursor_[d], n, out);
  readCursor_[d] += n;
  return n;
}

DeviceStatus Sampler::statusOf(size_t d, const RunningStats& stats) const {
  DeviceStatus s;
  s.index = readers_[d]->index();
  s.uuid = readers_[d]->uuid();
  s.stats = stats;
  s.failure = failures_[d];
  s.readErrors = readErrors_[d];
  const uint64_t behind = rings_[d].written() - readCursor_[d];
  s.dropped = dropped_[d] + (behind > rings_[d].capacity() ? behind - rings_[d].capacity() : 0);
  s.powerSource = readers_[d]->powerSource();
  s.powerAverageSource = readers_[d]->powerAverageSource();
  s.energySource = readers_[d]->energySource();
  return s;
}

std::vector<DeviceStatus> Sampler::deviceStatus() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<DeviceStatus> out;
  for (size_t d = 0; d < readers_.size(); ++d) out.push_back(statusOf(d, runStats_[d]));
  return out;
}

TimingStats Sampler::timing() {
  std::lock_guard<std::mutex> lock(mutex_);
  TimingStats t = timing_;
  t.latenessP50Ns = lateness_.quantile(0.50);
  t.latenessP99Ns = lateness_.quantile(0.99);
  t.latenessMaxNs = lateness_.max();
  if (running_.load() && thread_.joinable()) t.threadCpuNs = threadCpuNs(thread_.native_handle());
  return t;
}

void Sampler::readAllNow(std::vector<DeviceSample>& samples, std::vector<bool>& ok) {
  std::vector<bool> active(readers_.size());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t d = 0; d < readers_.size(); ++d) active[d] = !failures_[d].failed;
  }
  for (size_t d = 0; d < readers_.size(); ++d) {
    DeviceFailure failure;
    uint64_t errors = 0;
    ok[d] = active[d] && readers_[d]->read(samples[d], true, failure, errors);
  }
}

void Sampler::beginWindow(const std::string& name) {
  const size_t n = readers_.size();
  std::vector<DeviceSample> samples(n);
  std::vector<bool> ok(n);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Window& w : windows_)
      if (w.name == name) throw std::invalid_argument("a window named '" + name + "' is already open");
  }
  const int64_t t = monotonicNs();
  readAllNow(samples, ok);
  std::lock_guard<std::mutex> lock(mutex_);
  Window w{name, t, std::vector<RunningStats>(n)};
  for (size_t d = 0; d < n; ++d)
    if (ok[d]) w.stats[d].add(samples[d], readers_[d]->maxPlausiblePowerW());
  windows_.push_back(std::move(w));
}

WindowResult Sampler::endWindow(const std::string& name) {
  const size_t n = readers_.size();
  std::vector<DeviceSample> samples(n);
  std::vector<bool> ok(n);
  readAllNow(samples, ok);
  const int64_t t = monotonicNs();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(windows_.begin(), windows_.end(), [&](const Window& w) { return w.name == name; });
  if (it == windows_.end()) throw std::invalid_argument("no open window named '" + name + "'");
  WindowResult result;
  result.name = name;
  result.beginTNs = it->beginTNs;
  result.endTNs = t;
  for (size_t d = 0; d < n; ++d) {
    if (ok[d]) it->stats[d].add(samples[d], readers_[d]->maxPlausiblePowerW());
    result.devices.push_back(statusOf(d, it->stats[d]));
  }
  windows_.erase(it);
  return result;
}

}  // namespace lem
