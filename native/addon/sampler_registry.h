// Live samplers of one Node environment, so the environment's cleanup hook can stop and
// join them at exit or worker termination.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "../sampler/sampler.h"

namespace lem {

class SamplerRegistry {
 public:
  void add(const std::shared_ptr<Sampler>& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.push_back(s);
  }
  void stopAll() {
    std::vector<std::weak_ptr<Sampler>> live;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live.swap(live_);
    }
    for (auto& w : live)
      if (auto s = w.lock()) s->stop();
  }

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Sampler>> live_;
};

}  // namespace lem
