// Layer normalization over the last D values of each row (spec: docs/numerics.md "Layer normalization";
// TypeScript twin lib/backend/js/layernorm.ts). Binary32, no fma; Σ is the canonical sum
// (kernels/canonical.h) over a row's D terms, "/ D" one division by (float)D:
//   forward   mean = (Σ x) / D; var = (Σ (x − mean)²) / D; rstd = 1 / sqrt(var + eps)
//             h = (x − mean)·rstd; y = (h·γ) + β, or y = h without γ, β
//   backward  g = dy·γ (or dy); c1 = (Σ g) / D; c2 = (Σ g·h) / D; dx = rstd·((g − c1) − h·c2);
//             with pg, pb (affine): rows in groups of LN_GROUP (row r in group r / LN_GROUP); for each
//             column j, group q's sums start at +0 and add the group's rows in order:
//             pg[q·D + j] = pg[q·D + j] + dy·h, pb[q·D + j] = pb[q·D + j] + dy. The binding then takes
//             dγ, dβ as the canonical column sums (reduce family, axis 0) of the group sums.
// forward and backward take rows [r0, r1); with pg, r0 is a multiple of LN_GROUP and r1 one or R.
#pragma once
#include <cstddef>
#include "contract.h"  // LN_GROUP

namespace fg {

struct layernorm_table {
  void (*forward)(const float* x, size_t D, float eps, const float* gamma, const float* beta, float* y, float* mean,
                  float* rstd, size_t r0, size_t r1);
  void (*backward)(const float* dy, const float* x, size_t D, const float* mean, const float* rstd, const float* gamma,
                   float* dx, float* pg, float* pb, size_t r0, size_t r1);
};

}  // namespace fg
