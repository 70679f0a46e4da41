// TypeScript twin of native/kernels/reduce.h (spec: native/kernels/reduce_api.h, docs/numerics.md).
// Every sequence is addressed as x[off + i*stride], i = 0..n-1: a whole array, a row (stride 1)
// or a column (stride cols). Partials live in a Float32Array, so every += is a binary32 add.
import type { ReduceKernels, ReduceOp } from '../kernels.js';
import { BLOCK, canonicalSum } from './canonical.js';

type Kind = 'sum' | 'sumSquares' | 'sqdev' | 'max';

const P = new Float32Array(16);

/** mx(a, b) = (b > a || b is NaN) ? b : a: keeps a on ties; a NaN, once in, stays. */
function mx(a: number, b: number): number {
  return b > a || b !== b ? b : a;
}

function treeAdd(): number {
  for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = P[j] + P[j + s];
  return P[0];
}

function treeMax(): number {
  for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = mx(P[j], P[j + s]);
  return P[0];
}

function blockSumSquares(x: Float32Array, idx: number, m: number, stride: number): number {
  P.fill(0);
  for (let i = 0; i < m; i++, idx += stride) {
    const v = x[idx];
    P[i & 15] += Math.fround(v * v);
  }
  return treeAdd();
}

function blockSqDev(x: Float32Array, idx: number, m: number, stride: number, mean: number): number {
  P.fill(0);
  for (let i = 0; i < m; i++, idx += stride) {
    const d = Math.fround(x[idx] - mean);
    P[i & 15] += Math.fround(d * d);
  }
  return treeAdd();
}

function blockMax(x: Float32Array, idx: number, m: number, stride: number): number {
  P.fill(-Infinity);
  for (let i = 0; i < m; i++, idx += stride) {
    const v = x[idx], j = i & 15;
    if (v > P[j] || v !== v) P[j] = v;
  }
  return treeMax();
}

/** The canonical fold of `kind` over x[off + i*stride], i < n: blocks, 16 partials, tree, blocks in order. */
function fold(kind: Kind, x: Float32Array, off: number, n: number, stride: number, mean = 0): number {
  if (kind === 'sum') return canonicalSum(x, off, n, stride);
  let total = 0;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const m = Math.min(BLOCK, n - b0), idx = off + b0 * stride;
    const s = kind === 'max' ? blockMax(x, idx, m, stride) : kind === 'sumSquares' ? blockSumSquares(x, idx, m, stride) : blockSqDev(x, idx, m, stride, mean);
    total = b0 === 0 ? s : kind === 'max' ? mx(total, s) : Math.fround(total + s);
  }
  return total;
}

/** Index of the first NaN, else of the first maximum (+0 == -0); n >= 1. Any order gives this answer. */
function argmax(x: Float32Array, off: number, n: number, stride: number): number {
  let best = x[off], bi = 0;
  if (best !== best) return 0;
  for (let i = 1, idx = off + stride; i < n; i++, idx += stride) {
    const v = x[idx];
    if (v > best) {
      best = v;
      bi = i;
    } else if (v !== v) {
      return i;
    }
  }
  return bi;
}

/** op over one strided sequence (argmax: the exact index). */
function reduceSeq(op: ReduceOp, x: Float32Array, off: number, n: number, stride: number, divisor: number): number {
  switch (op) {
    case 'sum': return fold('sum', x, off, n, stride);
    case 'mean': return Math.fround(fold('sum', x, off, n, stride) / Math.fround(n));
    case 'sumSquares': return fold('sumSquares', x, off, n, stride);
    case 'norm': return Math.fround(Math.sqrt(fold('sumSquares', x, off, n, stride)));
    case 'variance': {
      const m = Math.fround(fold('sum', x, off, n, stride) / Math.fround(n));
      return Math.fround(fold('sqdev', x, off, n, stride, m) / Math.fround(divisor));
    }
    case 'max': return fold('max', x, off, n, stride);
    case 'argmax': return argmax(x, off, n, stride);
  }
}

export const jsReduce: ReduceKernels = {
  all(op, x, divisor) {
    return reduceSeq(op, x, 0, x.length, 1, divisor);
  },
  axis(op, x, rows, cols, axis, divisor, out) {
    if (axis === 1) for (let r = 0; r < rows; r++) out[r] = reduceSeq(op, x, r * cols, cols, 1, divisor);
    else for (let c = 0; c < cols; c++) out[c] = reduceSeq(op, x, c, rows, cols, divisor);
  },
  normL2List(xs) {
    let total = 0;
    for (const x of xs) total = Math.fround(total + fold('sumSquares', x, 0, x.length, 1));
    return Math.fround(Math.sqrt(total));
  },
};
