#include "js_errors.h"

#include <stdexcept>

#include "../nvml/nvml_error.h"
#include "../sim/sim.h"

namespace lem {

Napi::Error makeError(const Napi::Env& env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Napi::Value guarded(const Napi::Env& env, const std::function<Napi::Value()>& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const NvmlError& e) {
    Napi::Error err = makeError(env, "LEM_NVML_ERROR", e.what());
    err.Set("nvmlCode", Napi::Number::New(env, e.code));
    err.Set("nvmlName", Napi::String::New(env, e.name()));
    err.Set("nvmlFunction", Napi::String::New(env, e.function));
    err.ThrowAsJavaScriptException();
  } catch (const NvmlUnavailable& e) {
    Napi::Error err = makeError(env, "LEM_NVML_UNAVAILABLE", e.what());
    err.Set("nvmlCode", Napi::Number::New(env, e.code));
    err.Set("nvmlName", Napi::String::New(env, nvmlReturnName(e.code)));
    err.ThrowAsJavaScriptException();
  } catch (const sim::ScenarioError& e) {
    makeError(env, "LEM_SCENARIO_INVALID", e.what()).ThrowAsJavaScriptException();
  } catch (const std::invalid_argument& e) {
    makeError(env, "LEM_INVALID_ARGUMENT", e.what()).ThrowAsJavaScriptException();
  } catch (const std::logic_error& e) {
    makeError(env, "LEM_INVALID_STATE", e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    makeError(env, "LEM_NATIVE_ERROR", e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

}  // namespace lem
