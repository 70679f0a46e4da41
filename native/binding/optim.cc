// Optimizer family binding. JS names: optimStep (the multi-tensor entry point; one tensor is T = 1) and
// optimStepAsync (same arguments, Promise<void>; contract in binding/async.h).
//
// optimStep(algo, flags: Int32Array(T), h: Float32Array(T * OPT_H), params: Float32Array[T],
//           grads: Float32Array[T], states: (Float32Array | null)[3 T])
// steps tensor t with flags[t], scalars h[t*OPT_H ..], params[t], grads[t], states[3t .. 3t+2].
// Every buffer of the call must be disjoint from every other (each is read and/or written once per
// element). The elements of all tensors form one index space that parallel_for cuts into contiguous
// chunks, so a thousand small tensors are one parallel region, and results never depend on threads.
#include <algorithm>
#include <vector>
#include "binding/async.h"
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

// Element k of an Array as a Float32Array, checked like arg_f32 (as_f32: a model may pass thousands of
// arrays per call; the name is only built for a message).
// With `keep`, the element read is appended to it (an async call references exactly what it uses).
static F32 elem_f32(Napi::Env env, const Napi::Array& arr, uint32_t k, const char* name, size_t idx, std::vector<Napi::Value>* keep) {
  napi_value v;
  if (napi_get_element(env, arr, k, &v) != napi_ok) throw Napi::Error::New(env);
  if (keep) keep->push_back(Napi::Value(env, v));
  return as_f32(env, v, [&] { return indexed(name, idx); });
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

// Validates the whole call and returns the step as a job (binding/async.h); `keep` (async only)
// collects every array element the job will touch.
static auto optim_job(const Napi::CallbackInfo& info, std::vector<Napi::Value>* keep) {
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
    F32 p = elem_f32(env, params, (uint32_t)t, "params", t, keep);
    F32 g = elem_f32(env, grads, (uint32_t)t, "grads", t, keep);
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
      F32 s = elem_f32(env, states, (uint32_t)(3 * t + k), "states", 3 * t + k, keep);
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
  const optim_fn fn = kt(info).optim.step[algo];
  const int threads = addon(info).threads;
  // Each chunk [b, e) of the joint index space: find the first tensor, then walk forward.
  return [fn, threads, total, T, args = std::move(args), offset = std::move(offset)]() {
    parallel_for(total, 64, total, threads, [&](size_t b, size_t e) {
      size_t t = (size_t)(std::upper_bound(offset.begin(), offset.end(), b) - offset.begin()) - 1;
      for (; t < T && offset[t] < e; ++t) {
        const size_t lo = std::max(b, offset[t]) - offset[t], hi = std::min(e, offset[t + 1]) - offset[t];
        if (lo < hi) fn(args[t], lo, hi);
      }
    });
  };
}

static Napi::Value optim_step(const Napi::CallbackInfo& info) {
  optim_job(info, nullptr)();
  return info.Env().Undefined();
}

// optimStepAsync(same arguments): Promise<void>; flags, h and every array element used are referenced.
static Napi::Value optim_step_async(const Napi::CallbackInfo& info) {
  std::vector<Napi::Value> keep = call_args(info);
  auto job = optim_job(info, &keep);
  return run_async(info.Env(), std::move(job), keep);
}

void register_optim(Napi::Env env, Napi::Object exports) {
  (void)env;
  FG_FN(exports, "optimStep", optim_step);
  FG_FN(exports, "optimStepAsync", optim_step_async);
}

}  // namespace fg
