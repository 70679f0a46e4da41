// Layer-norm bindings (spec in kernels/layernorm_api.h). JS names:
//   layerNormForward(x, R, D, eps, gamma | null, beta | null, y, mean, rstd)
//   layerNormBackward(dy, x, R, D, mean, rstd, gamma | null, dx, dgamma | null, dbeta | null)
// gamma and beta come together (both or neither), as dgamma and dbeta. Every length is checked.
// The backward is one pass over the rows (dx and the group sums of dgamma, dbeta) and a column sum.
#include <memory>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

static bool is_absent(const Napi::CallbackInfo& info, size_t i) { return info.Length() <= i || info[i].IsNull() || info[i].IsUndefined(); }

static F32 opt_f32(const Napi::CallbackInfo& info, size_t i, const char* name, size_t n) {
  if (is_absent(info, i)) return F32{nullptr, 0};
  F32 a = arg_f32(info, i, name);
  check_len(info.Env(), a, n, name);
  return a;
}

static void rows_cols(const Napi::CallbackInfo& info, size_t i, size_t& R, size_t& D) {
  R = arg_size(info, i, "R");
  D = arg_size(info, i + 1, "D");
  if (D == 0) throw_range(info.Env(), "Expected at least 1 for D but received number 0");
  if (R > (SIZE_MAX / 8) / D) throw_range(info.Env(), "Expected R * D to fit in memory");
}

static Napi::Value ln_forward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  size_t R, D;
  rows_cols(info, 1, R, D);
  const float eps = (float)arg_number(info, 3, "eps");
  F32 gamma = opt_f32(info, 4, "gamma", D), beta = opt_f32(info, 5, "beta", D);
  if ((gamma.p == nullptr) != (beta.p == nullptr)) throw_range(env, "Expected gamma and beta both given or both null");
  F32 y = arg_f32(info, 6, "y"), mean = arg_f32(info, 7, "mean"), rstd = arg_f32(info, 8, "rstd");
  check_len(env, x, R * D, "x");
  check_len(env, y, R * D, "y");
  check_len(env, mean, R, "mean");
  check_len(env, rstd, R, "rstd");
  check_same_or_disjoint(env, y, x, "y", "x");
  for (const F32* o : {&mean, &rstd}) {
    check_disjoint(env, *o, x, "mean/rstd", "x");
    check_disjoint(env, *o, y, "mean/rstd", "y");
  }
  check_disjoint(env, rstd, mean, "rstd", "mean");
  if (gamma.p) for (const F32* in : {&gamma, &beta}) check_disjoint(env, y, *in, "y", "gamma/beta");
  AddonData& d = addon(info);
  const auto k = d.table->layernorm.forward;
  parallel_for(R, 1, 3 * R * D, d.threads, [&](size_t r0, size_t r1) { k(x.p, D, eps, gamma.p, beta.p, y.p, mean.p, rstd.p, r0, r1); });
  return env.Undefined();
}

static Napi::Value ln_backward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy"), x = arg_f32(info, 1, "x");
  size_t R, D;
  rows_cols(info, 2, R, D);
  F32 mean = arg_f32(info, 4, "mean"), rstd = arg_f32(info, 5, "rstd");
  F32 gamma = opt_f32(info, 6, "gamma", D);
  F32 dx = arg_f32(info, 7, "dx");
  F32 dgamma = opt_f32(info, 8, "dgamma", D), dbeta = opt_f32(info, 9, "dbeta", D);
  if ((dgamma.p == nullptr) != (dbeta.p == nullptr)) throw_range(env, "Expected dgamma and dbeta both given or both null");
  check_len(env, dy, R * D, "dy");
  check_len(env, x, R * D, "x");
  check_len(env, dx, R * D, "dx");
  check_len(env, mean, R, "mean");
  check_len(env, rstd, R, "rstd");
  for (const F32* in : {&dy, &x, &mean, &rstd}) check_disjoint(env, dx, *in, "dx", "an input");
  if (gamma.p) check_disjoint(env, dx, gamma, "dx", "gamma");
  if (dgamma.p) {
    for (const F32* in : {&dy, &x, &mean, &rstd, &dx}) {
      check_disjoint(env, dgamma, *in, "dgamma", "another array");
      check_disjoint(env, dbeta, *in, "dbeta", "another array");
    }
    if (gamma.p) check_disjoint(env, dgamma, gamma, "dgamma", "gamma"), check_disjoint(env, dbeta, gamma, "dbeta", "gamma");
    check_disjoint(env, dbeta, dgamma, "dbeta", "dgamma");
  }
  AddonData& d = addon(info);
  const auto kb = d.table->layernorm.backward;
  if (!dgamma.p) {
    parallel_for(R, 1, 4 * R * D, d.threads, [&](size_t r0, size_t r1) { kb(dy.p, x.p, D, mean.p, rstd.p, gamma.p, dx.p, nullptr, nullptr, r0, r1); });
    return env.Undefined();
  }
  // one pass over the rows gives dx and each group's sums (chunks on group boundaries); then dγ, dβ are
  // the canonical column sums of the group sums
  const size_t ng = (R + LN_GROUP - 1) / LN_GROUP;
  std::unique_ptr<float[]> q(new float[2 * ng * D]);
  float* pg = q.get();
  float* pb = pg + ng * D;
  parallel_for(R, LN_GROUP, 5 * R * D, d.threads, [&](size_t r0, size_t r1) { kb(dy.p, x.p, D, mean.p, rstd.p, gamma.p, dx.p, pg, pb, r0, r1); });
  const auto kc = d.table->reduce.cols;
  parallel_for(D, 16, 2 * ng * D, d.threads, [&](size_t j0, size_t j1) {
    kc(RED_SUM, pg, ng, D, 1.0f, j0, j1, dgamma.p);
    kc(RED_SUM, pb, ng, D, 1.0f, j0, j1, dbeta.p);
  });
  return env.Undefined();
}

void register_layernorm(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "layerNormForward", ln_forward_fn);
  FG_FN(exports, "layerNormBackward", ln_backward_fn);
}

}  // namespace fg
