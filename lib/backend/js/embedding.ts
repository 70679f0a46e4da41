// The embedding's weight gradient (docs/numerics.md "Embedding"; native twin native/kernels/embedding.h):
// dw = +0, then for i = 0, 1, … in index order, unless idx[i] = paddingIdx (−1: none),
// dw[idx[i]][j] = dw[idx[i]][j] + dy[i][j] — one binary32 add per element, so a row that appears several
// times gets its terms in a fixed order.
import type { EmbeddingKernels } from '../kernels.js';

function backward(dy: Float32Array, idx: Int32Array, n: number, D: number, paddingIdx: number, dw: Float32Array): void {
  dw.fill(0, 0, n * D);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] === paddingIdx) continue;
    const o = idx[i] * D, s = i * D;
    for (let j = 0; j < D; j++) dw[o + j] += dy[s + j];
  }
}

export const jsEmbedding: EmbeddingKernels = { backward };
