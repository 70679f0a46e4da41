// TypeScript twin of native/kernels/unary.h (spec in native/kernels/unary_api.h and docs/numerics.md,
// "Unary family"). Every binary32 intermediate goes through Math.fround; floor and power-of-two
// scaling are exact. The scalar functions (expf, logf, tanhf, sigmoidf, reluf) are exported for other
// families (e.g. a GEMM epilogue) that must reproduce the same bits.
import { BLOCK } from './canonical.js';
import type { ActivationBackward, UnaryKernels, UnaryOp } from '../kernels.js';

const fr = Math.fround;

// ---- exp ------------------------------------------------------------------------------------
const EXP_HI = 89; // every x > ln(FLT_MAX) gives +inf; clamping here keeps 2^n in range
const EXP_LO = -104; // every x < ln(2^-150) gives +0
const LOG2E = fr(1.4426950408889634); // 0x1.715476p+0
const LN2_HI = 0.693359375; // 0x1.630000p-1 (9 significant bits: n * LN2_HI is exact)
const LN2_LO = fr(-2.12194440e-4); // -0x1.bd0106p-13
const E5 = fr(1.98756915e-4); // 0x1.a0d2cep-13
const E4 = fr(1.3981999507e-3); // 0x1.6e879cp-10
const E3 = fr(8.3334519073e-3); // 0x1.111210p-7
const E2 = fr(4.1665795894e-2); // 0x1.555382p-5
const E1 = fr(1.6666665459e-1); // 0x1.555554p-3
const E0 = 0.5; // 0x1.000000p-1

/** POW2[k + 150] = 2^k for k in [-150, 128] (exact doubles). */
const POW2 = new Float64Array(279);
POW2[150] = 1;
for (let k = 1; k <= 150; k++) POW2[150 - k] = POW2[151 - k] / 2;
for (let k = 1; k <= 128; k++) POW2[150 + k] = POW2[149 + k] * 2;

/** exp of a binary32 value, bit-identical to the native exp (unary_api.h). */
export function expf(x: number): number {
  if (x !== x) return x;
  const t = x > EXP_LO ? x : EXP_LO; // max(x, LO)
  const xc = EXP_HI < t ? EXP_HI : t; // min(HI, t)
  const n = Math.floor(fr(fr(xc * LOG2E) + 0.5));
  let r = fr(xc - n * LN2_HI); // n * LN2_HI is exact, and so is the difference
  r = fr(r - fr(n * LN2_LO));
  const z = fr(r * r);
  let p = fr(fr(E5 * r) + E4);
  p = fr(fr(p * r) + E3);
  p = fr(fr(p * r) + E2);
  p = fr(fr(p * r) + E1);
  p = fr(fr(p * r) + E0);
  p = fr(p * z);
  p = fr(p + r);
  p = fr(p + 1);
  const n1 = Math.floor(n * 0.5);
  // p * 2^n1 is exact; the second product rounds once (to a subnormal, or to inf, where it must).
  return fr(p * POW2[n1 + 150] * POW2[n - n1 + 150]);
}

// ---- log ------------------------------------------------------------------------------------
const FLT_MIN = 1.1754943508222875e-38; // 2^-126
const TWO23 = 8388608;
const SQRT2 = fr(Math.SQRT2); // 0x1.6a09e6p+0
const L8 = fr(7.0376836292e-2); // 0x1.204376p-4
const L7 = fr(-1.1514610310e-1); // -0x1.d7a370p-4
const L6 = fr(1.1676998740e-1); // 0x1.de4a34p-4
const L5 = fr(-1.2420140846e-1); // -0x1.fcba9ep-4
const L4 = fr(1.4249322787e-1); // 0x1.23d37ep-3
const L3 = fr(-1.6668057665e-1); // -0x1.555ca0p-3
const L2 = fr(2.0000714765e-1); // 0x1.999d58p-3
const L1 = fr(-2.4999993993e-1); // -0x1.fffff8p-3
const L0 = fr(3.3333331174e-1); // 0x1.555554p-2

const bitsF = new Float32Array(1);
const bitsI = new Int32Array(bitsF.buffer);

/** log of a binary32 value, bit-identical to the native log (unary_api.h). */
export function logf(x: number): number {
  if (x !== x) return x;
  if (x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return x;
  const sub = x < FLT_MIN;
  bitsF[0] = sub ? x * TWO23 : x; // exact
  const b = bitsI[0];
  let e = ((b >> 23) & 0xff) - 127 - (sub ? 23 : 0);
  bitsI[0] = (b & 0x007fffff) | 0x3f800000;
  const m = bitsF[0]; // in [1, 2)
  let f: number;
  if (m < SQRT2) f = m - 1; // exact
  else {
    f = m * 0.5 - 1; // exact
    e += 1;
  }
  const z = fr(f * f);
  let y = fr(fr(L8 * f) + L7);
  y = fr(fr(y * f) + L6);
  y = fr(fr(y * f) + L5);
  y = fr(fr(y * f) + L4);
  y = fr(fr(y * f) + L3);
  y = fr(fr(y * f) + L2);
  y = fr(fr(y * f) + L1);
  y = fr(fr(y * f) + L0);
  y = fr(y * f);
  y = fr(y * z);
  y = fr(y + fr(e * LN2_LO));
  y = fr(y - fr(z * 0.5));
  const r = fr(f + y);
  return fr(r + e * LN2_HI); // e * LN2_HI is exact
}

// ---- tanh, sigmoid, relu ----------------------------------------------------------------------
const TANH_SMALL = 0.625;
const T4 = fr(-5.70498872745e-3); // -0x1.75e1d4p-8
const T3 = fr(2.06390887954e-2); // 0x1.52269cp-6
const T2 = fr(-5.37397155531e-2); // -0x1.b83c5ap-5
const T1 = fr(1.33314422036e-1); // 0x1.110726p-3
const T0 = fr(-3.33332819422e-1); // -0x1.555532p-2

const signBit = (x: number): boolean => x < 0 || (x === 0 && 1 / x < 0);

/** tanh of a binary32 value, bit-identical to the native tanh (unary_api.h). */
export function tanhf(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < TANH_SMALL) {
    const s = fr(z * z);
    let p = fr(fr(T4 * s) + T3);
    p = fr(fr(p * s) + T2);
    p = fr(fr(p * s) + T1);
    p = fr(fr(p * s) + T0);
    p = fr(p * s);
    p = fr(p * z);
    r = fr(p + z);
  } else {
    r = fr(1 - fr(2 / fr(expf(fr(z + z)) + 1)));
  }
  return signBit(x) ? -r : r;
}

/** sigmoid of a binary32 value, bit-identical to the native sigmoid (unary_api.h). */
export function sigmoidf(x: number): number {
  const e = expf(-Math.abs(x));
  const d = fr(1 + e);
  return x < 0 ? fr(e / d) : fr(1 / d);
}

/** relu: x <= 0 ? +0 : x (NaN propagates). */
export function reluf(x: number): number {
  return x <= 0 ? 0 : x;
}

// ---- kernels ----------------------------------------------------------------------------------
function map(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); break;
    case 'square': for (let i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case 'relu': for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? 0 : x[i]; break;
    // One loop per function (not a shared loop over a callback) so each call site stays monomorphic and inlines.
    case 'exp': for (let i = 0; i < n; i++) out[i] = expf(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = logf(x[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoidf(x[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = tanhf(x[i]); break;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]; break;
  }
}

function backward(op: ActivationBackward, y: Float32Array, dy: Float32Array, out: Float32Array): void {
  const n = y.length;
  switch (op) {
    case 'relu': for (let i = 0; i < n; i++) out[i] = y[i] > 0 ? dy[i] : 0; break;
    case 'sigmoid': for (let i = 0; i < n; i++) { const v = y[i]; out[i] = dy[i] * fr(v * fr(1 - v)); } break;
    case 'tanh': for (let i = 0; i < n; i++) { const v = y[i]; out[i] = dy[i] * fr(1 - fr(v * v)); } break;
  }
}

const P = new Float32Array(16);

/** Row max in the canonical block structure with max(a, b) = a > b ? a : b (NaN elements ignored). */
function rowMax(x: Float32Array, off: number, n: number): number {
  let m = -Infinity;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const len = Math.min(BLOCK, n - b0);
    P.fill(-Infinity);
    for (let i = 0, k = off + b0; i < len; i++, k++) {
      const v = x[k], p = P[i & 15];
      P[i & 15] = v > p ? v : p;
    }
    for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = P[j] > P[j + s] ? P[j] : P[j + s];
    m = b0 === 0 ? P[0] : m > P[0] ? m : P[0];
  }
  return m;
}

/** Canonical sum of e_i = exp(x_i - m) over one row; stores e_i into y when y is given. */
function rowExpSum(x: Float32Array, y: Float32Array | null, off: number, n: number, m: number): number {
  let total = 0;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const len = Math.min(BLOCK, n - b0);
    P.fill(0);
    for (let i = 0, k = off + b0; i < len; i++, k++) {
      const e = expf(fr(x[k] - m));
      if (y) y[k] = e;
      P[i & 15] += e;
    }
    for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = P[j] + P[j + s];
    total = b0 === 0 ? P[0] : fr(total + P[0]);
  }
  return total;
}

export const jsUnary: UnaryKernels = {
  map,
  backward,
  softmax(x, out, rows, cols) {
    for (let r = 0, off = 0; r < rows; r++, off += cols) {
      const m = rowMax(x, off, cols);
      const s = rowExpSum(x, out, off, cols, m);
      for (let k = off, end = off + cols; k < end; k++) out[k] = out[k] / s;
    }
  },
  logSoftmax(x, out, rows, cols) {
    for (let r = 0, off = 0; r < rows; r++, off += cols) {
      const m = rowMax(x, off, cols);
      const ls = logf(rowExpSum(x, null, off, cols, m));
      for (let k = off, end = off + cols; k < end; k++) out[k] = fr(x[k] - m) - ls;
    }
  },
};
