// Optimizer family binding. JS name: optimStep (the multi-tensor entry point; one tensor is T = 1).
//
// optimStep(algo, flags: Int32Array(T), h: Float32Array(T * OPT_H), params: Float32Array[T],
//           grads: Float32Array[T], states: (Float32Array | null)[3 T])
// steps tensor t with flags[t], scalars h[t*OPT_H ..], params[t], grads[t], states[3t .. 3t+2].
// Every buffer of the call must be disjoint from every other (each is read and/or written once per
// element). The elements of all tensors form one index space that parallel_for cuts into contiguous
// chunks, so a thousand small tensors are one parallel region, and results never depend on threads.
#include <algorithm>
#include <vector>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

static Napi::Array arg_array(const Napi::CallbackInfo& info, size_t i, const char* name, size_t len) {
  Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
  if (!v.IsArray()) throw_type(info.Env(), "an Array", name, v);
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != len)
    throw_range(info.Env(), std::string("Expected an Array of length ") + std::to_string(len) + " for " + name +
                                " but received length " + std::to_string(a.Length()));
  return a;
}

static std::string indexed(const char* name, size_t k) { return std::string(name) + "[" + std::to_string(k) + "]"; }

// Element k of an Array as a Float32Array, checked like arg_f32, with three N-API calls on the good
// path (a model may pass thousands of arrays per call; the name is only built for a message).
// A typed array over a detached buffer reports length 0, so only empty arrays need the detach probe.
static F32 elem_f32(Napi::Env env, const Napi::Array& arr, uint32_t k, const char* name, size_t idx) {
  napi_value v;
  if (napi_get_element(env, arr, k, &v) != napi_ok) throw Napi::Error::New(env);
  bool is_ta = false;
  napi_typedarray_type type = napi_int8_array;
  size_t len = 0;
  void* data = nullptr;
  napi_value ab;
  size_t off = 0;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &off) != napi_ok || type != napi_float32_array)
    throw_type(env, "Float32Array", indexed(name, idx).c_str(), Napi::Value(env, v));
  if (len == 0) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
      throw Napi::TypeError::New(env, "Expected a Float32Array with a live buffer for " + indexed(name, idx) +
                                          " but received one whose ArrayBuffer is detached");
  }
  return F32{len ? (float*)data : nullptr, len};
}

static void check_elem_len(Napi::Env env, const F32& a, size_t n, const char* name, size_t idx) {
  if (a.n != n) check_len(env, a, n, indexed(name, idx).c_str());
}

struct Span {
  uintptr_t b, e;
};

// Throws if any two of the call's buffers share memory.
static void check_all_disjoint(Napi::Env env, std::vector<Span>& spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.b < y.b; });
  for (size_t k = 1; k < spans.size(); ++k)
    if (spans[k].b < spans[k - 1].e)
      throw_range(env, "Expected the parameters, gradients and optimizer states of one step not to overlap "
                       "but received overlapping arrays");
}

static Napi::Value optim_step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int algo = arg_int(info, 0, "algo", 0, OPT_COUNT - 1);
  Napi::Value fv = info.Length() > 1 ? info[1] : env.Undefined();
  if (!fv.IsTypedArray() || fv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_type(env, "Int32Array", "flags", fv);
  Napi::Int32Array flags_arr = fv.As<Napi::Int32Array>();
  const size_t T = flags_arr.ElementLength();
  F32 h = arg_f32(info, 2, "h");
  check_len(env, h, T * OPT_H, "h");
  Napi::Array params = arg_array(info, 3, "params", T);
  Napi::Array grads = arg_array(info, 4, "grads", T);
  Napi::Array states = arg_array(info, 5, "states", 3 * T);

  std::vector<optim_args> args(T);
  std::vector<size_t> offset(T + 1, 0);
  std::vector<Span> spans;
  spans.reserve(5 * T);
  const int32_t* fl = T ? flags_arr.Data() : nullptr;
  for (size_t t = 0; t < T; ++t) {
    const int32_t f = fl[t];
    if (f < 0 || (unsigned)f > OF_ALL) throw_range(env, "Expected flags in [0, " + std::to_string(OF_ALL) + "] for " + indexed("flags", t) + " but received " + std::to_string(f));
    F32 p = elem_f32(env, params, (uint32_t)t, "params", t);
    F32 g = elem_f32(env, grads, (uint32_t)t, "grads", t);
    check_elem_len(env, g, p.n, "grads", t);
    optim_args& a = args[t];
    a.p = p.p;
    a.g = g.p;
    a.h = h.p + t * OPT_H;
    a.flags = (unsigned)f;
    const unsigned need = optim_state_mask(algo, a.flags);
    for (int k = 0; k < 3; ++k) {
      a.s[k] = nullptr;
      if (!(need & (1u << k))) continue;
      F32 s = elem_f32(env, states, (uint32_t)(3 * t + k), "states", 3 * t + k);
      check_elem_len(env, s, p.n, "states", 3 * t + k);
      a.s[k] = s.p;
      if (s.n) spans.push_back({(uintptr_t)s.p, (uintptr_t)(s.p + s.n)});
    }
    if (p.n) {
      spans.push_back({(uintptr_t)p.p, (uintptr_t)(p.p + p.n)});
      spans.push_back({(uintptr_t)g.p, (uintptr_t)(g.p + g.n)});
    }
    offset[t + 1] = offset[t] + p.n;
  }
  check_all_disjoint(env, spans);

  const size_t total = offset[T];
  const optim_fn fn = addon(info).table->optim.step[algo];
  // Each chunk [b, e) of the joint index space: find the first tensor, then walk forward.
  parallel_for(total, 64, total, addon(info).threads, [&](size_t b, size_t e) {
    size_t t = (size_t)(std::upper_bound(offset.begin(), offset.end(), b) - offset.begin()) - 1;
    for (; t < T && offset[t] < e; ++t) {
      const size_t lo = std::max(b, offset[t]) - offset[t], hi = std::min(e, offset[t + 1]) - offset[t];
      if (lo < hi) fn(args[t], lo, hi);
    }
  });
  return env.Undefined();
}

void register_optim(Napi::Env env, Napi::Object exports) {
  (void)env;
  FG_FN(exports, "optimStep", optim_step);
}

}  // namespace fg
