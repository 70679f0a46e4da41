// Convolution data movement (spec: docs/numerics.md "Convolution"; TypeScript twin lib/backend/js/conv.ts).
// One group of one sample: x is C planes of H × W; col is K = C·kh·kw rows of P = OH·OW columns,
// row r = (c·kh + i)·kw + j, column p = oh·OW + ow, tap h = oh·sh − ph + i·dh, w = ow·sw − pw + j·dw.
//   im2col: col[r][p] = x[c][h][w], or +0 when the tap is outside the input (exact copies).
//   col2im: every dx element of channels [c0, c1) = +0, then dx[c][h][w] = dx[c][h][w] + col[r][p] for
//           the rows r of channel c in increasing order and, inside a row, p in increasing order (each
//           element gets its taps in increasing (i, j) order, one binary32 add each).
// im2col writes rows [r0, r1); col2im writes channels [c0, c1) (threads own whole rows / channels).
#pragma once
#include <cstddef>

namespace fg {

struct ConvGeo {
  size_t C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
};

struct conv_table {
  void (*im2col)(const float* x, const ConvGeo& g, float* col, size_t r0, size_t r1);
  void (*col2im)(const float* col, const ConvGeo& g, float* dx, size_t c0, size_t c1);
};

}  // namespace fg
