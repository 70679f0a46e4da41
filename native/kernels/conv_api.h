// Convolution data movement (spec: docs/numerics.md "Convolution"; TypeScript twin lib/backend/js/conv.ts).
// The whole-layer passes (convForward, convBackwardData, convBackwardWeight) are compositions of these
// kernels and the GEMM's block, in native/binding/conv.cc.
// One group of n samples: sample s is C planes of H × W at x + s·xs; col is K = C·kh·kw rows of n·P
// columns (P = OH·OW), row r = (c·kh + i)·kw + j, column s·P + p with p = oh·OW + ow, tap
// h = oh·sh − ph + i·dh, w = ow·sw − pw + j·dw.
//   im2col: col[r][p] = x[c][h][w], or +0 when the tap is outside the input (exact copies).
//   col2im: every dx element of channels [c0, c1) = +0, then dx[c][h][w] = dx[c][h][w] + col[r][p] for
//           the rows r of channel c in increasing order and, inside a row, p in increasing order (each
//           element gets its taps in increasing (i, j) order, one binary32 add each).
// im2col writes rows [r0, r1); col2im writes planes q = s·C + c in [q0, q1) (threads own whole rows /
// planes; nothing else of dx is written).
//
// Pools (spec: docs/numerics.md "Pooling"; TypeScript twin lib/backend/js/pool.ts): C counts every plane
// (N·channels); window (oh, ow) has taps h = oh·sh − ph + i·dh, w = ow·sw − pw + j·dw in row-major (i, j)
// order, taps outside the plane skipped. Binary32, in this order, planes [p0, p1):
//   max fwd   m = −Inf, k = the first tap inside; per tap: if (v > m || v is NaN) { m = v; k = h·W + w };
//             y = m, idx = k
//   max bwd   the plane of dx = +0; for each output o in order: dx[idx[o]] = dx[idx[o]] + dy[o]
//   avg fwd   s = +0, s = s + v per tap inside; y = s / d, d = (float)(kh·kw) with countIncludePad,
//             else (float)(the number of taps inside)
//   avg bwd   the plane of dx = +0; for each output in order: t = dy / d; dx = dx + t at each tap inside
//   adaptive  window rows [⌊oh·H/OH⌋, ⌈(oh+1)·H/OH⌉), columns likewise; as avg with d = the window's size
#pragma once
#include <cstddef>
#include <cstdint>

namespace fg {

struct ConvGeo {
  size_t C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
};

struct conv_table {
  void (*im2col)(const float* x, const ConvGeo& g, size_t n, size_t xs, float* col, size_t r0, size_t r1);
  void (*col2im)(const float* col, const ConvGeo& g, size_t n, size_t xs, float* dx, size_t q0, size_t q1);
  void (*max_pool_forward)(const float* x, const ConvGeo& g, float* y, int32_t* idx, size_t p0, size_t p1);
  void (*max_pool_backward)(const float* dy, const int32_t* idx, const ConvGeo& g, float* dx, size_t p0, size_t p1);
  void (*avg_pool_forward)(const float* x, const ConvGeo& g, bool count_include_pad, float* y, size_t p0, size_t p1);
  void (*avg_pool_backward)(const float* dy, const ConvGeo& g, bool count_include_pad, float* dx, size_t p0, size_t p1);
  // adaptive: only C, H, W, OH, OW of g are read
  void (*adaptive_avg_pool_forward)(const float* x, const ConvGeo& g, float* y, size_t p0, size_t p1);
  void (*adaptive_avg_pool_backward)(const float* dy, const ConvGeo& g, float* dx, size_t p0, size_t p1);
};

}  // namespace fg
