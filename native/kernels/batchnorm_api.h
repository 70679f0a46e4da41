// Batch normalization family: the four heavy passes. Per-channel scalars (mean, inverse std, folded
// scale and shift, backward coefficients) are computed once in TypeScript (lib/nn/functional.ts) and
// passed in, so both backends share them bit for bit.
//
// Layout: x is (outer, C, inner) row-major: element (o, c, i) at (o*C + c)*inner + i. (N,C): outer=N,
// inner=1. (N,C,L): inner=L. (N,C,H,W): inner=H*W. Channels-last (N,H,W,C): outer=N*H*W, inner=1.
// Channel c's term sequence is j = o*inner + i, j = 0 .. m-1, m = outer*inner (n-major, then h, w).
//
// Spec (binary32, lane by lane, no fma), every sum canonical (kernels/canonical.h) over channel c's
// term sequence, blocks of FG_BLOCK terms:
//   stats:  K = x(c, j=0);  d = x - K;   S1 = sum d,  S2 = sum (d * d)
//   gsums:  t = x - mean[c]; h = t * invstd[c];  S1 = sum dy,  S2 = sum (dy * h)
//   affine: y = ((x - mean[c]) * scale[c]) + shift[c]
//   dx:     t = x - mean[c]; h = t * invstd[c]; u = dy - c1[c]; v = h * c2[c]; dx = g[c] * (u - v)
//
// Reductions write one partial per (channel, block): p1/p2[b*C + c]; the binding adds the partials
// of a channel in block order. Work units for the reductions (threads own whole units):
//   inner > 1:  unit u = c*nb + b            (one channel, one block)
//   inner == 1: unit u = g*nb + b, g = chunk of 16 channels [16g, 16g+16) (lanes run across channels)
// with nb = number of blocks of m terms. Elementwise passes take [begin, end) of rows: segments
// (o, c) of `inner` elements when inner > 1, or rows o of C elements when inner == 1.
#pragma once
#include <cstddef>

namespace fg {

constexpr size_t BN_CHUNK = 16;  // channels per unit when inner == 1 (a multiple of every lane count)

struct batchnorm_table {
  void (*stats)(const float* x, size_t outer, size_t C, size_t inner, size_t u0, size_t u1, float* p1, float* p2);
  void (*gsums)(const float* x, const float* dy, const float* mean, const float* invstd, size_t outer, size_t C,
                size_t inner, size_t u0, size_t u1, float* p1, float* p2);
  void (*affine)(const float* x, const float* mean, const float* scale, const float* shift, float* y, size_t C,
                 size_t inner, size_t r0, size_t r1);
  void (*dx)(const float* x, const float* dy, const float* mean, const float* invstd, const float* g, const float* c1,
             const float* c2, float* dx, size_t C, size_t inner, size_t r0, size_t r1);
};

}  // namespace fg
