// The embedding's weight gradient (spec: docs/numerics.md "Embedding"; TypeScript twin
// lib/backend/js/embedding.ts): over columns [j0, j1) of the n × D table, dw = +0, then for i = 0, 1, …
// in index order, unless idx[i] = padding_idx (−1: none): dw[idx[i]][j] = dw[idx[i]][j] + dy[i][j], one
// binary32 add each. Threads own column ranges, so every element gets its terms in index order.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fg {

struct embedding_table {
  void (*backward)(const float* dy, const int32_t* idx, size_t m, size_t n, size_t D, int32_t padding_idx, float* dw,
                   size_t j0, size_t j1);
};

}  // namespace fg
