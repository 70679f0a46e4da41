// Layer normalization over the last D values of each row (spec: docs/numerics.md "Layer normalization";
// TypeScript twin lib/backend/js/layernorm.ts). Binary32, no fma; Σ is the canonical sum
// (kernels/canonical.h) over a row's D terms, "/ D" one division by (float)D:
//   forward   mean = (Σ x) / D; var = (Σ (x − mean)²) / D; rstd = 1 / sqrt(var + eps)
//             h = (x − mean)·rstd; y = (h·γ) + β, or y = h without γ, β
//   dx        g = dy·γ (or dy); c1 = (Σ g) / D; c2 = (Σ g·h) / D; dx = rstd·((g − c1) − h·c2)
//   sums      per column j over rows [b0, b1) (one canonical block of rows, ≤ FG_BLOCK): partial
//             (r − b0) mod 16 gets dy·h (pg) and dy (pb); partials combined by the tree 8, 4, 2, 1;
//             the binding adds the blocks of a column in order.
// forward and dx take rows [r0, r1); sums takes columns [j0, j1).
#pragma once
#include <cstddef>
#include <vector>

namespace fg {

struct layernorm_table {
  void (*forward)(const float* x, size_t D, float eps, const float* gamma, const float* beta, float* y, float* mean,
                  float* rstd, size_t r0, size_t r1);
  void (*dx)(const float* dy, const float* x, size_t D, const float* mean, const float* rstd, const float* gamma,
             float* dx, size_t r0, size_t r1);
  void (*sums)(const float* dy, const float* x, size_t D, const float* mean, const float* rstd, size_t b0, size_t b1,
               size_t j0, size_t j1, float* pg, float* pb);
};

}  // namespace fg
