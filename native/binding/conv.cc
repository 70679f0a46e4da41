// Convolution data-movement bindings (argument lists: lib/backend/spec/conv.ts; kernel spec: kernels/conv_api.h):
// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, col) and convCol2im(col, <the same 13>, dx). x and dx are one
// group of one sample (C·H·W values), col K·P values; every length is checked, and the taps are
// bounds-checked by the kernels, so no index leaves the arrays.
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

// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, col)
static Napi::Value conv_im2col_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const ConvGeo g = arg_geo(info, 1);
  F32 col = arg_f32(info, 14, "col");
  const size_t K = g.C * g.kh * g.kw, P = g.OH * g.OW;
  check_len(env, x, g.C * g.H * g.W, "x");
  check_len(env, col, K * P, "col");
  check_disjoint(env, col, x, "col", "x");
  AddonData& d = addon(info);
  const auto k = d.table->conv.im2col;
  parallel_for(K, 1, K * P, d.threads, [&](size_t r0, size_t r1) { k(x.p, g, col.p, r0, r1); });
  return env.Undefined();
}

// convCol2im(col, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, dx)
static Napi::Value conv_col2im_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 col = arg_f32(info, 0, "col");
  const ConvGeo g = arg_geo(info, 1);
  F32 dx = arg_f32(info, 14, "dx");
  const size_t K = g.C * g.kh * g.kw, P = g.OH * g.OW;
  check_len(env, col, K * P, "col");
  check_len(env, dx, g.C * g.H * g.W, "dx");
  check_disjoint(env, dx, col, "dx", "col");
  AddonData& d = addon(info);
  const auto k = d.table->conv.col2im;
  parallel_for(g.C, 1, K * P + g.C * g.H * g.W, d.threads, [&](size_t c0, size_t c1) { k(col.p, g, dx.p, c0, c1); });
  return env.Undefined();
}

void register_conv(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "convIm2col", conv_im2col_fn);
  FG_FN(exports, "convCol2im", conv_col2im_fn);
}

}  // namespace fg
