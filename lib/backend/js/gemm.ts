// GEMM family, TypeScript twin of native/kernels/gemm.h: the same spec (native/kernels/gemm_api.h,
// docs/numerics.md "GEMM"), element by element, with the exact binary32 fma of ./fma.ts.
import { GEMM_KC, type GemmActivation, type GemmKernels } from '../spec/gemm.js';
import { fmafArray, fmafSlow } from './fma.js';
import { reluf, sigmoidf, tanhf } from './unary.js';


/** op(B) as a row-major k x n array: b itself, or a transposed copy (copying is exact). */
function rowMajorB(b: Float32Array, n: number, k: number, transB: boolean): Float32Array {
  if (!transB) return b;
  const t = new Float32Array(k * n);
  for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) t[q * n + j] = b[j * k + q];
  return t;
}

/**
 * p[j] = fma(aiq, bRow[bo + j], p[j]) for j < n: one k step of every block result of a row.
 * The body is fmaf's fast path inlined (see fma.ts); the rare midpoint case goes to fmafSlow.
 */
function fmaRow(aiq: number, b: Float32Array, bo: number, p: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const pr = aiq * b[bo + j];
    const c = p[j];
    const s = pr + c;
    const r = Math.fround(s);
    const t = s + (s - r);
    // one rarely taken branch (two were measured 1.8x slower)
    if (Math.fround(t) === t && s !== r) p[j] = fmafSlow(pr, c, s);
    else p[j] = r;
  }
}

/** Folds a finished k block p into row ci of c (spec: FOLD_SET, FOLD_BETA, FOLD_ADD). */
function foldRow(c: Float32Array, ci: number, p: Float64Array, n: number, first: boolean, alpha: number, beta: number): void {
  for (let j = 0; j < n; j++) {
    const ap = alpha === 1 ? p[j] : Math.fround(alpha * p[j]);
    if (!first) c[ci + j] = c[ci + j] + ap;
    else if (beta === 0) c[ci + j] = ap;
    else c[ci + j] = (beta === 1 ? c[ci + j] : Math.fround(beta * c[ci + j])) + ap;
  }
}

/** Bias row, then the activation: the unary family's reluf, sigmoidf, tanhf. */
function epilogueRow(c: Float32Array, ci: number, n: number, bias: Float32Array | null, activation: GemmActivation): void {
  if (bias) for (let j = 0; j < n; j++) c[ci + j] = c[ci + j] + bias[j];
  switch (activation) {
    case 'relu':
      for (let j = 0; j < n; j++) c[ci + j] = reluf(c[ci + j]);
      break;
    case 'sigmoid':
      for (let j = 0; j < n; j++) c[ci + j] = sigmoidf(c[ci + j]);
      break;
    case 'tanh':
      for (let j = 0; j < n; j++) c[ci + j] = tanhf(c[ci + j]);
      break;
  }
}

/**
 * c (m x n) = alpha * op(a) * op(b) + beta * c, then + bias row, then the activation. alpha and beta
 * are binary32 values (rounded by the caller). Row by row: for each k block, the block results of the
 * whole row are fma chains from +0 in k order (p), then folded into c.
 */
export function gemm(
  a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number,
  transA: boolean, transB: boolean, alpha: number, beta: number, bias: Float32Array | null, activation: GemmActivation,
): void {
  const bm = rowMajorB(b, n, k, transB);
  const p = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    // K = 0 or alpha = 0: A and B are not read (as in BLAS)
    const skip = k === 0 || alpha === 0;
    if (skip) {
      for (let j = 0; j < n; j++) c[ci + j] = beta === 0 ? 0 : beta * c[ci + j];
    }
    for (let k0 = 0; !skip && k0 < k; k0 += GEMM_KC) {
      const k1 = Math.min(k0 + GEMM_KC, k);
      p.fill(0);
      for (let q = k0; q < k1; q++) fmaRow(transA ? a[q * m + i] : a[i * k + q], bm, q * n, p, n);
      foldRow(c, ci, p, n, k0 === 0, alpha, beta);
    }
    epilogueRow(c, ci, n, bias, activation);
  }
}

export const jsGemm: GemmKernels = {
  gemm,
  fmaf: fmafArray,
};
