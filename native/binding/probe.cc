// Probe family bindings (the bench's yardsticks). JS names: probeCopy, probeTriad, probeFma, probeAddSplit, probeCanonicalSum,
// probeOmpSgdMomentum, probeOmpAdam, probeSetScheduler.
#include <chrono>
#include <vector>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// probeCopy(x, y): y = x with the elementwise copy kernel, threaded like every streaming kernel.
static Napi::Value probe_copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), y = arg_f32(info, 1, "out");
  check_len(env, y, x.n, "out");
  check_disjoint(env, y, x, "out", "x");
  AddonData& d = addon(info);
  parallel_for(x.n, 64, x.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.copy(x.p, y.p, i0, i1); });
  return env.Undefined();
}

// probeTriad(a, b, s, y): y = a + s * b.
static Napi::Value probe_triad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 a = arg_f32(info, 0, "a"), b = arg_f32(info, 1, "b");
  const float s = (float)arg_number(info, 2, "scalar");
  F32 y = arg_f32(info, 3, "out");
  check_len(env, b, a.n, "b");
  check_len(env, y, a.n, "out");
  check_disjoint(env, y, a, "out", "a");
  check_disjoint(env, y, b, "out", "b");
  AddonData& d = addon(info);
  parallel_for(a.n, 64, a.n, d.threads, [&](size_t i0, size_t i1) { d.table->probe.triad(a.p, b.p, s, y.p, i0, i1); });
  return env.Undefined();
}

// probeAddSplit(a, b, y, threads): the elementwise add kernel, y = a + b, split over exactly `threads`
// threads whatever the size (no parallel threshold): bench/threshold.ts times 1 vs 2 threads with it.
static Napi::Value probe_add_split(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 a = arg_f32(info, 0, "a"), b = arg_f32(info, 1, "b"), y = arg_f32(info, 2, "out");
  const int threads = arg_int(info, 3, "threads", 1, 1024);
  check_len(env, b, a.n, "b");
  check_len(env, y, a.n, "out");
  check_same_or_disjoint(env, y, a, "out", "a");
  check_same_or_disjoint(env, y, b, "out", "b");
  const elementwise_table& t = addon(info).table->elementwise;
  parallel_run(a.n, 64, (size_t)threads, [&](size_t i0, size_t i1) { t.vv[OP_ADD](a.p, b.p, y.p, i0, i1); });
  return env.Undefined();
}

// probeFma(iterations): runs the FMA chains on every configured thread at once;
// returns { gflops, seconds, threads, lanes, sink }.
static Napi::Value probe_fma(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t iters = (size_t)arg_int(info, 0, "iterations", 1, 1 << 23);
  AddonData& d = addon(info);
  const probe_table& t = d.table->probe;
  const size_t nt = (size_t)d.threads;
  std::vector<float> sinks(nt, 0.0f);
  // One unit per thread; the work figure is large so parallel_for always starts the team.
  const size_t work = iters * (size_t)kFmaChains * (size_t)t.lanes * nt;
  const auto t0 = std::chrono::steady_clock::now();
  parallel_for(nt, 1, work < kParallelMinWork * nt ? kParallelMinWork * nt : work, (int)nt, [&](size_t u0, size_t u1) {
    for (size_t u = u0; u < u1; ++u) sinks[u] = t.fma_chains(1.0f + (float)u, iters);
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sink = 0.0f;
  for (float s : sinks) sink += s;
  const double flops = 2.0 * (double)iters * kFmaChains * t.lanes * (double)nt;
  Napi::Object o = Napi::Object::New(env);
  o.Set("gflops", Napi::Number::New(env, secs > 0 ? flops / secs / 1e9 : 0.0));
  o.Set("seconds", Napi::Number::New(env, secs));
  o.Set("threads", Napi::Number::New(env, (double)nt));
  o.Set("lanes", Napi::Number::New(env, t.lanes));
  o.Set("sink", Napi::Number::New(env, sink));
  return o;
}

// probeCanonicalSum(x): the canonical sum of x on the calling thread (a self-check of the order).
static Napi::Value probe_canonical_sum(const Napi::CallbackInfo& info) {
  F32 x = arg_f32(info, 0, "x");
  return Napi::Number::New(info.Env(), addon(info).table->probe.canonical_sum(x.p, x.n));
}

// probeOmpSgdMomentum(p, g, b, lr, momentum, damp1): the plain C + OpenMP SGD-momentum loop on the
// configured threads (probe_api.h), the anchor of the optimizer steps.
static Napi::Value probe_omp_sgd_momentum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 p = arg_f32(info, 0, "p"), g = arg_f32(info, 1, "g"), b = arg_f32(info, 2, "b");
  const float lr = (float)arg_number(info, 3, "lr"), mom = (float)arg_number(info, 4, "momentum"), damp1 = (float)arg_number(info, 5, "damp1");
  check_len(env, g, p.n, "g");
  check_len(env, b, p.n, "b");
  AddonData& d = addon(info);
  d.table->probe.omp_sgd_momentum(p.p, g.p, b.p, p.n, lr, mom, damp1, d.threads);
  return env.Undefined();
}

// probeOmpAdam(p, g, m, v, h): the plain C + OpenMP Adam loop (h: the Adam kernel's scalars).
static Napi::Value probe_omp_adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 p = arg_f32(info, 0, "p"), g = arg_f32(info, 1, "g"), m = arg_f32(info, 2, "m"), v = arg_f32(info, 3, "v"), h = arg_f32(info, 4, "h");
  check_len(env, g, p.n, "g");
  check_len(env, m, p.n, "m");
  check_len(env, v, p.n, "v");
  if (h.n < 9) throw_range(env, "Expected at least 9 scalars for h but received " + std::to_string(h.n));
  AddonData& d = addon(info);
  d.table->probe.omp_adam(p.p, g.p, m.p, v.p, p.n, h.p, d.threads);
  return env.Undefined();
}

// probeSetScheduler(name): 'pool' (parallel.h's default) or 'openmp' (an OpenMP team per call, the previous
// scheduler) for every later call in the process; returns the name of the one it replaced. The bench's
// same-run comparison of the two (bench/suites/load.ts); not an API.
static Napi::Value probe_set_scheduler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info.Length() ? info[0] : env.Undefined();
  if (!v.IsString()) throw_type(env, "'pool' | 'openmp'", "scheduler", v);
  const std::string name = v.As<Napi::String>().Utf8Value();
  if (name != "pool" && name != "openmp") throw_range(env, "Expected 'pool' or 'openmp' for scheduler but received '" + name + "'");
  if (name == "openmp" && !have_openmp()) throw_range(env, "Expected 'pool' for scheduler (this build has no OpenMP) but received 'openmp'");
  const Scheduler before = scheduler();
  set_scheduler(name == "pool" ? Scheduler::pool : Scheduler::openmp_team);
  return Napi::String::New(env, before == Scheduler::pool ? "pool" : "openmp");
}

void register_probe(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "probeCopy", probe_copy);
  FG_FN(exports, "probeTriad", probe_triad);
  FG_FN(exports, "probeFma", probe_fma);
  FG_FN(exports, "probeAddSplit", probe_add_split);
  FG_FN(exports, "probeCanonicalSum", probe_canonical_sum);
  FG_FN(exports, "probeOmpSgdMomentum", probe_omp_sgd_momentum);
  FG_FN(exports, "probeOmpAdam", probe_omp_adam);
  FG_FN(exports, "probeSetScheduler", probe_set_scheduler);
}

}  // namespace fg
