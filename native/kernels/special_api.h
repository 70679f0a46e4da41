// Special family: elementwise functions computed in binary64 and rounded once to binary32, with the
// bits of JavaScript's Math functions, so they match code that calls Math.* per element (tfjs's CPU
// kernels). TypeScript twin: lib/backend/js/special.ts; spec: docs/numerics.md "Special family".
//
//   log1p(x): fdlibm's log1p (V8's Math.log1p is the same port) on the binary64 value of x, then one
//   rounding to binary32. Plain binary64 adds, multiplies and one divide in a fixed order, no fma (the
//   build's -ffp-contract=off), no libm; the same code at every ISA level. log1p(-1) = -inf,
//   log1p(x < -1) = NaN, log1p(+inf) = +inf, log1p(±0) = ±0, NaN in, NaN out.
// Ranges are [begin, end) of elements.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace fg {

struct special_table {
  void (*log1p)(const float* x, float* y, size_t i0, size_t i1);
};

}  // namespace fg
