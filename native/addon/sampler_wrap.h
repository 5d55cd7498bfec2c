// The JavaScript class NativeSampler over lem::Sampler.
#pragma once

#include <napi.h>

#include <memory>

#include "../sampler/sampler.h"
#include "sampler_registry.h"

namespace lem {

class SamplerWrap : public Napi::ObjectWrap<SamplerWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit SamplerWrap(const Napi::CallbackInfo& info);
  ~SamplerWrap() override;

 private:
  Napi::Value start(const Napi::CallbackInfo& info);
  Napi::Value stop(const Napi::CallbackInfo& info);
  Napi::Value running(const Napi::CallbackInfo& info);
  Napi::Value drain(const Napi::CallbackInfo& info);
  Napi::Value stats(const Napi::CallbackInfo& info);
  Napi::Value beginWindow(const Napi::CallbackInfo& info);
  Napi::Value endWindow(const Napi::CallbackInfo& info);

  std::shared_ptr<Sampler> sampler_;
};

}  // namespace lem
