// Embedding family: the backward scatter-add of an embedding lookup. Spec: native/kernels/embedding_api.h,
// docs/numerics.md "Embedding"; twin: lib/backend/js/embedding.ts.
import { arg, defineFamily } from '../contract.js';

export interface EmbeddingKernels {
  /**
   * dw (n × D) = +0, then for i = 0, 1, … in order, unless idx[i] = paddingIdx (−1: none):
   * dw[idx[i]] = dw[idx[i]] + dy[i] (rows of D, one binary32 add per element). Every idx in [0, n).
   */
  backward(dy: Float32Array, idx: Int32Array, n: number, D: number, paddingIdx: number, dw: Float32Array): void;
}

export const embedding = defineFamily<EmbeddingKernels>()({
  name: 'embedding',
  doc: 'the scatter-add of an embedding lookup (its weight gradient), in index order',
  table: true,
  declarations: [],
  entries: {
    embeddingBackward: {
      args: [arg.f32('dy'), arg.i32('idx'), arg.size('n'), arg.size('D'), arg.int('paddingIdx', -1, 2147483647), arg.f32('dw')],
    },
  },
  adapt: (a) => ({
    backward: (dy, idx, n, D, paddingIdx, dw) => a.embeddingBackward(dy, idx, n, D, paddingIdx, dw),
  }),
});
