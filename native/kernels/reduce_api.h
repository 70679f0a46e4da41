// Reduction family: table of kernels. Spec (binary32, every op in the order given; docs/numerics.md,
// "Reduction family"):
//
// Sum-like kinds use the canonical order of kernels/canonical.h over the terms t(i):
//   RK_SUM   t(i) = x[i]
//   RK_SUMSQ t(i) = x[i] * x[i]
//   RK_SQDEV t(i) = d * d with d = x[i] - m   (m: the binary32 mean, passed in)
// RK_MAX uses the same block/partial/tree shape with mx instead of +, and -Inf instead of +0:
//   mx(a, b) = (b > a || b is NaN) ? b : a   (keeps a on ties, so +0/-0 ties keep the earlier
//   operand of the fixed order; once a NaN is in, it stays).
//   Block: 16 partials q[j] = -Inf; for i in order q[i mod 16] = mx(q[i mod 16], x[i]);
//   tree s = 8, 4, 2, 1: q[j] = mx(q[j], q[j + s]); blocks combined in index order with mx.
// Argmax (order-free, so any evaluation order gives the same answer): the index of the first NaN if
//   there is one, else the first index i with x[i] == max (+0 == -0). Empty ranges are the caller's error.
// Finishing (in the binding / axis kernels): mean = sum / (float)n; variance = sqdev_sum / divisor
//   with m = mean and divisor = (float)max(0, n - correction) computed by the caller; norm = sqrt(sumsq).
//
// Axis kernels reduce a row-major rows x cols matrix: rows(...) reduces each row r in [r0, r1) into
// out[r]; cols(...) reduces each column c in [c0, c1) (the sequence x[0][c], x[1][c], ...) into out[c],
// both with exactly the spec above applied to that sequence; op is a ReduceOp; argmax writes the
// index rounded to binary32.
#pragma once
#include <cstddef>
#include "contract.h"  // ReduceOp

namespace fg {

// What a pass over canonical blocks accumulates.
enum ReduceKind : int { RK_SUM = 0, RK_SUMSQ = 1, RK_SQDEV = 2, RK_MAX = 3 };

struct reduce_table {
  // s[b] = block value of kind `kind` for every canonical block b in [b0, b1) of x[0..n).
  void (*blocks)(int kind, const float* x, size_t n, float m, size_t b0, size_t b1, float* s);
  // Block values combined in index order: + for the sum kinds, mx for RK_MAX (nb >= 1 for RK_MAX).
  float (*combine)(int kind, const float* s, size_t nb);
  // v[b], k[b] = value and global index of the argmax of block b in [b0, b1).
  void (*argmax_blocks)(const float* x, size_t n, size_t b0, size_t b1, float* v, size_t* k);
  // The argmax over blocks 0..nb-1 given their (v, k), nb >= 1.
  size_t (*combine_argmax)(const float* v, const size_t* k, size_t nb);
  // Axis reductions (see above). divisor is used by RED_VAR only.
  void (*rows)(int op, const float* x, size_t cols, float divisor, size_t r0, size_t r1, float* out);
  void (*cols)(int op, const float* x, size_t rows, size_t cols, float divisor, size_t c0, size_t c1, float* out);
};

}  // namespace fg
