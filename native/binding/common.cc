#include "binding/common.h"
#include <cmath>

namespace fg {

std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: {
      double d = v.As<Napi::Number>().DoubleValue();
      char buf[64];
      snprintf(buf, sizeof buf, "%.17g", d);
      return std::string("number ") + buf;
    }
    case napi_string: return "a string";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    case napi_symbol: return "a symbol";
    default: break;
  }
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint8_array: return "Uint8Array";
      default: return "another TypedArray";
    }
  }
  if (v.IsArray()) return "an Array";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  return "an object";
}

void throw_type(Napi::Env env, const std::string& what, const char* name, const Napi::Value& v) {
  throw Napi::TypeError::New(env, "Expected " + what + " for " + name + " but received " + describe(v));
}

void throw_range(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

static Napi::Value arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

F32 arg_f32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return as_f32(info.Env(), arg(info, i), [name] { return std::string(name); });
}

void throw_not_typed(napi_env env, napi_value v, const char* what, const std::string& name) {
  throw_type(Napi::Env(env), what, name.c_str(), Napi::Value(env, v));
}

void check_not_detached(napi_env env, napi_value typed_array, const char* what, const std::string& name) {
  napi_value ab;
  bool detached = false;
  if (napi_get_typedarray_info(env, typed_array, nullptr, nullptr, nullptr, &ab, nullptr) == napi_ok &&
      napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
    throw Napi::TypeError::New(env, std::string("Expected ") + (what[0] == 'I' ? "an " : "a ") + what + " with a live buffer for " + name +
                                        " but received one whose ArrayBuffer is detached");
}

I32 arg_i32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  size_t n = 0;
  int32_t* p = as_typed<int32_t>(info.Env(), arg(info, i), napi_int32_array, "Int32Array", [name] { return std::string(name); }, n);
  return I32{p, n};
}

// v's number value; false when v is not a number (napi_get_value_double is the type test too: one N-API
// call per numeric argument).
static bool number_of(napi_env env, const Napi::Value& v, double& d) { return napi_get_value_double(env, v, &d) == napi_ok; }

double arg_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = arg(info, i);
  double d = 0;
  if (!number_of(info.Env(), v, d)) throw_type(info.Env(), "a number", name, v);
  return d;
}

size_t arg_size(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = arg(info, i);
  double d = 0;
  if (!number_of(info.Env(), v, d)) throw_type(info.Env(), "a non-negative integer", name, v);
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0)
    throw Napi::RangeError::New(info.Env(), std::string("Expected a non-negative integer for ") + name +
                                                " but received " + describe(v));
  return (size_t)d;
}

int arg_int(const Napi::CallbackInfo& info, size_t i, const char* name, int lo, int hi) {
  Napi::Value v = arg(info, i);
  double d = 0;
  if (!number_of(info.Env(), v, d)) throw_type(info.Env(), "an integer", name, v);
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throw Napi::RangeError::New(info.Env(), "Expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                                "] for " + name + " but received " + describe(v));
  return (int)d;
}

bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = arg(info, i);
  if (!v.IsBoolean()) throw_type(info.Env(), "a boolean", name, v);
  return v.As<Napi::Boolean>().Value();
}

void check_len(Napi::Env env, const F32& a, size_t n, const char* name) {
  if (a.n != n)
    throw Napi::RangeError::New(env, "Expected a Float32Array of length " + std::to_string(n) + " for " + name +
                                         " but received length " + std::to_string(a.n));
}

static bool overlap(const F32& a, const F32& b) {
  if (!a.n || !b.n) return false;
  uintptr_t a0 = (uintptr_t)a.p, a1 = a0 + a.n * 4, b0 = (uintptr_t)b.p, b1 = b0 + b.n * 4;
  return a0 < b1 && b0 < a1;
}

void check_same_or_disjoint(Napi::Env env, const F32& out, const F32& in, const char* out_name, const char* in_name) {
  if (overlap(out, in) && !(out.p == in.p && out.n == in.n))
    throw Napi::RangeError::New(env, std::string("Expected ") + out_name + " to be the same array as " + in_name +
                                         " or not to overlap it, but received a partly overlapping view");
}

void check_disjoint(Napi::Env env, const F32& out, const F32& in, const char* out_name, const char* in_name) {
  if (overlap(out, in))
    throw Napi::RangeError::New(env, std::string("Expected ") + out_name + " not to overlap " + in_name +
                                         " but received overlapping arrays");
}

}  // namespace fg
