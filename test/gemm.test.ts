// GEMM family: the exact fma emulation vs the hardware fma; native GEMM (every SIMD level, 1/2/3
// threads) vs the TypeScript twin, bit for bit; accuracy vs float64; ops API; bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { GemmActivation, Kernels } from '../lib/backend/kernels.js';
import { nativeAddon } from '../lib/backend/select.js';
import { fmaf } from '../lib/backend/js/fma.js';
import { GEMM_KC } from '../lib/backend/kernels.js';
import { assertRejects, assertSameBits, eachBackend, forEachNativeConfig, jsKernels, randomF32, requireNative, rng } from './support/harness.js';

const FLT_MAX = 3.4028234663852886e38;
const f32 = (x: number) => Math.fround(x);

// ---------------------------------------------------------------------------------------------
// fmaf

interface Triples {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

function fromBits(bits: Uint32Array): Float32Array {
  return new Float32Array(bits.buffer);
}

/** Hard cases for fma: ties, near-ties that double rounding gets wrong, cancellation, subnormals, overflow. */
function hardTriples(n: number, seed: number): Triples {
  const r = rng(seed);
  const a = new Float32Array(n), b = new Float32Array(n), c = new Float32Array(n);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < n; i++) {
    const sign = r() < 0.5 ? -1 : 1;
    switch (i % 6) {
      case 0: { // a*b = 1 + 2^-11 + 2^-24 exactly: a binary32 tie; c nudges it just off (or not)
        const e = 1 + 2 ** -12;
        a[i] = e * (r() < 0.5 ? 1 : 2 ** Math.floor(r() * 20 - 10));
        b[i] = sign * e;
        c[i] = pick([0, 2 ** -60, -(2 ** -60), 2 ** -80, -(2 ** -48), 2 ** -30]) * sign * (a[i] / e);
        break;
      }
      case 1: { // random significands, c chosen so a*b + c lands on a binary32 midpoint after double rounding
        a[i] = f32(1 + r());
        b[i] = sign * f32(1 + r());
        const p = a[i] * b[i];
        const mid = f32(p) + (sign * (2 ** -24)) * 2 ** Math.floor(Math.log2(Math.abs(p)));
        c[i] = f32((mid - p) * (1 + pick([0, 2 ** -23, -(2 ** -23)])));
        break;
      }
      case 2: // cancellation: c = -round(a*b)
        a[i] = f32((r() * 2 - 1) * 2 ** Math.floor(r() * 40 - 20));
        b[i] = f32((r() * 2 - 1) * 2 ** Math.floor(r() * 40 - 20));
        c[i] = -f32(a[i] * b[i]);
        break;
      case 3: // subnormal products and addends
        a[i] = f32(sign * r() * 2 ** -70);
        b[i] = f32(r() * 2 ** -70);
        c[i] = pick([0, -0, 1e-45, -1e-45, 1.1754942e-38, -3e-39, f32(r() * 2 ** -140)]);
        break;
      case 4: // overflow: products around FLT_MAX, c pushing across the rounding threshold
        a[i] = f32(sign * (1 + r()) * 2 ** 63);
        b[i] = f32((1 + r()) * 2 ** 64);
        c[i] = pick([0, FLT_MAX, -FLT_MAX, f32(sign * 2 ** 103), f32(-sign * 2 ** 104), Infinity, -Infinity, NaN]);
        break;
      default: // the specials against everything
        a[i] = pick([0, -0, Infinity, -Infinity, NaN, 1e-45, FLT_MAX, 1, -1]);
        b[i] = pick([0, -0, Infinity, 2, 1e-45, -FLT_MAX, f32(r())]);
        c[i] = pick([0, -0, Infinity, -Infinity, NaN, 1e-45, FLT_MAX, f32(-r())]);
    }
  }
  return { a, b, c };
}

function randomBitTriples(n: number, seed: number): Triples {
  const r = rng(seed);
  const bits = () => {
    const u = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      // half arbitrary bit patterns, half moderate exponents so that products and c interact
      u[i] = i % 2 ? (r() * 2 ** 32) >>> 0 : (((r() < 0.5 ? 1 : 0) << 31) | ((110 + Math.floor(r() * 36)) << 23) | ((r() * 2 ** 23) >>> 0)) >>> 0;
    }
    return fromBits(u);
  };
  return { a: bits(), b: bits(), c: bits() };
}

function checkFmaf(name: string, t: Triples): number {
  const K = requireNative();
  const want = new Float32Array(t.a.length), got = new Float32Array(t.a.length);
  K.gemm.fmaf(t.a, t.b, t.c, want);
  jsKernels().gemm.fmaf(t.a, t.b, t.c, got);
  assertSameBits(got, want, { kernel: `fmaf.${name}`, level: fg.simdLevel() });
  // how many of these a naive fround(a*b + c) (double rounding) gets wrong: the set must contain traps
  let naiveWrong = 0;
  for (let i = 0; i < t.a.length; i++) {
    const naive = f32(t.a[i] * t.b[i] + t.c[i]);
    if (!Object.is(naive, want[i]) && !(Number.isNaN(naive) && Number.isNaN(want[i]))) naiveWrong++;
  }
  return naiveWrong;
}

test('fmaf: the TypeScript emulation gives the hardware fma bits (random, ties, cancellation, subnormals, overflow)', () => {
  requireNative();
  for (const level of fg.backendInfo().simdLevels) {
    fg.setSimdLevel(level);
    checkFmaf(`random[${level}]`, randomBitTriples(200_003, 11));
    const wrong = checkFmaf(`hard[${level}]`, hardTriples(60_000, 12));
    assert.ok(wrong > 100, `the hard cases must include double-rounding traps (naive fround(a*b+c) wrong on ${wrong})`);
  }
  fg.setSimdLevel('auto');
});

test('fmaf: hand-picked cases (TypeScript and native)', () => {
  const tie = 1 + 2 ** -12; // tie * tie = 1 + 2^-11 + 2^-24: exactly halfway, ties to even
  const cases: [number, number, number, number][] = [
    [tie, tie, 0, 1 + 2 ** -11],
    [tie, tie, 2 ** -60, 1 + 2 ** -11 + 2 ** -23], // just above the tie: rounds up (double rounding would not)
    [tie, -tie, -(2 ** -60), -(1 + 2 ** -11 + 2 ** -23)],
    [tie, tie, -(2 ** -60), 1 + 2 ** -11],
    [-1, 0, 0, 0],
    [-1, 0, -0, -0],
    [2 ** -75, 2 ** -75, 0, 0], // 2^-150: half the smallest subnormal, ties to even (+0)
    [2 ** -75, 2 ** -75, 2 ** -149, 2 ** -148], // 1.5 * 2^-149: ties to even (2^-148)
    [3 * 2 ** -76, 2 ** -75, 0, 2 ** -149], // 0.75 * 2^-149 > half: rounds up
    [FLT_MAX, 2, -FLT_MAX, FLT_MAX], // exact intermediate beyond the binary32 range
    [FLT_MAX, 1, 2 ** 103, Infinity], // exactly at the overflow threshold: ties to even (infinity)
    [FLT_MAX, 1, 2 ** 103 - 2 ** 80, FLT_MAX],
    [Infinity, 0, 1, NaN],
    [Infinity, 1, -Infinity, NaN],
    [1, 1, NaN, NaN],
    [1, 1, Infinity, Infinity],
  ];
  const want = Float32Array.from(cases.map((x) => x[3]));
  const js = Float32Array.from(cases.map(([a, b, c]) => fmaf(a, b, c)));
  assertSameBits(js, want, { kernel: 'fmaf (ts) hand-picked' });
  const K = requireNative();
  const native = new Float32Array(cases.length);
  K.gemm.fmaf(Float32Array.from(cases.map((x) => x[0])), Float32Array.from(cases.map((x) => x[1])), Float32Array.from(cases.map((x) => x[2])), native);
  assertSameBits(native, want, { kernel: 'fmaf (native) hand-picked' });
});

// ---------------------------------------------------------------------------------------------
// GEMM conformance

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  bias: boolean;
  activation: GemmActivation;
  specials?: number;
}

interface Inputs {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  bias: Float32Array | null;
}

function makeInputs(t: Case, seed: number): Inputs {
  const sp = t.specials ?? 0;
  return {
    a: randomF32(t.m * t.k, seed, { specials: sp }),
    b: randomF32(t.k * t.n, seed + 1, { specials: sp }),
    c: randomF32(t.m * t.n, seed + 2, { specials: sp }),
    bias: t.bias ? randomF32(t.n, seed + 3) : null,
  };
}

function run(K: Kernels, t: Case, x: Inputs): Float32Array {
  const c = x.c.slice();
  K.gemm.gemm(x.a, x.b, c, t.m, t.n, t.k, t.transA, t.transB, f32(t.alpha), f32(t.beta), x.bias, t.activation);
  return c;
}

function label(t: Case): string {
  return `gemm ${t.m}x${t.n}x${t.k}${t.transA ? ' transA' : ''}${t.transB ? ' transB' : ''} alpha=${t.alpha} beta=${t.beta}` +
    `${t.bias ? ' bias' : ''} ${t.activation}${t.specials ? ' specials' : ''}`;
}

/** JS once, native at every SIMD level x 1/2/3 threads, bit for bit. */
function conformGemm(t: Case, seed = 1): number {
  requireNative();
  const x = makeInputs(t, seed);
  const want = run(jsKernels(), t, x);
  let n = 0;
  forEachNativeConfig((level, threads, K) => {
    assertSameBits(run(K, t, x), want, { kernel: label(t), seed, level, threads, size: t.m * t.n });
    n++;
  });
  return n;
}

const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const base = { alpha: 1, beta: 0, bias: false, activation: 'none' as GemmActivation };

test('conformance: small and odd shapes, every transpose combination', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [1, 1, 4097], [64, 64, 64], [15, 33, 257], [29, 47, 0]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANSPOSES) assert.ok(conformGemm({ ...base, m, n, k, transA, transB }) > 0);
  }
});

test('conformance: narrow C (the 12-row tiles one or two vectors wide), every transpose combination', () => {
  // n <= 8: AVX2's 12 x 8 tile; n <= 16: AVX-512's 12 x 16; n <= 32: AVX-512's 12 x 32; 200 x 30 x 784
  // is split between threads
  const shapes: [number, number, number][] = [[13, 3, 1030], [37, 8, 513], [25, 17, 70], [50, 30, 300], [200, 30, 784]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANSPOSES) conformGemm({ ...base, m, n, k, transA, transB, beta: transA ? 0.5 : 0, bias: transB });
  }
});

test('conformance: a narrow last panel beside wide ones, B and transposed A read in place (several k blocks)', () => {
  // n = 100, 80, 96 + 4: a 64-wide panel then a 12 x 32 / 8 x 48 tail (AVX-512), 16 + 4 (AVX2); k * n small
  // enough that a row-major B is read in place, k > 1024 so that it spans k blocks and spans; m not a
  // multiple of any MR so a last partial panel of A runs the smaller row tiles; A is read in place in both layouts
  const shapes: [number, number, number][] = [[100, 100, 100], [37, 80, 300], [31, 36, 1500], [13, 100, 640]];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANSPOSES) conformGemm({ ...base, m, n, k, transA, transB, alpha: transB ? 0.75 : 1, beta: transA ? 1 : 0 });
  }
});

test('conformance: every last partial row panel (tiles of 8, 4, 2, 1 rows) and every lane count of a masked last vector', () => {
  // m covers each remainder of the 6-, 8- and 12-row tiles; n puts 1..15 valid lanes in the last 8- or
  // 16-lane vector of the wide and the narrow tiles (B read in place through lane masks, or packed when
  // transposed); k = 37 in one block, 300 in two
  const ms = [1, 2, 3, 4, 5, 7, 9, 11, 23];
  const ns = [1, 3, 9, 15, 21, 33, 45, 57, 67, 93];
  let i = 0;
  for (const m of ms) {
    for (const n of ns) {
      const [transA, transB] = TRANSPOSES[i % 4];
      const k = i % 5 === 0 ? 300 : 37;
      assert.ok(conformGemm({ ...base, m, n, k, transA, transB, beta: i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : -0.5 }, i) > 0);
      i++;
    }
  }
});

test('conformance: a last panel of 1-4 columns vectorised along M (A transposed, or C at most 4 wide)', () => {
  // n mod 8 and n mod 16 in 1..4 with m >= 16: AVX-512 and AVX2 run those columns as row vectors (A
  // transposed read in place; a row-major A transposed into a panel when C is at most 4 wide); m not a
  // multiple of 16 (a masked last row vector), k over two blocks, bias and an activation in the epilogue
  const shapes: [number, number, number][] = [[16, 1, 5], [37, 2, 300], [70, 3, 64], [100, 4, 100], [53, 20, 257], [33, 36, 40], [129, 65, 30], [21, 100, 600]];
  let i = 0;
  for (const [m, n, k] of shapes) {
    for (const transB of [false, true]) {
      for (const transA of [true, false]) {
        const activation = (i % 3 === 0 ? 'relu' : 'none') as GemmActivation;
        conformGemm({ ...base, m, n, k, transA, transB, alpha: i % 2 ? 0.5 : 1, beta: i % 4 === 1 ? 0 : i % 4 === 3 ? 1 : -2, bias: i % 2 === 0, activation }, 40 + i);
        i++;
      }
    }
  }
  assert.equal(i, 32);
});

test('conformance: a row-major A beside at most 4 columns of C, transposed in registers (groups of rows, k tails, streaming)', () => {
  // AVX-512 and AVX2 load 16 (8) rows x 16 (8) k of a row-major A and transpose them in registers: rows
  // in 1-4 groups side by side (a last partial tile of 1, 2, 3 or 4 groups, its missing rows repeating
  // the last valid one), k not a multiple of the vector width (a masked tail), k over two blocks, and A
  // over 1 MiB (m * k > 262144 floats: one group at a time)
  const shapes: [number, number, number][] = [
    [16, 1, 5], [17, 2, 16], [33, 3, 37], [50, 1, 1030], [64, 4, 64], [65, 2, 300], [100, 4, 19], [130, 1, 257],
    [200, 3, 9], [1030, 1, 300], [700, 2, 400], [47, 4, 513],
  ];
  let i = 0;
  for (const [m, n, k] of shapes) {
    for (const transB of [false, true]) {
      const activation = (i % 3 === 0 ? 'relu' : 'none') as GemmActivation;
      conformGemm({ ...base, m, n, k, transA: false, transB, alpha: i % 2 ? 0.5 : 1, beta: i % 4 === 1 ? 0 : i % 4 === 3 ? 1 : -2, bias: i % 2 === 0, activation }, 80 + i);
      i++;
    }
  }
  assert.equal(i, 24);
});

test('conformance: 257x129x511 with alpha/beta, bias and each epilogue activation, every transpose combination', () => {
  const scalings: [number, number][] = [[1, 0], [0.75, 1], [-1.5, 0.3], [1, 1]];
  TRANSPOSES.forEach(([transA, transB], i) => {
    const [alpha, beta] = scalings[i];
    const activation = (['relu', 'sigmoid', 'tanh', 'none'] as const)[i];
    conformGemm({ m: 257, n: 129, k: 511, transA, transB, alpha, beta, bias: i % 2 === 0, activation });
  });
});

test('conformance: specials (NaN, Inf, subnormals, huge) in A, B and C', () => {
  for (const [transA, transB] of TRANSPOSES) {
    conformGemm({ m: 97, n: 145, k: 300, transA, transB, alpha: 0.5, beta: 2, bias: true, activation: 'relu', specials: 0.02 });
    conformGemm({ m: 97, n: 145, k: 300, transA, transB, alpha: 0.5, beta: 2, bias: true, activation: transA ? 'sigmoid' : 'tanh', specials: 0.02 });
    conformGemm({ m: 97, n: 145, k: 300, transA, transB, alpha: 1, beta: 0, bias: false, activation: 'none', specials: 0.02 });
    conformGemm({ m: 97, n: 145, k: 300, transA, transB, alpha: 0, beta: 2, bias: true, activation: 'none', specials: 0.02 });
  }
});

test('conformance: the autoencoder shape 200x784x1000 (forward with bias and relu)', () => {
  conformGemm({ m: 200, n: 1000, k: 784, transA: false, transB: true, alpha: 1, beta: 0, bias: true, activation: 'relu' });
});

test('conformance: 200x784x1000 as the weight gradient (transA, accumulating with beta = 1)', () => {
  conformGemm({ m: 784, n: 1000, k: 200, transA: true, transB: false, alpha: 1, beta: 1, bias: false, activation: 'none' });
});

test('conformance: the TypeScript GEMM inner loop on double-rounding traps (k = 2: p = fma(a, b, fma(1, c, 0)))', () => {
  requireNative();
  // A = [1, a] (1 x 2), B = [c; b] (2 x n): every output is fma(a, b[j], c[j]), built to be a near-tie.
  // With a = 1 + 2^-12 (times a power of two) and b = 1 + k * 2^-12, k odd, a*b has its last bit at
  // half a binary32 ulp: an exact tie; c = +-2^-60-ish moves the exact sum off the tie by less than
  // half a double ulp, so the double sum lands on the tie and a naive fround(a*b + c) rounds wrongly.
  const n = 4096, r = rng(31);
  for (const a of [1 + 2 ** -12, -4 * (1 + 2 ** -12), 2 ** -20 * (1 + 2 ** -12)]) {
    const b = new Float32Array(n), c = new Float32Array(n);
    let traps = 0;
    for (let j = 0; j < n; j++) {
      const e = 2 ** Math.floor(r() * 7 - 3);
      const k = 2 * Math.floor(r() * 1000) + 1;
      b[j] = (r() < 0.5 ? -1 : 1) * (1 + k * 2 ** -12) * e;
      c[j] = [0, 2 ** -60, -(2 ** -60), 2 ** -54, -(2 ** -80), 2 ** -40][j % 6] * e * Math.abs(a);
      const naive = f32(a * b[j] + c[j]);
      if (naive !== fmaf(a, b[j], c[j])) traps++;
    }
    assert.ok(traps > 50, `expected double-rounding traps among the cases, found ${traps}`);
    const A = Float32Array.of(1, a), B = new Float32Array(2 * n);
    B.set(c, 0);
    B.set(b, n);
    const want = new Float32Array(n);
    jsKernels().gemm.gemm(A, B, want, 1, n, 2, false, false, 1, 0, null, 'none');
    for (let j = 0; j < n; j++) assert.equal(want[j], fmaf(a, b[j], c[j]), `ts gemm vs fmaf at ${j}`);
    forEachNativeConfig((level, threads, K) => {
      const got = new Float32Array(n);
      K.gemm.gemm(A, B, got, 1, n, 2, false, false, 1, 0, null, 'none');
      assertSameBits(got, want, { kernel: 'gemm traps', level, threads });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Accuracy and semantics (both backends)

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

test('accuracy: within K * u * sum |a||b| of a float64 reference', () => {
  const m = 23, n = 31, k = 3 * GEMM_KC + 17, u = 2 ** -24;
  const a = randomF32(m * k, 5), b = randomF32(k * n, 6);
  eachBackend((backend) => {
    const c = fg.ops.matmul(new fg.Tensor(a, [m, k]), new fg.Tensor(b, [k, n])).data;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let exact = 0, mag = 0;
        for (let q = 0; q < k; q++) {
          exact += a[i * k + q] * b[q * n + j];
          mag += Math.abs(a[i * k + q] * b[q * n + j]);
        }
        const err = Math.abs(c[i * n + j] - exact);
        assert.ok(err <= k * u * mag, `${backend} c[${i}][${j}] = ${c[i * n + j]}, float64 ${exact}: error ${err} > ${k * u * mag}`);
      }
    }
  });
});

test('semantics: the spec, element by element, against a direct evaluation with fmaf', () => {
  const m = 3, n = 4, k = GEMM_KC + 5, alpha = f32(0.3), beta = f32(-1.25);
  const a = randomF32(m * k, 7), b = randomF32(k * n, 8), c0 = randomF32(m * n, 9), bias = randomF32(n, 10);
  const want = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let c = c0[i * n + j];
      for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
        let p = 0;
        for (let q = k0; q < Math.min(k, k0 + GEMM_KC); q++) p = fmaf(a[i * k + q], b[q * n + j], p);
        c = k0 === 0 ? f32(f32(beta * c) + f32(alpha * p)) : f32(c + f32(alpha * p));
      }
      c = f32(c + bias[j]);
      want[i * n + j] = c <= 0 ? 0 : c;
    }
  }
  eachBackend((backend) => {
    const c = new fg.Tensor(c0.slice(), [m, n]);
    fg.ops.gemm(new fg.Tensor(a, [m, k]), new fg.Tensor(b, [k, n]), c, { alpha: 0.3, beta: -1.25, bias: new fg.Tensor(bias, [n]), activation: 'relu' });
    assertSameBits(c.data, want, { kernel: `gemm spec (${backend})` });
  });
});

test('semantics: transposed operands give the same bits as transposing first; beta = 0 ignores NaN in c; K = 0; alpha = 0', () => {
  const m = 19, n = 21, k = 300;
  const a = randomF32(m * k, 11), b = randomF32(k * n, 12);
  eachBackend((backend) => {
    const A = new fg.Tensor(a, [m, k]), B = new fg.Tensor(b, [k, n]);
    const AT = new fg.Tensor(transpose(a, m, k), [k, m]), BT = new fg.Tensor(transpose(b, k, n), [n, k]);
    const ref = fg.ops.matmul(A, B).data;
    assertSameBits(fg.ops.matmul(AT, B, { transA: true }).data, ref, { kernel: `transA (${backend})` });
    assertSameBits(fg.ops.matmul(A, BT, { transB: true }).data, ref, { kernel: `transB (${backend})` });
    assertSameBits(fg.ops.matmul(AT, BT, { transA: true, transB: true }).data, ref, { kernel: `transA transB (${backend})` });
    const nan = new fg.Tensor(new Float32Array(m * n).fill(NaN), [m, n]);
    assertSameBits(fg.ops.gemm(A, B, nan).data, ref, { kernel: `beta 0 ignores NaN (${backend})` });
    const out = fg.Tensor.zeros([m, n]);
    assert.equal(fg.ops.matmul(A, B, { out }), out);
    assertSameBits(out.data, ref, { kernel: `out (${backend})` });
    // K = 0: c = beta * c (beta = 0: +0), then the epilogue
    const c = fg.Tensor.from([1, -2, NaN, 4], [2, 2]);
    const e = fg.Tensor.zeros([2, 0]), f = fg.Tensor.zeros([0, 2]);
    assert.deepEqual(fg.ops.gemm(e, f, c.clone(), { beta: 0.5, bias: fg.Tensor.from([1, 1]), activation: 'relu' }).toArray(), [1.5, 0, NaN, 3]);
    assert.deepEqual(fg.ops.gemm(e, f, c.clone()).toArray(), [0, 0, 0, 0]);
    // alpha = 0: A and B are not read (as in BLAS): NaN and Inf there do not reach c
    const an = new fg.Tensor(new Float32Array(m * k).fill(NaN), [m, k]), bi = new fg.Tensor(new Float32Array(k * n).fill(Infinity), [k, n]);
    const c1 = randomF32(m * n, 13), bias1 = randomF32(n, 14);
    const want1 = c1.map((v, i) => Math.max(f32(f32(0.5 * v) + bias1[i % n]), 0));
    const got1 = fg.ops.gemm(an, bi, new fg.Tensor(c1.slice(), [m, n]), { alpha: 0, beta: 0.5, bias: new fg.Tensor(bias1, [n]), activation: 'relu' });
    assertSameBits(got1.data, want1, { kernel: `alpha 0 (${backend})` });
    assertSameBits(fg.ops.gemm(an, bi, new fg.Tensor(c1.slice(), [m, n]), { alpha: 0 }).data, new Float32Array(m * n), { kernel: `alpha 0 beta 0 (${backend})` });
    assert.deepEqual(fg.ops.matmul(fg.Tensor.zeros([0, 3]), fg.Tensor.zeros([3, 5])).shape, [0, 5]);
    assert.deepEqual(fg.ops.matmul(fg.Tensor.from([1, 2, 3, 4], [2, 2]), fg.Tensor.from([5, 6, 7, 8], [2, 2])).toArray(), [19, 22, 43, 50]);
  });
});

test('epilogue activations give the same bits as the unary ops applied afterwards', () => {
  const m = 33, n = 70, k = 300;
  const a = new fg.Tensor(randomF32(m * k, 41), [m, k]), b = new fg.Tensor(randomF32(k * n, 42), [k, n]);
  const bias = new fg.Tensor(randomF32(n, 43, { specials: 0.1 }), [n]);
  eachBackend((backend) => {
    const plain = fg.ops.gemm(a, b, fg.Tensor.zeros([m, n]), { bias });
    for (const act of ['relu', 'sigmoid', 'tanh'] as const) {
      const fused = fg.ops.gemm(a, b, fg.Tensor.zeros([m, n]), { bias, activation: act });
      const after = new Float32Array(m * n);
      (backend === 'js' ? jsKernels() : requireNative()).unary.map(act, plain.data, after);
      assertSameBits(fused.data, after, { kernel: `gemm epilogue ${act} (${backend})` });
    }
  });
});

test('the native GEMM runs in a worker_thread (its own workspace) with the same bits', async () => {
  requireNative();
  const { Worker } = await import('node:worker_threads');
  const m = 100, n = 130, k = 600; // above the parallel threshold: the OpenMP threads of the worker get workspaces too
  const a = randomF32(m * k, 21), b = randomF32(k * n, 22);
  const want = fg.ops.matmul(new fg.Tensor(a, [m, k]), new fg.Tensor(b, [k, n])).data;
  const code = `
    require('tsx/cjs/api').register();
    const { parentPort, workerData } = require('node:worker_threads');
    const fg = require(${JSON.stringify(require.resolve('../lib/index.ts'))});
    fg.setNumThreads(2);
    const { a, b, m, n, k } = workerData;
    let c;
    for (let r = 0; r < 3; r++) c = fg.ops.matmul(new fg.Tensor(a, [m, k]), new fg.Tensor(b, [k, n])).data;
    parentPort.postMessage(c);`;
  const got = await new Promise<Float32Array>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { a, b, m, n, k } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  assertSameBits(got, want, { kernel: 'gemm in a worker' });
});

// ---------------------------------------------------------------------------------------------
// Bad input

test('bad input: clear errors naming the argument, nothing written', () => {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = fg.Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);
  const c = fg.Tensor.zeros([2, 2]);
  eachBackend(() => {
    assertRejects(() => fg.ops.matmul(a, a), RangeError, /inner dimensions of matmul to agree: op\(a\) is 2 x 3 .* op\(b\) is 2 x 3/);
    assertRejects(() => fg.ops.matmul(a, b, { transA: true }), RangeError, /op\(a\) is 3 x 2 \(a \[2, 3\], transA\)/);
    assertRejects(() => fg.ops.matmul(fg.Tensor.zeros([]), b), RangeError, /both arguments to matmul need to be at least 1D, but they are 0D and 2D/);
    assertRejects(() => fg.ops.matmul(fg.Tensor.zeros([6]), b, { transA: true }), RangeError, /Expected a 2-D tensor for a but received shape \[6\]/);
    assertRejects(() => fg.ops.matmul(a, 'b' as never), TypeError, /Expected a Tensor for b but received string "b"/);
    assertRejects(() => fg.ops.matmul(a, b, { transB: 1 } as never), TypeError, /Expected a boolean for transB but received number 1/);
    assertRejects(() => fg.ops.matmul(a, b, { out: fg.Tensor.zeros([2, 3]) }), RangeError, /Expected out of shape \[2, 2\] for matmul but received shape \[2, 3\]/);
    assertRejects(() => fg.ops.matmul(a, b, { bogus: 1 } as never), TypeError, /Unknown option 'bogus'/);
    assertRejects(() => fg.ops.gemm(a, b, c, { alpha: NaN }), RangeError, /Expected a finite number for alpha but received number NaN/, [c.data]);
    assertRejects(() => fg.ops.gemm(a, b, c, { beta: '1' as never }), TypeError, /Expected a number for beta/, [c.data]);
    assertRejects(() => fg.ops.gemm(a, b, c, { activation: 'gelu' as never }), RangeError, /Expected one of 'none', 'relu', 'sigmoid', 'tanh' for activation/, [c.data]);
    assertRejects(() => fg.ops.gemm(a, b, c, { bias: fg.Tensor.zeros([3]) }), RangeError, /Expected bias of shape \[2\] or \[1, 2\] for gemm but received shape \[3\]/, [c.data]);
    assertRejects(() => fg.ops.gemm(a, b, fg.Tensor.zeros([2, 3])), RangeError, /Expected c of shape \[2, 2\] for gemm/);
    // aliasing: the output may not share memory with any input (not even in place)
    const sq = fg.Tensor.from([1, 2, 3, 4], [2, 2]);
    assertRejects(() => fg.ops.matmul(sq, sq, { out: sq }), RangeError, /Expected out of matmul not to overlap a/, [sq.data]);
    const buf = new Float32Array(12).fill(1);
    const x = new fg.Tensor(buf.subarray(0, 4), [2, 2]), y = new fg.Tensor(buf.subarray(2, 6), [2, 2]);
    assertRejects(() => fg.ops.matmul(sq, x, { out: y }), RangeError, /Expected out of matmul not to overlap b/, [buf]);
    const bias = new fg.Tensor(buf.subarray(5, 7), [2]);
    assertRejects(() => fg.ops.gemm(sq, sq, y, { bias }), RangeError, /Expected c of gemm not to overlap bias/, [buf]);
    assertRejects(() => fg.ops.gemm(x, sq, y), RangeError, /Expected c of gemm not to overlap a/, [buf]);
  });
});

test('binding second line of checks: wrong types, lengths, overlap, detached never crash', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4).fill(7);
  const ok = [a, b, c, 2, 2, 3, false, false, 1, 0, null, 0];
  const call = (i: number, v: unknown) => () => addon.gemm(...ok.map((x, j) => (j === i ? v : x)));
  assert.equal(addon.gemm(...ok), undefined);
  c.fill(7);
  assertRejects(call(0, new Float64Array(6)), TypeError, /Expected Float32Array for a but received Float64Array/, [c]);
  assertRejects(call(3, 3), RangeError, /length 9 for a but received length 6/, [c]);
  assertRejects(call(5, -1), RangeError, /non-negative integer for k/, [c]);
  assertRejects(call(6, 1), TypeError, /Expected a boolean for transA/, [c]);
  assertRejects(call(8, 'x'), TypeError, /Expected a number for alpha/, [c]);
  assertRejects(call(10, new Float32Array(3)), RangeError, /length 2 for bias/, [c]);
  assertRejects(call(11, 7), RangeError, /activation/, [c]);
  assertRejects(call(4, 2 ** 40), RangeError, /fit in memory|length/, [c]);
  const buf = new Float32Array(16);
  assertRejects(() => addon.gemm(buf.subarray(0, 6), b, buf.subarray(4, 8), 2, 2, 3, false, false, 1, 0, null, 0), RangeError, /c not to overlap a/, [buf]);
  assertRejects(() => addon.gemm(a, buf.subarray(0, 6), buf.subarray(0, 4), 2, 2, 3, false, false, 1, 0, null, 0), RangeError, /c not to overlap b/, [buf]);
  const d = new Float32Array(6);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assertRejects(call(1, d), TypeError, /detached/, [c]);
  assertRejects(() => addon.fmaf(a, b, new Float32Array(5), new Float32Array(6)), RangeError, /length 6 for c/);
  assertRejects(() => addon.fmaf(a, b, a, a.subarray(1)), RangeError, /length 6 for out/);
});
