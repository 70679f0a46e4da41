// Canonical reduction order (DESIGN §2): the ISA-independent part, see kernels/canonical.h.
#pragma once
#include <cstddef>
#include "contract.h"  // FG_BLOCK

namespace fg {

inline size_t num_blocks(size_t n) { return (n + FG_BLOCK - 1) / FG_BLOCK; }

// Blocks combined in index order: s0 + s1 + ... (empty = +0).
inline float combine_blocks(const float* s, size_t nb) {
  if (nb == 0) return 0.0f;
  float t = s[0];
  for (size_t b = 1; b < nb; ++b) t = t + s[b];
  return t;
}

}  // namespace fg
