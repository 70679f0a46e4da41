// Batch normalization bindings. JS names: bnStats, bnGradSums, bnAffine, bnDx (spec in kernels/batchnorm_api.h).
// Every call takes the layout (outer, C, inner); per-channel arrays have length C.
#include <vector>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

struct BnShape {
  size_t outer, C, inner, m, n;
};

static BnShape arg_shape(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  BnShape s;
  s.outer = arg_size(info, i, "outer");
  s.C = arg_size(info, i + 1, "channels");
  s.inner = arg_size(info, i + 2, "inner");
  if (s.C == 0) throw_range(env, "Expected at least 1 for channels but received number 0");
  const size_t lim = SIZE_MAX / 8;
  if ((s.inner && s.outer > lim / s.inner) || ((s.outer * s.inner) != 0 && s.C > lim / (s.outer * s.inner)))
    throw_range(env, "Expected outer * channels * inner to fit in memory");
  s.m = s.outer * s.inner;
  s.n = s.m * s.C;
  return s;
}

static void check_channel_arrays(Napi::Env env, const BnShape& s, std::initializer_list<std::pair<const F32*, const char*>> arrays) {
  for (auto& a : arrays) check_len(env, *a.first, s.C, a.second);
}

// Runs one reduction kernel over every (channel or channel chunk, block) unit and adds each channel's
// block partials in block order into s1, s2.
template <class K>
static void reduce_units(AddonData& d, const BnShape& s, F32 s1, F32 s2, size_t work, const K& kernel) {
  const size_t nb = num_blocks(s.m);
  if (nb == 0) {
    for (size_t c = 0; c < s.C; ++c) s1.p[c] = 0.0f, s2.p[c] = 0.0f;
    return;
  }
  const size_t groups = s.inner > 1 ? s.C : (s.C + BN_CHUNK - 1) / BN_CHUNK;
  std::vector<float> p1(nb * s.C), p2(nb * s.C);
  parallel_for(groups * nb, 1, work, d.threads, [&](size_t u0, size_t u1) { kernel(u0, u1, p1.data(), p2.data()); });
  std::vector<float> col(nb);
  for (size_t c = 0; c < s.C; ++c) {
    for (size_t b = 0; b < nb; ++b) col[b] = p1[b * s.C + c];
    s1.p[c] = combine_blocks(col.data(), nb);
    for (size_t b = 0; b < nb; ++b) col[b] = p2[b * s.C + c];
    s2.p[c] = combine_blocks(col.data(), nb);
  }
}

static size_t row_count(const BnShape& s) { return s.inner > 1 ? s.outer * s.C : s.outer; }

// bnStats(x, outer, C, inner, s1, s2): shifted sums S1 = sum(x - K), S2 = sum((x - K)^2) per channel.
static Napi::Value bn_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const BnShape s = arg_shape(info, 1);
  F32 s1 = arg_f32(info, 4, "s1"), s2 = arg_f32(info, 5, "s2");
  check_len(env, x, s.n, "x");
  check_channel_arrays(env, s, {{&s1, "s1"}, {&s2, "s2"}});
  check_disjoint(env, s1, x, "s1", "x");
  check_disjoint(env, s2, x, "s2", "x");
  check_disjoint(env, s2, s1, "s2", "s1");
  AddonData& d = addon(info);
  const auto k = d.table->batchnorm.stats;
  reduce_units(d, s, s1, s2, s.n, [&](size_t u0, size_t u1, float* p1, float* p2) { k(x.p, s.outer, s.C, s.inner, u0, u1, p1, p2); });
  return env.Undefined();
}

// bnGradSums(x, dy, mean, invstd, outer, C, inner, s1, s2): S1 = sum dy, S2 = sum dy * ((x - mean) * invstd).
static Napi::Value bn_grad_sums(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), dy = arg_f32(info, 1, "dy"), mean = arg_f32(info, 2, "mean"), invstd = arg_f32(info, 3, "invstd");
  const BnShape s = arg_shape(info, 4);
  F32 s1 = arg_f32(info, 7, "s1"), s2 = arg_f32(info, 8, "s2");
  check_len(env, x, s.n, "x");
  check_len(env, dy, s.n, "dy");
  check_channel_arrays(env, s, {{&mean, "mean"}, {&invstd, "invstd"}, {&s1, "s1"}, {&s2, "s2"}});
  for (const F32* in : {&x, &dy, &mean, &invstd}) {
    check_disjoint(env, s1, *in, "s1", "an input");
    check_disjoint(env, s2, *in, "s2", "an input");
  }
  check_disjoint(env, s2, s1, "s2", "s1");
  AddonData& d = addon(info);
  const auto k = d.table->batchnorm.gsums;
  reduce_units(d, s, s1, s2, 2 * s.n, [&](size_t u0, size_t u1, float* p1, float* p2) {
    k(x.p, dy.p, mean.p, invstd.p, s.outer, s.C, s.inner, u0, u1, p1, p2);
  });
  return env.Undefined();
}

// bnAffine(x, mean, scale, shift, y, outer, C, inner): y = ((x - mean) * scale) + shift per channel.
static Napi::Value bn_affine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), mean = arg_f32(info, 1, "mean"), scale = arg_f32(info, 2, "scale"), shift = arg_f32(info, 3, "shift");
  F32 y = arg_f32(info, 4, "y");
  const BnShape s = arg_shape(info, 5);
  check_len(env, x, s.n, "x");
  check_len(env, y, s.n, "y");
  check_channel_arrays(env, s, {{&mean, "mean"}, {&scale, "scale"}, {&shift, "shift"}});
  check_same_or_disjoint(env, y, x, "y", "x");
  for (const F32* in : {&mean, &scale, &shift}) check_disjoint(env, y, *in, "y", "a channel array");
  AddonData& d = addon(info);
  const auto k = d.table->batchnorm.affine;
  parallel_for(row_count(s), 1, s.n, d.threads, [&](size_t r0, size_t r1) {
    k(x.p, mean.p, scale.p, shift.p, y.p, s.C, s.inner, r0, r1);
  });
  return env.Undefined();
}

// bnDx(x, dy, mean, invstd, g, c1, c2, dx, outer, C, inner): dx = g * ((dy - c1) - ((x - mean) * invstd) * c2).
static Napi::Value bn_dx(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), dy = arg_f32(info, 1, "dy"), mean = arg_f32(info, 2, "mean"), invstd = arg_f32(info, 3, "invstd");
  F32 g = arg_f32(info, 4, "g"), c1 = arg_f32(info, 5, "c1"), c2 = arg_f32(info, 6, "c2"), dx = arg_f32(info, 7, "dx");
  const BnShape s = arg_shape(info, 8);
  check_len(env, x, s.n, "x");
  check_len(env, dy, s.n, "dy");
  check_len(env, dx, s.n, "dx");
  check_channel_arrays(env, s, {{&mean, "mean"}, {&invstd, "invstd"}, {&g, "g"}, {&c1, "c1"}, {&c2, "c2"}});
  check_same_or_disjoint(env, dx, x, "dx", "x");
  check_same_or_disjoint(env, dx, dy, "dx", "dy");
  for (const F32* in : {&mean, &invstd, &g, &c1, &c2}) check_disjoint(env, dx, *in, "dx", "a channel array");
  AddonData& d = addon(info);
  const auto k = d.table->batchnorm.dx;
  parallel_for(row_count(s), 1, 2 * s.n, d.threads, [&](size_t r0, size_t r1) {
    k(x.p, dy.p, mean.p, invstd.p, g.p, c1.p, c2.p, dx.p, s.C, s.inner, r0, r1);
  });
  return env.Undefined();
}

void register_batchnorm(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "bnStats", bn_stats);
  FG_FN(exports, "bnGradSums", bn_grad_sums);
  FG_FN(exports, "bnAffine", bn_affine);
  FG_FN(exports, "bnDx", bn_dx);
}

}  // namespace fg
