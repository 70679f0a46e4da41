// Optimizer family binding. JS names: optimStep (the multi-tensor entry point; one tensor is T = 1) and
// optimStepAsync (same arguments, Promise<void>; contract in binding/async.h).
//
// optimStep(algo, flags: Int32Array(T), h: Float32Array(T * OPT_H), params: Float32Array[T],
//           grads: Float32Array[T], states: (Float32Array | null)[3 T])
// steps tensor t with flags[t], scalars h[t*OPT_H ..], params[t], grads[t], states[3t .. 3t+2].
// Every buffer of the call must be disjoint from every other (each is read and/or written once per
// element). The elements of all tensors form one index space that parallel_for cuts into contiguous
// chunks, so a thousand small tensors are one parallel region, and results never depend on threads.
//
// optimPlan(params: Float32Array[T], grads: Float32Array[T] or [], states: (Float32Array | null)[3 T]):
// a plan, an opaque object that holds the arrays' pointers and references to their ArrayBuffers: what
// optimStep reads through N-API per element on every call (~1100 instructions per array; docs/bench.md
// "Optimizer steps: the fixed cost"). optimPlanStep(plan, algo, flags, h, grads: Float32Array[T] or [])
// is optimStep on the plan's params and states, with these grads, or with the plan's own if `grads` is
// empty (T > 0): per call it reads only the grads given, and checks that each held ArrayBuffer still has
// the same memory and at least the same length (a detached or shrunk buffer is a RangeError, never a
// stale pointer). The params and states of a plan are disjoint (checked once); a grad must not overlap
// them (grads may overlap each other: they are only read).
#include <algorithm>
#include <memory>
#include <mutex>
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

// Steps every tensor: each chunk [b, e) of the joint index space (offset[t] = first element of tensor
// t) finds its first tensor, then walks forward.
static void run_steps(optim_fn fn, int threads, const std::vector<optim_args>& args, const std::vector<size_t>& offset) {
  const size_t T = args.size(), total = offset[T];
  parallel_for(total, 64, total, threads, [&](size_t b, size_t e) {
    size_t t = (size_t)(std::upper_bound(offset.begin(), offset.end(), b) - offset.begin()) - 1;
    for (; t < T && offset[t] < e; ++t) {
      const size_t lo = std::max(b, offset[t]) - offset[t], hi = std::min(e, offset[t + 1]) - offset[t];
      if (lo < hi) fn(args[t], lo, hi);
    }
  });
}

// Argument i: the Int32Array of flags.
static Napi::Int32Array arg_flags(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value fv = i < info.Length() ? info[i] : info.Env().Undefined();
  if (!fv.IsTypedArray() || fv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_type(info.Env(), "Int32Array", "flags", fv);
  return fv.As<Napi::Int32Array>();
}

// flags[t], checked.
static unsigned flag_at(Napi::Env env, const int32_t* fl, size_t t) {
  const int32_t f = fl[t];
  if (f < 0 || (unsigned)f > OF_ALL) throw_range(env, "Expected flags in [0, " + std::to_string(OF_ALL) + "] for " + indexed("flags", t) + " but received " + std::to_string(f));
  return (unsigned)f;
}

// Validates the whole call and returns the step as a job (binding/async.h); `keep` (async only)
// collects every array element the job will touch.
static auto optim_job(const Napi::CallbackInfo& info, std::vector<Napi::Value>* keep) {
  Napi::Env env = info.Env();
  const int algo = arg_int(info, 0, "algo", 0, OPT_COUNT - 1);
  Napi::Int32Array flags_arr = arg_flags(info, 1);
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
    const unsigned f = flag_at(env, fl, t);
    F32 p = elem_f32(env, params, (uint32_t)t, "params", t, keep);
    F32 g = elem_f32(env, grads, (uint32_t)t, "grads", t, keep);
    check_elem_len(env, g, p.n, "grads", t);
    optim_args& a = args[t];
    a.p = p.p;
    a.g = g.p;
    a.h = h.p + t * OPT_H;
    a.flags = f;
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

  const optim_fn fn = kt(info).optim.step[algo];
  const int threads = addon(info).threads;
  return [fn, threads, args = std::move(args), offset = std::move(offset)]() { run_steps(fn, threads, args, offset); };
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

// ---- plans ----------------------------------------------------------------------------------------

// What optimPlan holds: per tensor the pointers of its param, grad (null: none held) and states (`have`:
// bit k if states[3t + k] was given) and its first element in the joint index space; the spans of the
// params and states, sorted; `grads`: whether it holds grads; per distinct
// ArrayBuffer a reference, its memory and the bytes the plan uses of it (`check`: false for a
// SharedArrayBuffer, which can be neither detached nor shrunk).
struct OptimPlan {
  std::vector<optim_args> args;
  std::vector<unsigned> have;
  std::vector<size_t> offset;
  std::vector<Span> spans;
  bool grads = false;
  struct Held {
    napi_ref ref;
    const void* base;
    size_t bytes;
    bool check;
  };
  std::vector<Held> held;
};

// The plans alive (an External's data is only used once found here): a few per optimizer.
static std::mutex plans_mu;
static std::vector<const OptimPlan*> plans_live;

static bool plan_live(const OptimPlan* p) {
  return std::find(plans_live.begin(), plans_live.end(), p) != plans_live.end();
}

static void plan_finalize(napi_env env, OptimPlan* plan) {
  {
    std::lock_guard<std::mutex> lk(plans_mu);
    plans_live.erase(std::remove(plans_live.begin(), plans_live.end(), plan), plans_live.end());
  }
  for (const auto& h : plan->held) napi_delete_reference(env, h.ref);
  delete plan;
}

// A buffer the plan reads and writes: its ArrayBuffer (to reference and re-check), memory and extent.
struct HeldBuffer {
  napi_value ab;
  const char* base;
  size_t end;
};

static void hold(napi_env env, napi_value typed, const F32& a, std::vector<HeldBuffer>& out) {
  if (!a.n) return;
  napi_value ab;
  size_t off = 0;
  if (napi_get_typedarray_info(env, typed, nullptr, nullptr, nullptr, &ab, &off) != napi_ok) throw Napi::Error::New(env);
  const char* base = reinterpret_cast<const char*>(a.p) - off;
  out.push_back({ab, base, off + a.n * sizeof(float)});
}

// Throws if grads[t] (b, n floats) overlaps one of the sorted, disjoint spans.
static void check_grad_apart(Napi::Env env, const std::vector<Span>& sp, const float* g, size_t n, size_t t) {
  if (!n) return;
  // the first span ending after the grad's start must begin at or after its end
  const uintptr_t b = (uintptr_t)g, e = (uintptr_t)(g + n);
  auto it = std::upper_bound(sp.begin(), sp.end(), b, [](uintptr_t x, const Span& y) { return x < y.e; });
  if (it != sp.end() && it->b < e)
    throw_range(env, "Expected the gradients of a step not to overlap the parameters and optimizer states but received " + indexed("grads", t) + " overlapping them");
}

// optimPlan(params, grads, states): a plan (the file's header).
static Napi::Value optim_plan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value pv = info.Length() > 0 ? info[0] : env.Undefined();
  if (!pv.IsArray()) throw_type(env, "an Array", "params", pv);
  Napi::Array params = pv.As<Napi::Array>();
  const size_t T = params.Length();
  Napi::Value gv = info.Length() > 1 ? info[1] : env.Undefined();
  if (!gv.IsArray()) throw_type(env, "an Array", "grads", gv);
  Napi::Array grads = gv.As<Napi::Array>();
  if (grads.Length() != T && grads.Length() != 0)
    throw_range(env, "Expected an Array of length " + std::to_string(T) + " or 0 for grads but received length " + std::to_string(grads.Length()));
  Napi::Array states = arg_array(info, 2, "states", 3 * T);

  auto plan = std::make_unique<OptimPlan>();
  plan->args.resize(T);
  plan->have.assign(T, 0);
  plan->offset.assign(T + 1, 0);
  plan->grads = T > 0 && grads.Length() == T;
  std::vector<HeldBuffer> bufs;
  bufs.reserve(4 * T);
  for (size_t t = 0; t < T; ++t) {
    napi_value pval;
    if (napi_get_element(env, params, (uint32_t)t, &pval) != napi_ok) throw Napi::Error::New(env);
    F32 p = as_f32(env, pval, [&] { return indexed("params", t); });
    hold(env, pval, p, bufs);
    optim_args& a = plan->args[t];
    a.p = p.p;
    a.g = nullptr;
    a.h = nullptr;
    a.flags = 0;
    if (p.n) plan->spans.push_back({(uintptr_t)p.p, (uintptr_t)(p.p + p.n)});
    for (int k = 0; k < 3; ++k) {
      a.s[k] = nullptr;
      napi_value v;
      napi_valuetype ty;
      if (napi_get_element(env, states, (uint32_t)(3 * t + k), &v) != napi_ok || napi_typeof(env, v, &ty) != napi_ok) throw Napi::Error::New(env);
      if (ty == napi_null || ty == napi_undefined) continue;
      F32 sa = as_f32(env, v, [&] { return indexed("states", 3 * t + k); });
      check_elem_len(env, sa, p.n, "states", 3 * t + k);
      hold(env, v, sa, bufs);
      a.s[k] = sa.p;
      plan->have[t] |= 1u << k;
      if (sa.n) plan->spans.push_back({(uintptr_t)sa.p, (uintptr_t)(sa.p + sa.n)});
    }
    plan->offset[t + 1] = plan->offset[t] + p.n;
    if (plan->grads) {
      napi_value gval;
      if (napi_get_element(env, grads, (uint32_t)t, &gval) != napi_ok) throw Napi::Error::New(env);
      F32 g = as_f32(env, gval, [&] { return indexed("grads", t); });
      check_elem_len(env, g, p.n, "grads", t);
      hold(env, gval, g, bufs);
      a.g = g.p;
    }
  }
  check_all_disjoint(env, plan->spans);  // sorts them too
  if (plan->grads)
    for (size_t t = 0; t < T; ++t) check_grad_apart(env, plan->spans, plan->args[t].g, plan->offset[t + 1] - plan->offset[t], t);

  // One reference per ArrayBuffer (arrays of one buffer share its base), with the largest extent used.
  std::sort(bufs.begin(), bufs.end(), [](const HeldBuffer& x, const HeldBuffer& y) { return x.base < y.base; });
  for (size_t i = 0; i < bufs.size();) {
    size_t j = i, end = 0;
    for (; j < bufs.size() && bufs[j].base == bufs[i].base; ++j) end = std::max(end, bufs[j].end);
    void* data = nullptr;
    size_t bytes = 0;
    const bool check = napi_get_arraybuffer_info(env, bufs[i].ab, &data, &bytes) == napi_ok;  // false: shared
    OptimPlan::Held h{nullptr, bufs[i].base, end, check};
    if (napi_create_reference(env, bufs[i].ab, 1, &h.ref) != napi_ok) throw Napi::Error::New(env);
    plan->held.push_back(h);
    i = j;
  }
  OptimPlan* raw = plan.get();
  Napi::External<OptimPlan> ext = Napi::External<OptimPlan>::New(env, raw, plan_finalize);
  plan.release();
  std::lock_guard<std::mutex> lk(plans_mu);
  plans_live.push_back(raw);
  return ext;
}

// optimPlanStep(plan, algo, flags, h, grads): optimStep on the plan's params and states.
static Napi::Value optim_plan_step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value pv = info.Length() > 0 ? info[0] : env.Undefined();
  OptimPlan* plan = nullptr;
  if (pv.IsExternal()) {
    OptimPlan* cand = pv.As<Napi::External<OptimPlan>>().Data();
    std::lock_guard<std::mutex> lk(plans_mu);
    if (plan_live(cand)) plan = cand;
  }
  if (!plan) throw_type(env, "a plan made by optimPlan", "plan", pv);
  const int algo = arg_int(info, 1, "algo", 0, OPT_COUNT - 1);
  Napi::Int32Array flags_arr = arg_flags(info, 2);
  F32 h = arg_f32(info, 3, "h");
  const size_t T = plan->args.size();
  Napi::Value gv = info.Length() > 4 ? info[4] : env.Undefined();
  if (!gv.IsArray()) throw_type(env, "an Array", "grads", gv);
  Napi::Array grads = gv.As<Napi::Array>();
  const bool own = T > 0 && grads.Length() == 0;
  if (own && !plan->grads) throw_range(env, "Expected an Array of length " + std::to_string(T) + " for grads (the plan holds none) but received length 0");
  if (!own && grads.Length() != T)
    throw_range(env, "Expected an Array of length " + std::to_string(T) + " or 0 for grads but received length " + std::to_string(grads.Length()));
  if (flags_arr.ElementLength() != T)
    throw_range(env, "Expected an Int32Array of length " + std::to_string(T) + " (the plan's tensors) for flags but received length " + std::to_string(flags_arr.ElementLength()));
  check_len(env, h, T * OPT_H, "h");

  for (const auto& hd : plan->held) {
    napi_value ab;
    void* data = nullptr;
    size_t bytes = 0;
    if (!hd.check) continue;
    if (napi_get_reference_value(env, hd.ref, &ab) != napi_ok || ab == nullptr || napi_get_arraybuffer_info(env, ab, &data, &bytes) != napi_ok ||
        data != hd.base || bytes < hd.bytes)
      throw_range(env, "Expected an optimizer plan whose arrays keep their memory but received one with a detached or shrunk ArrayBuffer; make a new plan");
  }
  const int32_t* fl = T ? flags_arr.Data() : nullptr;
  std::vector<const float*> g_call(own ? 0 : T);
  for (size_t t = 0; t < T; ++t) {
    const unsigned f = flag_at(env, fl, t);
    const size_t n = plan->offset[t + 1] - plan->offset[t];
    const unsigned need = optim_state_mask(algo, f);
    for (int k = 0; k < 3; ++k)
      if ((need & (1u << k)) && !(plan->have[t] & (1u << k)))
        throw_type(env, "a Float32Array (flags[" + std::to_string(t) + "] uses this state)", indexed("states", 3 * t + k).c_str(), env.Null());
    // this call's part of the tensor's arguments (a plan's states stay; the kernel reads those its flags use)
    optim_args& a = plan->args[t];
    if (!own) {
      F32 g = elem_f32(env, grads, (uint32_t)t, "grads", t, nullptr);
      check_elem_len(env, g, n, "grads", t);
      check_grad_apart(env, plan->spans, g.p, n, t);
      g_call[t] = g.p;
    }
    a.h = h.p + t * OPT_H;
    a.flags = f;
  }
  // every argument is valid; grads given: this call's copy of the arguments has them
  const optim_fn fn = kt(info).optim.step[algo];
  if (own) {
    run_steps(fn, addon(info).threads, plan->args, plan->offset);
  } else {
    // sized, then filled: a vector's copy constructor allocates through a path that needs GLIBCXX_3.4.29
    std::vector<optim_args> args(T);
    for (size_t t = 0; t < T; ++t) {
      args[t] = plan->args[t];
      args[t].g = g_call[t];
    }
    run_steps(fn, addon(info).threads, args, plan->offset);
  }
  return env.Undefined();
}

void register_optim(Napi::Env env, Napi::Object exports) {
  (void)env;
  FG_FN(exports, "optimStep", optim_step);
  FG_FN(exports, "optimStepAsync", optim_step_async);
  FG_FN(exports, "optimPlan", optim_plan);
  FG_FN(exports, "optimPlanStep", optim_plan_step);
}

}  // namespace fg
