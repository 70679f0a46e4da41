// Unary family: table of kernels. Spec (binary32, lane by lane, no fma, no libm); the same text with
// the coefficients' hex values is in docs/numerics.md ("Unary family"); the TypeScript twin is
// lib/backend/js/unary.ts. min(a,b) = a < b ? a : b, max(a,b) = a > b ? a : b (x86 minps/maxps).
//
//   neg: flip the sign bit        abs: clear the sign bit        sqrt: correctly rounded sqrt
//   square: x * x                 relu: x <= 0 ? +0 : x (NaN propagates, relu(-0) = +0)
//   exp(x):  c = min(89, max(x, -104));  n = floor(c * LOG2E + 0.5);
//            r = c - n * LN2_HI (exact);  r = r - n * LN2_LO;  z = r * r;
//            p = E5; p = p * r + Ek for k = 4..0 (mul then add);  p = p * z;  p = p + r;  p = p + 1;
//            n1 = floor(n * 0.5); n2 = n - n1;  y = (p * 2^n1) * 2^n2  (2^k built from bits; the
//            first product is exact, the second rounds once: right for subnormal results and overflow);
//            y = isnan(x) ? x : y.
//   log(x):  s = x < 2^-126;  u = s ? x * 2^23 : x;  e = exponent(u) - (s ? 23 : 0);  m = mantissa(u) in [1, 2);
//            m < SQRT2 ? (f = m - 1) : (f = m * 0.5 - 1, e = e + 1);  z = f * f;
//            p = L8; p = p * f + Lk for k = 7..0;  p = p * f;  p = p * z;  p = p + e * LN2_LO;
//            p = p - z * 0.5;  y = f + p;  y = y + e * LN2_HI (exact product);
//            then x == +inf -> +inf; x == ±0 -> -inf; x < 0 -> NaN; NaN -> x.
//   tanh(x): z = |x|;  if z < 0.625: s = z * z; p = T4; p = p * s + Tk for k = 3..0; p = p * s; p = p * z; r = p + z
//            else r = 1 - 2 / (exp(z + z) + 1);  y = r with the sign bit of x (tanh(-0) = -0).
//   sigmoid(x): e = exp(-|x|);  d = 1 + e;  y = (x < 0 ? e : 1) / d.
// Backward, from the forward output y and the upstream gradient dy:
//   relu: dx = y > 0 ? dy : 0     sigmoid: dx = dy * (y * (1 - y))     tanh: dx = dy * (1 - y * y)
// Softmax / logSoftmax of each row x[0..cols-1]:
//   m = row max in the canonical block structure (kernels/canonical.h) with the update p = max(x_i, p)
//       from p = -inf (NaN elements are skipped), the tree p[j] = max(p[j], p[j+s]), blocks combined in
//       order m = max(m, block); an empty row or a row of NaNs gives -inf. A NaN still reaches every
//       output: exp(NaN - m) = NaN makes the row sum NaN.
//   s = canonical sum of e_i = exp(x_i - m);
//   softmax: y_i = e_i / s;   logSoftmax: y_i = (x_i - m) - log(s).
// Ranges are [begin, end) of elements (map, backward) or of rows (softmax).
#pragma once
#include <cstddef>
#include "contract.h"  // UnaryOp, ActBackward

namespace fg {

struct unary_table {
  // y[i] = op(x[i]) for i in [begin, end); x == y allowed. map[UN_RELU], map[UN_SIGMOID], map[UN_TANH]
  // are the activations a GEMM epilogue may apply to a finished output range.
  void (*map[UN_COUNT])(const float* x, float* y, size_t begin, size_t end);
  // dx[i] from y[i] and dy[i]; dx may be y or dy.
  void (*backward[ACT_COUNT])(const float* y, const float* dy, float* dx, size_t begin, size_t end);
  // Rows [rbegin, rend) of a (rows x cols) matrix; y may be x.
  void (*softmax)(const float* x, float* y, size_t cols, size_t rbegin, size_t rend);
  void (*log_softmax)(const float* x, float* y, size_t cols, size_t rbegin, size_t rend);
};

}  // namespace fg
