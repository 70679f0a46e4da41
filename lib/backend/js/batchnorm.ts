// TypeScript twin of native/kernels/batchnorm.h: the same binary32 operations in the same order.
// Channel c's terms run j = o*inner + i; canonical sums (lib/backend/js/canonical.ts): blocks of BLOCK
// terms, term j of a block into partial j mod 16, tree s = 8, 4, 2, 1, blocks added in order.
import type { BatchNormKernels, BatchNormLayout } from '../kernels.js';
import { BLOCK } from './canonical.js';

const fr = Math.fround;
const P1 = new Float32Array(16);
const P2 = new Float32Array(16);

function tree(P: Float32Array): number {
  for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = P[j] + P[j + s];
  return P[0];
}

/**
 * Both canonical sums of one channel. grad = false: a = shift K, t1 = x − K, t2 = t1·t1.
 * grad = true: a = mean, b = invstd, t1 = dy, t2 = dy·((x − a)·b).
 * A block's terms are walked segment by segment (a segment = the `inner` contiguous values of one o).
 */
function channelSums(x: Float32Array, dy: Float32Array | null, a: number, b: number, L: BatchNormLayout, c: number, out: Float32Array): void {
  const { outer, channels, inner } = L;
  const m = outer * inner, stride = channels * inner;
  let s1 = 0, s2 = 0;
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const j1 = Math.min(m, j0 + BLOCK);
    P1.fill(0);
    P2.fill(0);
    let i = j0 % inner;
    let base = ((j0 - i) / inner) * stride + c * inner;
    let q = 0;
    for (let j = j0; j < j1; ) {
      const len = Math.min(inner - i, j1 - j);
      const from = base + i, to = from + len;
      if (dy) {
        for (let k = from; k < to; k++, q = (q + 1) & 15) {
          const d = dy[k];
          P1[q] += d;
          P2[q] += fr(d * fr(fr(x[k] - a) * b));
        }
      } else {
        for (let k = from; k < to; k++, q = (q + 1) & 15) {
          const d = fr(x[k] - a);
          P1[q] += d;
          P2[q] += fr(d * d);
        }
      }
      j += len;
      i += len;
      if (i === inner) {
        i = 0;
        base += stride;
      }
    }
    const t1 = tree(P1), t2 = tree(P2);
    s1 = j0 === 0 ? t1 : fr(s1 + t1);
    s2 = j0 === 0 ? t2 : fr(s2 + t2);
  }
  out[0] = s1;
  out[1] = s2;
}

const pair = new Float32Array(2);

export const jsBatchnorm: BatchNormKernels = {
  stats(x, L, s1, s2) {
    for (let c = 0; c < L.channels; c++) {
      channelSums(x, null, L.outer * L.inner > 0 ? x[c * L.inner] : 0, 0, L, c, pair);
      s1[c] = pair[0];
      s2[c] = pair[1];
    }
  },
  gradSums(x, dy, mean, invstd, L, s1, s2) {
    for (let c = 0; c < L.channels; c++) {
      channelSums(x, dy, mean[c], invstd[c], L, c, pair);
      s1[c] = pair[0];
      s2[c] = pair[1];
    }
  },
  // The elementwise passes walk memory in order: segments (o, c) of `inner` values with the channel's
  // coefficients hoisted (inner > 1), or rows of C values with per-channel coefficients (inner = 1).
  affine(x, mean, scale, shift, y, L) {
    const { outer, channels: C, inner } = L;
    let off = 0;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < C; c++) {
        const mu = mean[c], a = scale[c], b = shift[c];
        for (const end = off + inner; off < end; off++) y[off] = fr(fr(x[off] - mu) * a) + b;
      }
    }
  },
  dx(x, dy, mean, invstd, g, c1, c2, dx, L) {
    const { outer, channels: C, inner } = L;
    let off = 0;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < C; c++) {
        const mu = mean[c], is = invstd[c], gc = g[c], k1 = c1[c], k2 = c2[c];
        for (const end = off + inner; off < end; off++) {
          const h = fr(fr(x[off] - mu) * is);
          dx[off] = gc * fr(fr(dy[off] - k1) - fr(h * k2));
        }
      }
    }
  },
};
