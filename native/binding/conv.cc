// Convolution data-movement bindings (argument lists: lib/backend/spec/conv.ts; kernel spec: kernels/conv_api.h):
// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, col) and convCol2im(col, <the same
// 15>, dx). x and dx hold n samples of one group (C·H·W values each, sample s at s·xStride), col K·n·P
// values; every length is checked, and the taps are bounds-checked by the kernels, so no index leaves the arrays.
#include <string>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// The 13 sizes of the geometry, read from arguments i .. i + 12 (names as in lib/backend/spec/conv.ts).
static ConvGeo arg_geo(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  static const char* names[13] = {"C", "H", "W", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "OH", "OW"};
  size_t v[13];
  for (size_t k = 0; k < 13; ++k) {
    v[k] = arg_size(info, i + k, names[k]);
    if (v[k] > 2147483647u) throw_range(env, std::string("Expected an integer in [0, 2^31) for ") + names[k] + " but received " + describe(info[i + k]));
  }
  ConvGeo g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  if (g.sh == 0 || g.sw == 0 || g.dh == 0 || g.dw == 0) throw_range(env, "Expected strides and dilations >= 1 (sh, sw, dh, dw)");
  const double K = (double)g.C * g.kh * g.kw, P = (double)g.OH * g.OW, X = (double)g.C * g.H * g.W;
  if (K * P > 9.0e15 || X > 9.0e15) throw_range(env, "Expected the column matrix and the input to fit in memory");
  return g;
}

// n samples of C·H·W values, sample s at s·xs of the array (xs >= C·H·W when n > 1): the array must hold
// the last one. Returns the number of values it needs.
static size_t check_samples(Napi::Env env, const F32& a, const ConvGeo& g, size_t n, size_t xs, const char* name) {
  const size_t chw = g.C * g.H * g.W;
  if (n > 1 && xs < chw) throw_range(env, std::string("Expected xStride >= C·H·W = ") + std::to_string(chw) + " (samples must not overlap) but received " + std::to_string(xs));
  if (n > 0 && ((double)(n - 1) * xs + chw > 9.0e15)) throw_range(env, "Expected the samples to fit in memory");
  const size_t need = n == 0 ? 0 : (n - 1) * xs + chw;
  if (a.n < need) throw_range(env, std::string("Expected ") + name + " of length >= " + std::to_string(need) + " ((n − 1)·xStride + C·H·W) but received length " + std::to_string(a.n));
  return need;
}

// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, col)
static Napi::Value conv_im2col_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const ConvGeo g = arg_geo(info, 1);
  const size_t n = arg_size(info, 14, "n"), xs = arg_size(info, 15, "xStride");
  F32 col = arg_f32(info, 16, "col");
  const size_t K = g.C * g.kh * g.kw, P = g.OH * g.OW;
  check_samples(env, x, g, n, xs, "x");
  if ((double)K * P * n > 9.0e15) throw_range(env, "Expected the column matrix to fit in memory");
  check_len(env, col, K * P * n, "col");
  check_disjoint(env, col, x, "col", "x");
  if (col.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.im2col;
  parallel_for(K, 1, K * P * n, d.threads, [&](size_t r0, size_t r1) { k(x.p, g, n, xs, col.p, r0, r1); });
  return env.Undefined();
}

// convCol2im(col, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, dx)
static Napi::Value conv_col2im_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 col = arg_f32(info, 0, "col");
  const ConvGeo g = arg_geo(info, 1);
  const size_t n = arg_size(info, 14, "n"), xs = arg_size(info, 15, "xStride");
  F32 dx = arg_f32(info, 16, "dx");
  const size_t K = g.C * g.kh * g.kw, P = g.OH * g.OW;
  if ((double)K * P * n > 9.0e15) throw_range(env, "Expected the column matrix to fit in memory");
  check_len(env, col, K * P * n, "col");
  check_samples(env, dx, g, n, xs, "dx");
  check_disjoint(env, dx, col, "dx", "col");
  if (n == 0 || g.C * g.H * g.W == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.col2im;
  parallel_for(n * g.C, 1, n * (K * P + g.C * g.H * g.W), d.threads, [&](size_t q0, size_t q1) { k(col.p, g, n, xs, dx.p, q0, q1); });
  return env.Undefined();
}

// ---- pools: x / dx are C planes of H × W, y / dy / idx C planes of OH × OW; planes are cut between threads.
// When both x and y are empty there is nothing to write, and the call returns at once (C may then be
// huge: no loop over empty planes).

static void check_planes(Napi::Env env, const ConvGeo& g, const F32& in, const char* in_name, const F32& out, const char* out_name,
                         bool in_is_x) {
  const size_t X = g.C * g.H * g.W, Y = g.C * g.OH * g.OW;
  check_len(env, in, in_is_x ? X : Y, in_name);
  check_len(env, out, in_is_x ? Y : X, out_name);
  check_disjoint(env, out, in, out_name, in_name);
}

// maxPoolForward(x, <13 sizes>, y, idx)
static Napi::Value max_pool_forward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const ConvGeo g = arg_geo(info, 1);
  F32 y = arg_f32(info, 14, "y");
  I32 idx = arg_i32(info, 15, "idx");
  check_planes(env, g, x, "x", y, "y", true);
  if (idx.n != g.C * g.OH * g.OW) throw_range(env, "Expected idx of length " + std::to_string(g.C * g.OH * g.OW) + " but received length " + std::to_string(idx.n));
  check_disjoint(env, region(idx), x, "idx", "x");
  check_disjoint(env, region(idx), y, "idx", "y");
  if (x.n == 0 && y.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.max_pool_forward;
  parallel_for(g.C, 1, g.C * g.OH * g.OW * g.kh * g.kw, d.threads, [&](size_t p0, size_t p1) { k(x.p, g, y.p, idx.p, p0, p1); });
  return env.Undefined();
}

// maxPoolBackward(dy, idx, <13 sizes>, dx): every index must lie in its plane
static Napi::Value max_pool_backward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy");
  I32 idx = arg_i32(info, 1, "idx");
  const ConvGeo g = arg_geo(info, 2);
  F32 dx = arg_f32(info, 15, "dx");
  check_planes(env, g, dy, "dy", dx, "dx", false);
  if (idx.n != dy.n) throw_range(env, "Expected idx of length " + std::to_string(dy.n) + " but received length " + std::to_string(idx.n));
  check_disjoint(env, dx, region(idx), "dx", "idx");
  const int64_t HW = (int64_t)(g.H * g.W);
  for (size_t o = 0; o < idx.n; ++o)
    if (idx.p[o] < 0 || idx.p[o] >= HW)
      throw_range(env, "Expected idx values in [0, H·W) = [0, " + std::to_string(HW) + ") but received " + std::to_string(idx.p[o]) + " at " + std::to_string(o));
  if (dy.n == 0 && dx.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.max_pool_backward;
  parallel_for(g.C, 1, g.C * (g.H * g.W + g.OH * g.OW), d.threads, [&](size_t p0, size_t p1) { k(dy.p, idx.p, g, dx.p, p0, p1); });
  return env.Undefined();
}

// avgPoolForward(x, <13 sizes>, countIncludePad, y) and avgPoolBackward(dy, <13 sizes>, countIncludePad, dx)
template <bool Forward>
static Napi::Value avg_pool_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 in = arg_f32(info, 0, Forward ? "x" : "dy");
  const ConvGeo g = arg_geo(info, 1);
  const bool cip = arg_bool(info, 14, "countIncludePad");
  F32 out = arg_f32(info, 15, Forward ? "y" : "dx");
  check_planes(env, g, in, Forward ? "x" : "dy", out, Forward ? "y" : "dx", Forward);
  if (in.n == 0 && out.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const size_t work = g.C * (g.H * g.W + g.OH * g.OW * g.kh * g.kw);
  if constexpr (Forward) {
    const auto k = d.table->conv.avg_pool_forward;
    parallel_for(g.C, 1, work, d.threads, [&](size_t p0, size_t p1) { k(in.p, g, cip, out.p, p0, p1); });
  } else {
    const auto k = d.table->conv.avg_pool_backward;
    parallel_for(g.C, 1, work, d.threads, [&](size_t p0, size_t p1) { k(in.p, g, cip, out.p, p0, p1); });
  }
  return env.Undefined();
}

// adaptiveAvgPoolForward(x, C, H, W, OH, OW, y) and adaptiveAvgPoolBackward(dy, C, H, W, OH, OW, dx)
template <bool Forward>
static Napi::Value adaptive_pool_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 in = arg_f32(info, 0, Forward ? "x" : "dy");
  static const char* names[5] = {"C", "H", "W", "OH", "OW"};
  size_t v[5];
  for (size_t k = 0; k < 5; ++k) {
    v[k] = arg_size(info, 1 + k, names[k]);
    if (v[k] > 2147483647u) throw_range(env, std::string("Expected an integer in [0, 2^31) for ") + names[k] + " but received " + describe(info[1 + k]));
  }
  ConvGeo g{v[0], v[1], v[2], 1, 1, 1, 1, 0, 0, 1, 1, v[3], v[4]};
  if ((double)g.C * g.H * g.W > 9.0e15 || (double)g.C * g.OH * g.OW > 9.0e15) throw_range(env, "Expected the input and the output to fit in memory");
  F32 out = arg_f32(info, 6, Forward ? "y" : "dx");
  check_planes(env, g, in, Forward ? "x" : "dy", out, Forward ? "y" : "dx", Forward);
  if (in.n == 0 && out.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const size_t work = g.C * (g.H * g.W + g.OH * g.OW);
  if constexpr (Forward) {
    const auto k = d.table->conv.adaptive_avg_pool_forward;
    parallel_for(g.C, 1, work, d.threads, [&](size_t p0, size_t p1) { k(in.p, g, out.p, p0, p1); });
  } else {
    const auto k = d.table->conv.adaptive_avg_pool_backward;
    parallel_for(g.C, 1, work, d.threads, [&](size_t p0, size_t p1) { k(in.p, g, out.p, p0, p1); });
  }
  return env.Undefined();
}

void register_conv(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "convIm2col", conv_im2col_fn);
  FG_FN(exports, "convCol2im", conv_col2im_fn);
  FG_FN(exports, "maxPoolForward", max_pool_forward_fn);
  FG_FN(exports, "maxPoolBackward", max_pool_backward_fn);
  FG_FN(exports, "avgPoolForward", avg_pool_fn<true>);
  FG_FN(exports, "avgPoolBackward", avg_pool_fn<false>);
  FG_FN(exports, "adaptiveAvgPoolForward", adaptive_pool_fn<true>);
  FG_FN(exports, "adaptiveAvgPoolBackward", adaptive_pool_fn<false>);
}

}  // namespace fg
