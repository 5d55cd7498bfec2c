// Per-environment state of the addon (main thread and each worker has its own).
#pragma once

#include <napi.h>

#include "sampler_registry.h"

namespace lem {

struct AddonData {
  SamplerRegistry samplers;
};

AddonData* addonData(const Napi::Env& env);

}  // namespace lem
