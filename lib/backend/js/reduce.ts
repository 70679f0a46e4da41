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

// Column reductions walk the matrix row by row (contiguous reads) over chunks of CH columns, keeping
// the 16 partials of each column in ACC: row i of a block goes to partial i mod 16, exactly the order
// of fold() applied to the column.
const CH = 1024;
const ACC = new Float32Array(16 * CH);
const AUX = new Float32Array(CH);
const IDX = new Float64Array(CH);

/** out[c0 + c] = fold of kind over column c0 + c, c < w (mean: column means indexed like out, for 'sqdev'). */
function foldCols(kind: Kind, x: Float32Array, rows: number, cols: number, c0: number, w: number, out: Float32Array, mean: Float32Array): void {
  const isMax = kind === 'max';
  if (rows === 0) out.fill(0, c0, c0 + w);
  for (let b0 = 0; b0 < rows; b0 += BLOCK) {
    const m = Math.min(BLOCK, rows - b0);
    ACC.fill(isMax ? -Infinity : 0, 0, 16 * w);
    for (let i = 0; i < m; i++) {
      const base = (b0 + i) * cols + c0, o = (i & 15) * w;
      switch (kind) {
        case 'sum': for (let c = 0; c < w; c++) ACC[o + c] += x[base + c]; break;
        case 'sumSquares': for (let c = 0; c < w; c++) { const v = x[base + c]; ACC[o + c] += Math.fround(v * v); } break;
        case 'sqdev': for (let c = 0; c < w; c++) { const d = Math.fround(x[base + c] - mean[c0 + c]); ACC[o + c] += Math.fround(d * d); } break;
        case 'max': for (let c = 0; c < w; c++) { const v = x[base + c]; if (v > ACC[o + c] || v !== v) ACC[o + c] = v; } break;
      }
    }
    for (let s = 8; s >= 1; s >>= 1) {
      for (let j = 0; j < s; j++) {
        const p = j * w, q = (j + s) * w;
        for (let c = 0; c < w; c++) ACC[p + c] = isMax ? mx(ACC[p + c], ACC[q + c]) : ACC[p + c] + ACC[q + c];
      }
    }
    for (let c = 0; c < w; c++) out[c0 + c] = b0 === 0 ? ACC[c] : isMax ? mx(out[c0 + c], ACC[c]) : Math.fround(out[c0 + c] + ACC[c]);
  }
}

/** Column argmax (rows >= 1), row by row: a later row wins only if greater, or NaN over a number. */
function argmaxCols(x: Float32Array, rows: number, cols: number, c0: number, w: number, out: Float32Array): void {
  for (let c = 0; c < w; c++) { AUX[c] = x[c0 + c]; IDX[c] = 0; }
  for (let i = 1; i < rows; i++) {
    const base = i * cols + c0;
    for (let c = 0; c < w; c++) {
      const v = x[base + c], b = AUX[c];
      if (v > b || (v !== v && b === b)) { AUX[c] = v; IDX[c] = i; }
    }
  }
  for (let c = 0; c < w; c++) out[c0 + c] = IDX[c];
}

function reduceCols(op: ReduceOp, x: Float32Array, rows: number, cols: number, divisor: number, out: Float32Array): void {
  const fr = Math.fround(rows), dv = Math.fround(divisor);
  const means = op === 'variance' ? new Float32Array(cols) : out;
  for (let c0 = 0; c0 < cols; c0 += CH) {
    const w = Math.min(CH, cols - c0), e = c0 + w;
    switch (op) {
      case 'sum': foldCols('sum', x, rows, cols, c0, w, out, out); break;
      case 'mean': foldCols('sum', x, rows, cols, c0, w, out, out); for (let c = c0; c < e; c++) out[c] = out[c] / fr; break;
      case 'sumSquares': foldCols('sumSquares', x, rows, cols, c0, w, out, out); break;
      case 'norm': foldCols('sumSquares', x, rows, cols, c0, w, out, out); for (let c = c0; c < e; c++) out[c] = Math.sqrt(out[c]); break;
      case 'variance': {
        foldCols('sum', x, rows, cols, c0, w, means, means);
        for (let c = c0; c < e; c++) means[c] = means[c] / fr;
        foldCols('sqdev', x, rows, cols, c0, w, out, means);
        for (let c = c0; c < e; c++) out[c] = out[c] / dv;
        break;
      }
      case 'max': foldCols('max', x, rows, cols, c0, w, out, out); break;
      case 'argmax': argmaxCols(x, rows, cols, c0, w, out); break;
    }
  }
}

export const jsReduce: ReduceKernels = {
  all(op, x, divisor) {
    return reduceSeq(op, x, 0, x.length, 1, divisor);
  },
  axis(op, x, rows, cols, axis, divisor, out) {
    if (axis === 1) for (let r = 0; r < rows; r++) out[r] = reduceSeq(op, x, r * cols, cols, 1, divisor);
    else reduceCols(op, x, rows, cols, divisor, out);
  },
  normL2List(xs) {
    let total = 0;
    for (const x of xs) total = Math.fround(total + fold('sumSquares', x, 0, x.length, 1));
    return Math.fround(Math.sqrt(total));
  },
};
