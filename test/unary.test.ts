// Unary family: native (every SIMD level, 1/2/3 threads) vs TypeScript, bit for bit; accuracy of the
// polynomial transcendentals against float64 Math; softmax/logSoftmax bounds; ops API; bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { Kernels, UnaryOp } from '../lib/backend/kernels.js';
import { ACT_BACKWARD, UNARY_OP } from '../lib/backend/spec/unary.js';
import { nativeAddon } from '../lib/backend/select.js';
import { assertRejects, assertSameBits, conform, jsKernels, randomF32, requireNative, rng, SPECIALS } from './support/harness.js';

// Every op the contract declares (lib/backend/spec/unary.ts): a new op is in the conformance tests the day it exists.
const OPS = UNARY_OP.names;
const BACKWARD = ACT_BACKWARD.names;
const SPECIAL_RATE = 0.05;

/** Uniformly random bit patterns: every exponent, both signs, NaNs, infinities and subnormals. */
function randomBits(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const u = new Uint32Array(n);
  for (let i = 0; i < n; i++) u[i] = Math.floor(r() * 4294967296);
  return new Float32Array(u.buffer);
}

/** Wide inputs: half in [-12, 12] (where the transcendentals are interesting), half random bits, plus specials. */
function wideF32(n: number, seed: number): Float32Array {
  const a = randomF32(n, seed, { lo: -12, hi: 12, specials: SPECIAL_RATE });
  const b = randomBits(n, seed + 1000);
  for (let i = 1; i < n; i += 2) a[i] = b[i];
  return a;
}

const mapWith = (K: Kernels, op: UnaryOp, x: Float32Array) => {
  const y = new Float32Array(x.length);
  K.unary.map(op, x, y);
  return y;
};

test('conformance: every unary op on every size, with specials and random bit patterns', () => {
  requireNative();
  for (const op of OPS) conform(`unary.${op}`, wideF32, (K, x) => mapWith(K, op, x));
});

test('conformance: unary ops in place (out is x)', () => {
  requireNative();
  for (const op of OPS) {
    conform(`unary.${op}.inplace`, wideF32, (K, x) => { K.unary.map(op, x, x); return x; }, { sizes: [0, 1, 17, 4097] });
  }
});

test('conformance: activation backward, separate output and in place over y and over dy', () => {
  requireNative();
  const make = (n: number, s: number) => ({ y: randomF32(n, s, { lo: -1.5, hi: 1.5, specials: SPECIAL_RATE }), dy: randomF32(n, s + 9, { specials: SPECIAL_RATE }) });
  for (const op of BACKWARD) {
    conform(`unary.${op}Backward`, make, (K, { y, dy }) => { const dx = new Float32Array(y.length); K.unary.backward(op, y, dy, dx); return dx; });
    conform(`unary.${op}Backward.inplace`, make, (K, { y, dy }) => {
      const y2 = y.slice();
      K.unary.backward(op, y, dy, dy);
      K.unary.backward(op, y2, y2.slice(), y2);
      return [dy, y2];
    }, { sizes: [0, 17, 4097] });
  }
});

const SOFTMAX_SHAPES: [number, number][] = [[0, 5], [4, 0], [1, 1], [3, 7], [17, 65], [64, 16], [5, 4095], [3, 4097], [2, 8193], [1, 100003]];

test('conformance: softmax and logSoftmax rows (odd widths, several canonical blocks), in place', () => {
  requireNative();
  for (const name of ['softmax', 'logSoftmax'] as const) {
    for (const [r, c] of SOFTMAX_SHAPES) {
      const sizes = [r * c];
      conform(`unary.${name}[${r}x${c}]`, (n, s) => randomF32(n, s, { lo: -30, hi: 30 }),
        (K, x) => { const y = new Float32Array(x.length); K.unary[name](x, y, r, c); return y; }, { sizes });
      conform(`unary.${name}.specials[${r}x${c}]`, (n, s) => randomF32(n, s, { lo: -5, hi: 5, specials: 0.001 }),
        (K, x) => { K.unary[name](x, x, r, c); return x; }, { sizes });
    }
  }
});

// ---- accuracy against float64 --------------------------------------------------------------
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** Error of a binary32 result f against the exact value ref, in units of the binary32 ulp at ref (subnormal ulp 2^-149). */
function ulpError(f: number, ref: number): number {
  if (Number.isNaN(ref)) return Number.isNaN(f) ? 0 : Infinity;
  const rf = Math.fround(ref);
  if (!Number.isFinite(rf)) return f === rf ? 0 : Infinity;
  if (!Number.isFinite(f)) return Infinity;
  f64[0] = Math.abs(ref);
  const e = Number((u64[0] >> 52n) & 0x7ffn) - 1023;
  return Math.abs(f - ref) / 2 ** (Math.max(e, -126) - 23);
}

/** Every float whose bit pattern is a multiple of `stride`, plus ±`width` neighbours of each hard point. */
function sweep(stride: number, hard: number[], width: number): Float32Array {
  const out: number[] = [];
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let b = 0; b < 2 ** 32; b += stride) { u[0] = b; out.push(f[0]); }
  for (const h of hard) {
    f[0] = h;
    const c = u[0];
    for (let d = -width; d <= width; d++) { u[0] = (c + d) >>> 0; out.push(f[0]); }
  }
  return Float32Array.from(out);
}

const ACCURACY: { op: UnaryOp; ref: (x: number) => number; bound: number; hard: number[] }[] = [
  { op: 'exp', ref: Math.exp, bound: 1, hard: [0, -0, 88.72283935546875, 88.7, -87.33654, -103.972, -103.28, 0.34657359, -0.34657359, 1e-30, 10.39720771] },
  { op: 'log', ref: Math.log, bound: 1, hard: [1, 0.7071067690849304, 1.4142135381698608, 1.1754943508222875e-38, 1e-45, 5.9e-39, 3.4028234663852886e38, 2, 0.5, Math.E] },
  { op: 'tanh', ref: Math.tanh, bound: 2, hard: [0.625, -0.625, 1e-20, 1e-39, 0.5493, 9.01, -9.01, 4.5, 0.0001] },
  { op: 'sigmoid', ref: (x) => 1 / (1 + Math.exp(-x)), bound: 3, hard: [0, -0, -88.72, -103.97, -87.3, 16.64, 17.33, -1e-8, 0.625, -20] },
];

test('accuracy: exp, log, tanh, sigmoid against float64 Math over the whole float range and hard points', () => {
  const K = requireNative();
  for (const { op, ref, bound, hard } of ACCURACY) {
    const x = sweep(4099, hard, 3000);
    const y = mapWith(jsKernels(), op, x);
    assertSameBits(mapWith(K, op, x), y, { kernel: `unary.${op}.sweep`, size: x.length });
    let worst = 0, at = 0;
    for (let i = 0; i < x.length; i++) {
      const e = ulpError(y[i], ref(x[i]));
      if (e > worst) { worst = e; at = x[i]; }
    }
    assert.ok(worst <= bound, `${op}: worst error ${worst} ulp at x = ${at} exceeds ${bound} ulp`);
  }
});

test('specials: exact values at ±0, ±inf, NaN, subnormals, saturation', () => {
  const cases: [UnaryOp, number, number][] = [
    ['exp', -Infinity, 0], ['exp', Infinity, Infinity], ['exp', NaN, NaN], ['exp', 0, 1], ['exp', -0, 1], ['exp', 89, Infinity],
    ['exp', 88.72283935546875, Infinity], ['exp', 88.72283172607422, 3.402798519021476e38], ['exp', -104, 0], ['exp', -103.5, 1e-45], ['exp', -1000, 0],
    ['log', 0, -Infinity], ['log', -0, -Infinity], ['log', -1, NaN], ['log', -Infinity, NaN], ['log', Infinity, Infinity], ['log', NaN, NaN],
    ['log', 1, 0], ['log', 1e-45, -103.27893], ['log', 3.4028234663852886e38, 88.72284],
    ['tanh', Infinity, 1], ['tanh', -Infinity, -1], ['tanh', -0, -0], ['tanh', 0, 0], ['tanh', NaN, NaN], ['tanh', 1e-30, 1e-30], ['tanh', -1e-45, -1e-45], ['tanh', 20, 1],
    ['sigmoid', Infinity, 1], ['sigmoid', -Infinity, 0], ['sigmoid', 0, 0.5], ['sigmoid', -0, 0.5], ['sigmoid', NaN, NaN], ['sigmoid', 40, 1],
    ['relu', -0, 0], ['relu', NaN, NaN], ['relu', -Infinity, 0], ['relu', 3, 3],
    ['sqrt', -0, -0], ['sqrt', -1, NaN], ['sqrt', Infinity, Infinity], ['neg', 0, -0], ['abs', -0, 0], ['square', -3, 9],
  ];
  const backends: [string, Kernels][] = [['js', jsKernels()], ['native', requireNative()]];
  for (const [backend, K] of backends) {
    for (const [op, x, want] of cases) {
      const got = mapWith(K, op, Float32Array.of(x))[0];
      assert.ok(Object.is(got, Math.fround(want)), `${backend} ${op}(${x}) = ${got}, expected ${Math.fround(want)}`);
    }
  }
  // The small-argument tanh returns x itself for |x| < 2^-13 (x^3/3 is below half an ulp of x).
  for (const x of randomF32(1000, 3, { lo: -(2 ** -13), hi: 2 ** -13 })) assert.equal(mapWith(jsKernels(), 'tanh', Float32Array.of(x))[0], x);
  // Subnormal exp results are correctly rounded down to 2^-149 (one rounding, not two).
  const sub = mapWith(jsKernels(), 'exp', Float32Array.of(-100, -95, -90, -87.5));
  sub.forEach((v, i) => assert.ok(ulpError(v, Math.exp([-100, -95, -90, -87.5][i])) <= 1, `exp subnormal ${i}: ${v}`));
});

test('softmax rows sum to 1 and logSoftmax matches float64', () => {
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    fg.setBackend(backend);
    for (const [r, c] of [[7, 3], [4, 1000], [2, 10000]] as const) {
      const x = new fg.Tensor(randomF32(r * c, r + c, { lo: -20, hi: 20 }), [r, c]);
      const p = fg.ops.softmax(x).data, lp = fg.ops.logSoftmax(x).data;
      for (let i = 0; i < r; i++) {
        const row = x.data.subarray(i * c, (i + 1) * c);
        let sum = 0, m = -Infinity;
        for (let j = 0; j < c; j++) { sum += p[i * c + j]; m = Math.max(m, row[j]); }
        assert.ok(Math.abs(sum - 1) <= c * 2 ** -23, `${backend} softmax row ${i} of ${r}x${c} sums to ${sum}`);
        let s64 = 0;
        for (let j = 0; j < c; j++) s64 += Math.exp(row[j] - m);
        const ls = Math.log(s64);
        for (let j = 0; j < c; j++) {
          const want = row[j] - m - ls;
          const tol = 4 * 2 ** -24 * (Math.abs(want) + ls + 1);
          assert.ok(Math.abs(lp[i * c + j] - want) <= tol, `${backend} logSoftmax[${i},${j}] = ${lp[i * c + j]}, float64 ${want}`);
          // x - m is rounded once (relative error of e^(x-m) up to |x - m| 2^-24), then exp, the sum and the division.
          const rel = 2 ** -24 * (Math.abs(row[j] - m) + 8 + c / 64);
          assert.ok(Math.abs(p[i * c + j] - Math.exp(want)) <= rel * Math.exp(want) + 2 ** -149, `${backend} softmax[${i},${j}] = ${p[i * c + j]}, float64 ${Math.exp(want)}`);
        }
      }
    }
    // Large logits do not overflow; a NaN anywhere in a row makes the whole row NaN, other rows are untouched.
    const big = fg.ops.softmax(fg.Tensor.from([1000, 1000, -Infinity, NaN, 0, 1], [2, 3])).toArray();
    assert.deepEqual(big.slice(0, 3), [0.5, 0.5, 0]);
    assert.ok(big.slice(3).every(Number.isNaN));
    assert.deepEqual(fg.ops.logSoftmax(fg.Tensor.from([5])).toArray(), [0]);
  }
  fg.setBackend('native');
});

test('ops: values, out, in place, backward, dim', () => {
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    fg.setBackend(backend);
    const x = fg.Tensor.from([-2, -0.5, 0, 0.5, 2, 4], [2, 3]);
    assert.deepEqual(fg.ops.neg(x).toArray(), [2, 0.5, -0, -0.5, -2, -4]);
    assert.deepEqual(fg.ops.abs(x).toArray(), [2, 0.5, 0, 0.5, 2, 4]);
    assert.deepEqual(fg.ops.square(x).toArray(), [4, 0.25, 0, 0.25, 4, 16]);
    assert.deepEqual(fg.ops.relu(x).toArray(), [0, 0, 0, 0.5, 2, 4]);
    assert.deepEqual(fg.ops.sqrt(fg.Tensor.from([4, 9, 0.25])).toArray(), [2, 3, 0.5]);
    assert.deepEqual(fg.ops.log(fg.ops.exp(fg.Tensor.from([0, 1, -3]))).toArray(), [0, 1, -3]);
    const s = fg.ops.sigmoid(x).data, t = fg.ops.tanh(x).data;
    x.data.forEach((v, i) => {
      assert.ok(Math.abs(s[i] - 1 / (1 + Math.exp(-v))) <= 2 ** -22, `sigmoid(${v})`);
      assert.ok(Math.abs(t[i] - Math.tanh(v)) <= 2 ** -22, `tanh(${v})`);
    });
    const out = fg.Tensor.zeros([2, 3]);
    assert.equal(fg.ops.exp(x, { out }), out);
    assert.deepEqual(out.toArray(), fg.ops.exp(x).toArray());
    const y = x.clone();
    assert.equal(fg.ops.tanh(y, { out: y }), y);
    assert.deepEqual(y.toArray(), Array.from(t));
    const dy = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual(fg.ops.reluBackward(fg.ops.relu(x), dy).toArray(), [0, 0, 0, 4, 5, 6]);
    const sb = fg.ops.sigmoidBackward(fg.Tensor.from([0.5, 0.25]), fg.Tensor.from([2, 1])).toArray();
    assert.deepEqual(sb, [0.5, 0.1875]);
    assert.deepEqual(fg.ops.tanhBackward(fg.Tensor.from([0.5, -1]), fg.Tensor.from([2, 3])).toArray(), [1.5, 0]);
    const sm = fg.ops.softmax(fg.Tensor.from([1, 1, 1, 1])).toArray();
    assert.deepEqual(sm, [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(fg.ops.softmax(x, { dim: -1 }).toArray(), fg.ops.softmax(x, { dim: 1 }).toArray());
    const lo = fg.Tensor.zeros([2, 3]);
    assert.equal(fg.ops.logSoftmax(x, { out: lo }), lo);
    assert.deepEqual(lo.toArray(), fg.ops.logSoftmax(x).toArray());
    assert.equal(fg.ops.softmax(fg.Tensor.zeros([0, 4])).size, 0);
  }
  fg.setBackend('native');
});

test('bad input: clear errors naming the argument, nothing written', () => {
  const x = fg.Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const out = fg.Tensor.zeros([2, 3]);
  assertRejects(() => fg.ops.exp(undefined as never), TypeError, /Expected a Tensor for x but received undefined/);
  assertRejects(() => fg.ops.tanh([1, 2] as never), TypeError, /Expected a Tensor for x but received an Array of length 2/);
  assertRejects(() => fg.ops.log(x, { out: fg.Tensor.zeros([3, 2]) }), RangeError, /Expected out of shape \[2, 3\] for log but received shape \[3, 2\]/);
  assertRejects(() => fg.ops.sigmoid(x, { inplace: true } as never), TypeError, /Unknown option 'inplace'/);
  const buf = new Float32Array(8);
  const a = new fg.Tensor(buf.subarray(0, 6), [2, 3]), part = new fg.Tensor(buf.subarray(1, 7), [2, 3]);
  assertRejects(() => fg.ops.relu(a, { out: part }), RangeError, /partly overlaps/, [buf]);
  assertRejects(() => fg.ops.softmax(fg.Tensor.zeros([2, 2, 2]), 3), RangeError, /Dimension out of range for softmax \(expected dim to be in range of \[-3, 2\], but got 3\)/);
  assertRejects(() => fg.ops.softmax(x, { dim: -3 }), RangeError, /expected dim to be in range of \[-2, 1\], but got -3/);
  assertRejects(() => fg.ops.softmax(x, { dim: '1' as never }), TypeError, /for dim but received string "1"/);
  assertRejects(() => fg.ops.logSoftmax(x, { out: fg.Tensor.zeros([6]) }), RangeError, /Expected out of shape \[2, 3\] for logSoftmax/, [out.data]);
  assertRejects(() => fg.ops.reluBackward(x, fg.Tensor.zeros([3, 2]), { out }), RangeError, /Expected dy of shape \[2, 3\] \(the shape of y\) for reluBackward but received shape \[3, 2\]/, [out.data]);
  assertRejects(() => fg.ops.tanhBackward(x, 3 as never), TypeError, /Expected a Tensor for dy but received number 3/);
  assertRejects(() => fg.ops.sigmoidBackward(null as never, x), TypeError, /Expected a Tensor for y but received null/);
});

test('binding second line of checks: wrong types, lengths, overlap, detached never crash', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.ok(addon);
  const x = new Float32Array(8), y = new Float32Array(8);
  assertRejects(() => addon.unaryMap(OPS.length, x, y), RangeError, /op/, [y]);
  assertRejects(() => addon.unaryMap(4, new Float64Array(8), y), TypeError, /Expected Float32Array for x but received Float64Array/, [y]);
  assertRejects(() => addon.unaryMap(4, x, new Float32Array(7)), RangeError, /length 8 for out but received length 7/);
  assertRejects(() => addon.unaryMap(4, x.subarray(0, 4), x.subarray(2, 6)), RangeError, /overlap/, [x]);
  assertRejects(() => addon.unaryBackward(BACKWARD.length, x, x, y), RangeError, /op/, [y]);
  assertRejects(() => addon.unaryBackward(0, x, new Float32Array(4), y), RangeError, /length 8 for dy/, [y]);
  assertRejects(() => addon.unaryBackward(0, x, 'dy', y), TypeError, /Expected Float32Array for dy but received a string/, [y]);
  assertRejects(() => addon.softmax(x, y, 3, 3), RangeError, /length 9 for x/, [y]);
  assertRejects(() => addon.softmax(x, y, 2 ** 40, 2 ** 40), RangeError, /fit in memory/, [y]);
  assertRejects(() => addon.logSoftmax(x, y, -1, 8), RangeError, /rows/, [y]);
  assertRejects(() => addon.logSoftmax(x, y, 1), TypeError, /Expected a non-negative integer for cols but received undefined/, [y]);
  assertRejects(() => addon.softmax(x.subarray(0, 4), x.subarray(1, 5), 1, 4), RangeError, /overlap/, [x]);
  const d = new Float32Array(4);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assertRejects(() => addon.unaryMap(4, d, d), TypeError, /detached/);
});

test('reciprocal: 1 / x with one rounding on both backends (±0 -> ±Infinity, ±Infinity -> ±0, NaN, subnormal and huge x)', () => {
  const x = Float32Array.from([2, -4, 3, 0, -0, Infinity, -Infinity, NaN, 1e-40, 3e38, 0.1]);
  const want = x.map((v) => 1 / v); // Float32Array.map rounds each double quotient once to binary32
  assert.deepEqual([...want.slice(0, 4)], [0.5, -0.25, Math.fround(1 / 3), Infinity]);
  for (const K of [jsKernels(), requireNative()]) assertSameBits(mapWith(K, 'reciprocal', x), want, { kernel: `unary.reciprocal (${K.name})` });
});
