// Special family (log1p): native (every SIMD level, 1/2/3 threads) vs the TypeScript twin, bit for bit;
// both vs JavaScript's Math.log1p rounded to binary32 over a stride through every binary32 bit pattern
// and densely over (0, 1] (tfjs's binary cross-entropy takes log1p of exp(-|x|)); specials; the binding's
// checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeAddon } from '../lib/backend/select.js';
import { assertRejects, assertSameBits, conform, forEachNativeConfig, jsKernels, randomF32, requireNative, rng, SPECIALS } from './support/harness.js';

/** Half in [-1.5, 4] (both branches of the argument reduction, and x < -1), half random bit patterns, plus specials. */
function wide(n: number, seed: number): Float32Array {
  const a = randomF32(n, seed, { lo: -1.5, hi: 4, specials: 0.05 });
  const r = rng(seed + 77), u = new Uint32Array(a.buffer);
  for (let i = 1; i < n; i += 2) u[i] = Math.floor(r() * 4294967296);
  return a;
}

const log1pWith = (K: ReturnType<typeof jsKernels>, x: Float32Array) => {
  const y = new Float32Array(x.length);
  K.special.log1p(x, y);
  return y;
};

test('conformance: log1p on every size, with specials and random bit patterns, and in place', () => {
  requireNative();
  assert.ok(conform('special.log1p', wide, (K, x) => log1pWith(K, x)) > 0);
  assert.ok(conform('special.log1p.inplace', wide, (K, x) => { K.special.log1p(x, x); return x; }, { sizes: [0, 1, 17, 4097] }) > 0);
});

test('log1p gives Math.log1p rounded to binary32: a stride through every bit pattern, (0, 1] densely, the branch edges', () => {
  const K = requireNative();
  const cases: Float32Array[] = [];
  // Every 251st binary32 bit pattern (17M values: every exponent, both signs, NaNs, subnormals).
  const stride = new Float32Array(Math.ceil(2 ** 32 / 251)), su = new Uint32Array(stride.buffer);
  for (let i = 0; i < su.length; i++) su[i] = (i * 251) >>> 0;
  cases.push(stride);
  // Every 17th binary32 in [2^-24, 1] (tfjs's binary cross-entropy: log1p(exp(-|x|)) on (0, 1]).
  const lo = new Uint32Array(Float32Array.of(2 ** -24).buffer)[0], hi = new Uint32Array(Float32Array.of(1).buffer)[0];
  const dense = new Float32Array(Math.floor((hi - lo) / 17) + 1), du = new Uint32Array(dense.buffer);
  for (let i = 0; i < du.length; i++) du[i] = lo + 17 * i;
  cases.push(dense);
  // The branch points of the algorithm and their binary32 neighbours.
  const edges = [-1, -0.2928932309150696, 0.41421356, 2 ** -29, 2 ** -54, 2 ** 53, 2 ** 60, Math.SQRT2 - 1, Math.SQRT1_2 - 1, ...SPECIALS];
  const e: number[] = [];
  for (const v of edges) {
    const b = new Uint32Array(Float32Array.of(v).buffer)[0];
    for (let d = -3; d <= 3; d++) e.push(new Float32Array(Uint32Array.of((b + d) >>> 0).buffer)[0], -new Float32Array(Uint32Array.of((b + d) >>> 0).buffer)[0]);
  }
  cases.push(Float32Array.from(e));
  for (const x of cases) {
    const want = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) want[i] = Math.log1p(x[i]);
    assertSameBits(log1pWith(jsKernels(), x), want, { kernel: 'special.log1p (TypeScript) vs Math.log1p', size: x.length });
    assertSameBits(log1pWith(K, x), want, { kernel: 'special.log1p (native) vs Math.log1p', size: x.length });
  }
  // The specials, as Math.log1p gives them.
  const s = log1pWith(K, Float32Array.of(-1, -2, -Infinity, Infinity, 0, -0, NaN));
  assert.deepEqual([...s], [-Infinity, NaN, NaN, Infinity, 0, -0, NaN]);
  assert.ok(Object.is(s[5], -0) && Object.is(s[4], 0));
  // Every level and thread count on the stride (the conformance test covers the twin on random inputs).
  const want = log1pWith(jsKernels(), stride.subarray(0, 1 << 20));
  forEachNativeConfig((level, threads, KN) => assertSameBits(log1pWith(KN, stride.subarray(0, 1 << 20)), want, { kernel: 'special.log1p', level, threads }));
});

test('binding checks: wrong types, lengths and overlap throw and write nothing', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const x = new Float32Array(8), y = new Float32Array(8);
  assertRejects(() => addon.specialLog1p(new Float64Array(8), y), TypeError, /Expected Float32Array for x but received Float64Array/, [y]);
  assertRejects(() => addon.specialLog1p(x, new Float32Array(7)), RangeError, /length 8 for out but received length 7/);
  assertRejects(() => addon.specialLog1p(x.subarray(0, 4), x.subarray(2, 6)), RangeError, /overlap/, [x]);
  assertRejects(() => addon.specialLog1p(x), TypeError, /out/, [x]);
});
