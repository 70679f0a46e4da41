// Convolution data-movement bindings (argument lists: lib/backend/spec/conv.ts; kernel spec: kernels/conv_api.h):
// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, col) and convCol2im(col, <the same
// 15>, dx). x and dx hold n samples of one group (C·H·W values each, sample s at s·xStride), col K·n·P
// values; every length is checked, and the taps are bounds-checked by the kernels, so no index leaves the arrays.
#include <atomic>
#include <new>
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

// The column matrix of n samples: K = C·kh·kw rows of n·P columns (P = OH·OW); col must hold exactly
// that. Returns K.
static size_t check_col(Napi::Env env, const F32& col, const ConvGeo& g, size_t n) {
  const size_t K = g.C * g.kh * g.kw, P = g.OH * g.OW;
  if ((double)K * P * n > 9.0e15) throw_range(env, "Expected the column matrix to fit in memory");
  check_len(env, col, K * P * n, "col");
  return K;
}

// convIm2col(x, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, col)
static Napi::Value conv_im2col_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const ConvGeo g = arg_geo(info, 1);
  const size_t n = arg_size(info, 14, "n"), xs = arg_size(info, 15, "xStride");
  F32 col = arg_f32(info, 16, "col");
  check_samples(env, x, g, n, xs, "x");
  const size_t K = check_col(env, col, g, n);
  check_disjoint(env, col, x, "col", "x");
  if (col.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.im2col;
  parallel_for(K, 1, col.n, d.threads, [&](size_t r0, size_t r1) { k(x.p, g, n, xs, col.p, r0, r1); });
  return env.Undefined();
}

// convCol2im(col, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, n, xStride, dx)
static Napi::Value conv_col2im_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 col = arg_f32(info, 0, "col");
  const ConvGeo g = arg_geo(info, 1);
  const size_t n = arg_size(info, 14, "n"), xs = arg_size(info, 15, "xStride");
  F32 dx = arg_f32(info, 16, "dx");
  check_col(env, col, g, n);
  check_samples(env, dx, g, n, xs, "dx");
  check_disjoint(env, dx, col, "dx", "col");
  if (n == 0 || g.C * g.H * g.W == 0) return env.Undefined();
  AddonData& d = addon(info);
  const auto k = d.table->conv.col2im;
  parallel_for(n * g.C, 1, col.n + n * g.C * g.H * g.W, d.threads, [&](size_t q0, size_t q1) { k(col.p, g, n, xs, dx.p, q0, q1); });
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

// ---- whole-layer GEMM passes: convForward and convBackwardData (argument lists: lib/backend/spec/conv.ts)
// run every (sample, group) item of a batch in one call: im2col into a buffer of the thread, one GEMM
// (gemm_table::block over the whole item), then the bias rows (forward) or col2im (backward). With at
// least as many items as threads, each thread takes whole items (no fork/join per GEMM, each GEMM's
// packing on one thread); with fewer, the items run one after another, each step on every thread. The
// GEMM spec's result does not depend on how C is cut, so both give the same bits.

static thread_local ThreadBuffer tl_col;

// true when x itself is the column matrix (a 1×1 kernel, stride 1, no padding)
static bool conv_pointwise(const ConvGeo& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.OH == g.H && g.OW == g.W;
}

struct ConvBatch {
  ConvGeo g;
  size_t n, groups, og, K, P, HW;
  bool pointwise;
  size_t items() const { return n * groups; }
  // x / dx of item t = (s, q): sample s, input channels [q·C, (q + 1)·C)
  size_t x_off(size_t t) const { return t * g.C * HW; }
  // y / dy of item t: sample s, output channels [q·og, (q + 1)·og)
  size_t y_off(size_t t) const { return t * og * P; }
  // the group's weight rows
  size_t w_off(size_t t) const { return (t % groups) * og * K; }
  // the lengths of x / dx, y / dy and weight / dw
  size_t x_len() const { return items() * g.C * HW; }
  size_t y_len() const { return items() * og * P; }
  size_t w_len() const { return groups * og * K; }
};

// One array of a pass: its length must be `len`; a null `a` is an absent optional one (no bias).
struct ConvOperand {
  const F32* a;
  size_t len;
  const char* name;
};

// The checks of every whole-layer pass, in this order: the inputs' lengths, the output's, then that the
// output overlaps no input.
static void check_operands(Napi::Env env, const ConvOperand (&ins)[3], const F32& out, size_t out_len, const char* out_name) {
  for (const ConvOperand& o : ins)
    if (o.a) check_len(env, *o.a, o.len, o.name);
  check_len(env, out, out_len, out_name);
  for (const ConvOperand& o : ins)
    if (o.a) check_disjoint(env, out, *o.a, out_name, o.name);
}

// The batch after the geometry (arguments first .. first + 12) and n, groups, outPerGroup; checks the sizes.
static ConvBatch arg_batch(const Napi::CallbackInfo& info, size_t first) {
  Napi::Env env = info.Env();
  ConvBatch b{arg_geo(info, first), arg_size(info, first + 13, "n"), arg_size(info, first + 14, "groups"), arg_size(info, first + 15, "outPerGroup"), 0, 0, 0, false};
  if (b.groups < 1) throw_range(env, "Expected groups >= 1 but received " + describe(info[first + 14]));
  b.K = b.g.C * b.g.kh * b.g.kw;
  b.P = b.g.OH * b.g.OW;
  b.HW = b.g.H * b.g.W;
  b.pointwise = conv_pointwise(b.g);
  const double items = (double)b.n * b.groups;
  if (items * b.g.C * b.HW > 9.0e15 || items * b.og * b.P > 9.0e15 || (double)b.groups * b.og * b.K > 9.0e15 || (double)b.og * b.K * b.P > 9.0e15)
    throw_range(env, "Expected the input, the output and the weight to fit in memory");
  return b;
}

// Runs item(t, col, ws) for every item: whole items per thread, or (fewer items than threads) one after
// another with inner(t) threads. Throws std::bad_alloc when a thread buffer cannot be had.
template <class Item>
static void conv_items(const ConvBatch& b, const gemm_table& gt, int threads, const Item& item) {
  const size_t T = b.items(), colf = b.pointwise ? 0 : b.K * b.P, nt = threads < 1 ? 1 : (size_t)threads;
  // parallel.h's work units: the GEMM's multiply-adds / 128 (as binding/gemm.cc) plus the elements moved
  const double per = (double)b.og * b.K * b.P / 128.0 + (double)b.K * b.P;
  const double total = per * T;
  const size_t work = (size_t)(total < 1e18 ? total : 1e18);
  if (T >= nt && (T % nt == 0 || T >= 4 * nt)) {
    std::atomic<bool> out_of_memory{false};
    parallel_for(T, 1, work, threads, [&](size_t t0, size_t t1) {
      float* ws = gemm_thread_workspace(gt.workspace_floats);
      float* col = colf ? tl_col.get(colf) : nullptr;
      if (!ws || (colf && !col)) {
        out_of_memory.store(true);
        return;
      }
      for (size_t t = t0; t < t1; ++t) item(t, col, ws, 1);
    });
    if (out_of_memory.load()) throw std::bad_alloc();
    return;
  }
  float* col = colf ? tl_col.get(colf) : nullptr;
  if (colf && !col) throw std::bad_alloc();
  for (size_t t = 0; t < T; ++t) item(t, col, nullptr, threads);
}

// The GEMM of one item: on this thread with its workspace ws, or (ws null) on `threads` threads.
static void conv_gemm(const gemm_table& gt, const gemm_args& a, float* ws, int threads) {
  if (ws) gt.block(a, 0, a.m, 0, a.n, ws);
  else gemm_run(gt, a, threads);
}

// convForward(x, weight, bias | null, y, <13 sizes>, n, groups, outPerGroup):
// y[s, q·og + o] = W_q · im2col(x[s, q]) (the GEMM spec, beta 0), then + bias[q·og + o] (one binary32 add)
static Napi::Value conv_forward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), w = arg_f32(info, 1, "weight");
  const bool has_bias = !info[2].IsNull() && !info[2].IsUndefined();
  F32 bias{nullptr, 0};
  if (has_bias) bias = arg_f32(info, 2, "bias");
  F32 y = arg_f32(info, 3, "y");
  const ConvBatch b = arg_batch(info, 4);
  check_operands(env, {{&x, b.x_len(), "x"}, {&w, b.w_len(), "weight"}, {has_bias ? &bias : nullptr, b.groups * b.og, "bias"}}, y, b.y_len(), "y");
  if (y.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const KernelTable& kt = *d.table;
  conv_items(b, kt.gemm, d.threads, [&](size_t t, float* col, float* ws, int threads) {
    const float* xs = x.p + b.x_off(t);
    if (!b.pointwise) {
      if (ws) kt.conv.im2col(xs, b.g, 1, 0, col, 0, b.K);
      else parallel_for(b.K, 1, b.K * b.P, threads, [&](size_t r0, size_t r1) { kt.conv.im2col(xs, b.g, 1, 0, col, r0, r1); });
    }
    float* yt = y.p + b.y_off(t);
    const gemm_args a{b.og, b.P, b.K, w.p + b.w_off(t), b.K, false, b.pointwise ? xs : col, b.P, false, yt, b.P, 1.0f, 0.0f, nullptr, nullptr};
    conv_gemm(kt.gemm, a, ws, threads);
    if (has_bias) {
      const float* bq = bias.p + (t % b.groups) * b.og;
      for (size_t o = 0; o < b.og; ++o) {
        const float v = bq[o];
        float* r = yt + o * b.P;
        for (size_t p = 0; p < b.P; ++p) r[p] = r[p] + v;
      }
    }
  });
  return env.Undefined();
}

// convBackwardData(dy, weight, dx, <13 sizes>, n, groups, outPerGroup):
// dx[s, q] = col2im(W_qᵀ · dy[s, q]) (the GEMM spec, beta 0); pointwise: dx[s, q] = W_qᵀ · dy[s, q]
static Napi::Value conv_backward_data_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy"), w = arg_f32(info, 1, "weight"), dx = arg_f32(info, 2, "dx");
  const ConvBatch b = arg_batch(info, 3);
  check_operands(env, {{&dy, b.y_len(), "dy"}, {&w, b.w_len(), "weight"}, {nullptr, 0, ""}}, dx, b.x_len(), "dx");
  if (dx.n == 0) return env.Undefined();
  AddonData& d = addon(info);
  const KernelTable& kt = *d.table;
  conv_items(b, kt.gemm, d.threads, [&](size_t t, float* col, float* ws, int threads) {
    float* dxt = dx.p + b.x_off(t);
    const gemm_args a{b.K, b.P, b.og, w.p + b.w_off(t), b.K, true, dy.p + b.y_off(t), b.P, false, b.pointwise ? dxt : col, b.P, 1.0f, 0.0f, nullptr, nullptr};
    conv_gemm(kt.gemm, a, ws, threads);
    if (b.pointwise) return;
    if (ws) kt.conv.col2im(col, b.g, 1, 0, dxt, 0, b.g.C);
    else parallel_for(b.g.C, 1, b.K * b.P + b.g.C * b.HW, threads, [&](size_t q0, size_t q1) { kt.conv.col2im(col, b.g, 1, 0, dxt, q0, q1); });
  });
  return env.Undefined();
}

// convBackwardWeight(dy, x, dw, <13 sizes>, n, groups, outPerGroup): for each group q, dW_q =
// gemm(dy[s, q], im2col(x[s, q]), transB) over the samples in order, beta 0 for s = 0 and 1 after (so
// each sample's k blocks are folded into the running sum by the GEMM spec); n = 0 gives +0. Threads own
// ranges of whole register panels of dW's columns (= rows of col) and run every sample on them: each
// gathers only its own rows of col, and no sample waits for another thread.
static Napi::Value conv_backward_weight_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy"), x = arg_f32(info, 1, "x"), dw = arg_f32(info, 2, "dw");
  const ConvBatch b = arg_batch(info, 3);
  const size_t T = b.items();
  check_operands(env, {{&dy, b.y_len(), "dy"}, {&x, b.x_len(), "x"}, {nullptr, 0, ""}}, dw, b.w_len(), "dw");
  if (dw.n == 0) return env.Undefined();
  if (b.n == 0 || b.P == 0) {
    for (size_t i = 0; i < dw.n; ++i) dw.p[i] = 0.0f;
    return env.Undefined();
  }
  AddonData& d = addon(info);
  const KernelTable& kt = *d.table;
  const gemm_table& gt = kt.gemm;
  const size_t nr = gt.nr, panels = (b.K + nr - 1) / nr, U = b.groups * panels, colf = b.pointwise ? 0 : b.K * b.P;
  const double total = (double)T * ((double)b.og * b.K * b.P / 128.0 + (double)b.K * b.P);
  const size_t work = (size_t)(total < 1e18 ? total : 1e18);
  std::atomic<bool> out_of_memory{false};
  parallel_for(U, 1, work, d.threads, [&](size_t u0, size_t u1) {
    float* ws = gemm_thread_workspace(gt.workspace_floats);
    float* col = colf ? tl_col.get(colf) : nullptr;
    if (!ws || (colf && !col)) {
      out_of_memory.store(true);
      return;
    }
    for (size_t u = u0; u < u1;) {
      const size_t q = u / panels, pe = u1 < (q + 1) * panels ? u1 : (q + 1) * panels;
      const size_t j0 = (u - q * panels) * nr, j1e = (pe - q * panels) * nr, j1 = j1e < b.K ? j1e : b.K;
      for (size_t s = 0; s < b.n; ++s) {
        const size_t t = s * b.groups + q;
        const float* xs = x.p + b.x_off(t);
        if (!b.pointwise) kt.conv.im2col(xs, b.g, 1, 0, col, j0, j1);
        const gemm_args a{b.og, b.K, b.P, dy.p + b.y_off(t), b.P, false, b.pointwise ? xs : col, b.P, true, dw.p + q * b.og * b.K, b.K, 1.0f, s ? 1.0f : 0.0f, nullptr, nullptr};
        gt.block(a, 0, b.og, j0, j1, ws);
      }
      u = pe;
    }
  });
  if (out_of_memory.load()) throw std::bad_alloc();
  return env.Undefined();
}

void register_conv(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "convIm2col", conv_im2col_fn);
  FG_FN(exports, "convCol2im", conv_col2im_fn);
  FG_FN(exports, "convForward", conv_forward_fn);
  FG_FN(exports, "convBackwardData", conv_backward_data_fn);
  FG_FN(exports, "convBackwardWeight", conv_backward_weight_fn);
  FG_FN(exports, "maxPoolForward", max_pool_forward_fn);
  FG_FN(exports, "maxPoolBackward", max_pool_backward_fn);
  FG_FN(exports, "avgPoolForward", avg_pool_fn<true>);
  FG_FN(exports, "avgPoolBackward", avg_pool_fn<false>);
  FG_FN(exports, "adaptiveAvgPoolForward", adaptive_pool_fn<true>);
  FG_FN(exports, "adaptiveAvgPoolBackward", adaptive_pool_fn<false>);
}

}  // namespace fg
