// Elementwise family: table of kernels. Spec (binary32, lane by lane, no fma):
//   binary op in {add, sub, mul, div}: y = a op b, with b full (vv), a scalar (vs),
//     a row vector of length cols (row: b[c]) or a column vector of length rows (col: b[r]).
//   axpy: y = y + (alpha * x)  (two roundings)     fill: y = v        copy: y = x
//   clamp: t = (x < lo) ? lo : x; y = (t > hi) ? hi : t   (NaN propagates)
// Ranges are [begin, end) of elements (vv, vs, axpy, fill, copy, clamp) or of rows (row, col).
#pragma once
#include <cstddef>
#include "contract.h"  // BinaryOp, BroadcastMode

namespace fg {

struct elementwise_table {
  void (*vv[OP_COUNT])(const float* a, const float* b, float* y, size_t begin, size_t end);
  void (*vs[OP_COUNT])(const float* a, float s, float* y, size_t begin, size_t end);
  void (*row[OP_COUNT])(const float* a, const float* b, float* y, size_t cols, size_t rbegin, size_t rend);
  void (*col[OP_COUNT])(const float* a, const float* b, float* y, size_t cols, size_t rbegin, size_t rend);
  void (*axpy)(float alpha, const float* x, float* y, size_t begin, size_t end);
  void (*fill)(float v, float* y, size_t begin, size_t end);
  void (*copy)(const float* x, float* y, size_t begin, size_t end);
  void (*clamp)(const float* x, float lo, float hi, float* y, size_t begin, size_t end);
};

}  // namespace fg
