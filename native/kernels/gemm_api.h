// GEMM family: C = alpha * op(A) * op(B) + beta * C, then an optional epilogue (bias row, activation).
//
// Spec (DESIGN §2; the same in every ISA, every thread count and the TypeScript twin
// lib/backend/js/gemm.ts). op(A) is M x K, op(B) is K x N, C is M x N, all row-major. For each
// output element c = C[i][j]:
//   - the k range is cut into blocks of GEMM_KC = 256 (the last may be shorter);
//   - block b gives p_b: p = +0; for k in the block, in increasing order: p = fma(a[i][k], b[k][j], p)
//     (one binary32 fma, one rounding);
//   - block 0: c = alpha * p_0 if beta == 0 (C is not read: NaN/Inf in C are ignored, as in BLAS),
//              else c = (beta * c) + (alpha * p_0);
//     block b >= 1: c = c + (alpha * p_b);                    (binary32 mul and add, one rounding each)
//     (alpha == 1 and beta == 1 skip their multiply: x * 1 is x, bit for bit.)
//   - K == 0 or alpha == 0 (A and B are not read, as in BLAS): c = +0 if beta == 0, else beta * c;
//   - epilogue, after the last block: if a bias row is given, c = c + bias[j]; then the activation:
//     the unary family's relu, sigmoid or tanh kernel (unary_api.h), run on each finished row range.
// Threads split rows and columns of C, never k, so nothing depends on how the work is cut.
#pragma once
#include <cstddef>
#include "contract.h"  // GEMM_KC, GemmActivation

namespace fg {

// One row-range activation y[begin, end) = act(x[begin, end)) (the unary family's signature).
using gemm_row_fn = void (*)(const float* x, float* y, size_t begin, size_t end);

struct gemm_args {
  size_t m, n, k;
  const float* a;  // op(A)[i][k] = trans_a ? a[k * lda + i] : a[i * lda + k]
  size_t lda;
  bool trans_a;
  const float* b;  // op(B)[k][j] = trans_b ? b[j * ldb + k] : b[k * ldb + j]
  size_t ldb;
  bool trans_b;
  float* c;        // C[i][j] = c[i * ldc + j]
  size_t ldc;
  float alpha, beta;
  const float* bias;   // length n, or nullptr
  gemm_row_fn act;     // nullptr for none
};

struct gemm_table {
  // Register tile: mr rows by nr columns of C (the thread partition's alignment).
  size_t mr, nr;
  // Floats of packing workspace one call of `block` needs (the packed A and B blocks).
  size_t workspace_floats;
  // Computes C[m0, m1) x [n0, n1) (rows, columns) by the spec, using `ws` (workspace_floats floats,
  // 64-byte aligned) for the packed panels. Never allocates, never threads itself.
  void (*block)(const gemm_args& g, size_t m0, size_t m1, size_t n0, size_t n1, float* ws);
  // y = fma(a, b, c) elementwise over [begin, end) (tests the TypeScript fmaf emulation).
  void (*fmaf)(const float* a, const float* b, const float* c, float* y, size_t begin, size_t end);
};

}  // namespace fg
