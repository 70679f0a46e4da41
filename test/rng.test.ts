// RNG family: Philox4x32-10 known answers, native (every SIMD level, 1/2/3 threads) vs TypeScript bit
// for bit, the counter -> element mapping, polynomial accuracy, sample moments, Generator state, bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { nativeAddon } from '../lib/backend/select.js';
import { lnSpec, sincosSpec } from '../lib/backend/js/rng.js';
import { assertRejects, assertSameBits, conform, jsKernels, requireNative } from './support/harness.js';

// Random123 kat_vectors: counter (4 words), key (2 words) -> output (4 words).
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
];

test('Philox4x32-10 matches the Random123 known-answer vectors on both backends', () => {
  const N = requireNative();
  for (const K of [jsKernels(), N]) {
    for (const [ctr, key, want] of KAT) assert.deepEqual(Array.from(K.rng.block(ctr, key)), want, `${K.name} ${ctr.map((c) => c.toString(16))}`);
  }
});

// (key, start counter) cases: zero, crossing a 2^32 boundary of the counter, near 2^53.
const STREAMS: [number, number, number][] = [[0, 0, 0], [0x12345678, 0x9abcdef0, 2 ** 32 - 5], [0xffffffff, 1, 2 ** 53 - 30000]];

test('conformance: uniform fill, every SIMD level x threads 1/2/3, all tail sizes', () => {
  requireNative();
  for (const [k0, k1, start] of STREAMS) {
    conform(`rng.uniform[${start}]`, (n) => new Float32Array(n), (K, y) => { K.rng.uniform(k0, k1, start, 0, 1, y); return y; });
    conform(`rng.uniform.affine[${start}]`, (n) => new Float32Array(n), (K, y) => { K.rng.uniform(k0, k1, start, Math.fround(-0.3), Math.fround(2.7), y); return y; }, { seeds: [1] });
  }
});

test('conformance: normal fill, every SIMD level x threads 1/2/3, all tail sizes', () => {
  requireNative();
  for (const [k0, k1, start] of STREAMS) {
    conform(`rng.normal[${start}]`, (n) => new Float32Array(n), (K, y) => { K.rng.normal(k0, k1, start, 0, 1, y); return y; });
    conform(`rng.normal.affine[${start}]`, (n) => new Float32Array(n), (K, y) => { K.rng.normal(k0, k1, start, Math.fround(0.5), Math.fround(0.01), y); return y; }, { seeds: [1] });
  }
});

test('mapping: element i comes from word i mod 4 of block start + floor(i / 4) (checked against native Philox blocks)', () => {
  const N = requireNative();
  const k0 = 7, k1 = 0xdeadbeef, start = 2 ** 32 - 2, n = 22;
  for (const K of [jsKernels(), N]) {
    const y = new Float32Array(n);
    K.rng.uniform(k0, k1, start, 0, 1, y);
    for (let i = 0; i < n; i++) {
      const b = start + Math.floor(i / 4);
      const w = N.rng.block([b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0], [k0, k1])[i % 4];
      assert.equal(y[i], (w >>> 8) * 2 ** -24, `${K.name} element ${i}`);
    }
    // A fill split at a block boundary equals one fill: the stream does not depend on how it is cut.
    const a = new Float32Array(8), b = new Float32Array(14);
    K.rng.normal(k0, k1, start, 0, 1, a);
    K.rng.normal(k0, k1, start + 2, 0, 1, b);
    const whole = new Float32Array(22);
    K.rng.normal(k0, k1, start, 0, 1, whole);
    assertSameBits(whole, Float32Array.from([...a, ...b]), { kernel: `${K.name}.normal split` });
  }
});

test('the ln and sincos polynomials are within a few ulp of the true functions', () => {
  let worstLn = 0;
  const ms = [1, 2, 3, 1000, 2 ** 23, 2 ** 24 - 1, 2 ** 24, 11863283, 11863284]; // 11863283 ~ 2^24 / sqrt(2)
  for (let i = 0; i < 20000; i++) ms.push(1 + Math.floor((i * 2654435761) % 2 ** 24));
  for (const m of ms) {
    const want = Math.log(m * 2 ** -24), got = lnSpec(m);
    assert.equal(got, Math.fround(got));
    const ulp = want === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(want))) - 23);
    worstLn = Math.max(worstLn, Math.abs(got - want) / ulp);
  }
  assert.ok(worstLn <= 3, `ln worst error ${worstLn} ulp`);
  let worstTrig = 0;
  for (let i = 0; i < 4 * 2 ** 12; i++) {
    const t = i * 2 ** -12;
    const [c, s] = sincosSpec(t);
    worstTrig = Math.max(worstTrig, Math.abs(c - Math.cos((Math.PI / 2) * t)), Math.abs(s - Math.sin((Math.PI / 2) * t)));
  }
  assert.ok(worstTrig < 1.5e-7, `sincos worst absolute error ${worstTrig}`);
  assert.deepEqual(sincosSpec(0), [1, 0]);
  assert.deepEqual(sincosSpec(1).map((v) => v + 0), [0, 1]);
  assert.deepEqual(sincosSpec(2).map((v) => v + 0), [-1, 0]);
  assert.equal(lnSpec(2 ** 24), 0);
});

function moments(x: Float32Array): { mean: number; variance: number; kurtosis: number } {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let m2 = 0, m4 = 0;
  for (const v of x) {
    const d = (v - m) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= x.length;
  m4 /= x.length;
  return { mean: m, variance: m2, kurtosis: m4 / (m2 * m2) };
}

const N_MOMENTS = 1 << 20;
const Z = 5; // bounds at 5 standard errors: a false failure has probability < 1e-6 per check

test('uniform samples: mean, variance, range and histogram within confidence bounds', () => {
  const u = new fg.Generator(11).uniform(new Float32Array(N_MOMENTS));
  const { mean, variance } = moments(u);
  assert.ok(Math.abs(mean - 0.5) < Z * Math.sqrt(1 / 12 / N_MOMENTS), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < Z * Math.sqrt((1 / 80 - 1 / 144) / N_MOMENTS), `variance ${variance}`);
  let lo = 1, hi = 0;
  const bins = new Float64Array(64);
  for (const v of u) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    bins[Math.floor(v * 64)]++;
  }
  assert.ok(lo >= 0 && hi < 1, `range [${lo}, ${hi}]`);
  const e = N_MOMENTS / 64;
  const chi2 = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
  assert.ok(chi2 < 63 + Z * Math.sqrt(2 * 63), `chi-square ${chi2} with 63 degrees of freedom`);
});

test('normal samples: mean, variance, kurtosis and tail mass within confidence bounds', () => {
  const z = new fg.Generator(12).normal(new Float32Array(N_MOMENTS));
  const { mean, variance, kurtosis } = moments(z);
  assert.ok(Math.abs(mean) < Z / Math.sqrt(N_MOMENTS), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < Z * Math.sqrt(2 / N_MOMENTS), `variance ${variance}`);
  assert.ok(Math.abs(kurtosis - 3) < Z * Math.sqrt(24 / N_MOMENTS), `kurtosis ${kurtosis}`);
  let tail = 0;
  for (const v of z) if (Math.abs(v) > 2) tail++;
  const p = 0.04550026389635842; // P(|Z| > 2)
  assert.ok(Math.abs(tail / N_MOMENTS - p) < Z * Math.sqrt((p * (1 - p)) / N_MOMENTS), `tail mass ${tail / N_MOMENTS}`);
  const s = new fg.Generator(12).normal(new Float32Array(N_MOMENTS), 3, 0.5);
  const ms = moments(s);
  assert.ok(Math.abs(ms.mean - 3) < (0.5 * Z) / Math.sqrt(N_MOMENTS) && Math.abs(ms.variance - 0.25) < 0.25 * Z * Math.sqrt(2 / N_MOMENTS));
});

test('Generator: seeding, state round trip, counter accounting, same bits on both backends', () => {
  requireNative();
  const a = new fg.Generator(42), b = new fg.Generator(42);
  assert.deepEqual(a.getState(), { algorithm: 'philox4x32-10', key: [42, 0], counter: 0 });
  a.uniform(new Float32Array(10));
  assert.equal(a.getState().counter, 3);
  const saved = a.getState();
  const x1 = a.normal(new Float32Array(37));
  const y1 = a.uniform(new Float32Array(5));
  b.setState(JSON.parse(JSON.stringify(saved)));
  assertSameBits(b.normal(new Float32Array(37)), x1, { kernel: 'state round trip normal' });
  assertSameBits(b.uniform(new Float32Array(5)), y1, { kernel: 'state round trip uniform' });
  assert.deepEqual(new fg.Generator(2n ** 64n - 1n).getState().key, [0xffffffff, 0xffffffff]);
  assert.deepEqual(new fg.Generator(2 ** 40 + 3).getState().key, [3, 256]);
  assert.notDeepEqual(Array.from(new fg.Generator(1).uniform(new Float32Array(4))), Array.from(new fg.Generator(2).uniform(new Float32Array(4))));
  // The global generator and manualSeed.
  fg.manualSeed(5);
  const g1 = fg.init.normal(fg.Tensor.zeros([100])).data;
  fg.manualSeed(5);
  assertSameBits(fg.init.normal(fg.Tensor.zeros([100])).data, g1, { kernel: 'manualSeed' });
  assertSameBits(g1, new fg.Generator(5).normal(new Float32Array(100)), { kernel: 'manualSeed = Generator(seed)' });
  // Backend choice does not change the numbers.
  const prev = fg.getBackend();
  try {
    for (const n of [1, 4097, 100003]) {
      fg.setBackend('js');
      const js = [new fg.Generator(9).uniform(new Float32Array(n), -2, 3), new fg.Generator(9).normal(new Float32Array(n), 1, 2)];
      fg.setBackend('native');
      const nat = [new fg.Generator(9).uniform(new Float32Array(n), -2, 3), new fg.Generator(9).normal(new Float32Array(n), 1, 2)];
      assertSameBits(nat[0], js[0], { kernel: 'Generator.uniform', size: n });
      assertSameBits(nat[1], js[1], { kernel: 'Generator.normal', size: n });
    }
  } finally {
    fg.setBackend(prev);
  }
});

test('Generator: permutations and unbiased integers', () => {
  const g = new fg.Generator(3);
  for (const n of [0, 1, 2, 17, 1000]) {
    const p = g.permutation(n);
    assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
  }
  const ints = g.integers(), counts = [0, 0, 0];
  const T = 300000;
  for (let i = 0; i < T; i++) counts[ints.below(3)]++;
  const chi2 = counts.reduce((s, o) => s + (o - T / 3) ** 2 / (T / 3), 0);
  assert.ok(chi2 < 2 + Z * 2, `chi-square ${chi2} with 2 degrees of freedom`);
  const w = new fg.Generator(0).uint32(6), blk = jsKernels().rng.block([0, 0, 0, 0], [0, 0]);
  assert.deepEqual(Array.from(w.subarray(0, 4)), Array.from(blk));
});

test('bad input: Generator and manualSeed errors name the argument and change nothing', () => {
  const g = new fg.Generator(1);
  const before = g.getState();
  const out = new Float32Array(8);
  assertRejects(() => new fg.Generator(-1), RangeError, /Expected an integer >= 0 for seed but received number -1/);
  assertRejects(() => new fg.Generator(1.5), RangeError, /seed/);
  assertRejects(() => fg.manualSeed('7' as unknown as number), TypeError, /for seed but received string "7"/);
  assertRejects(() => new fg.Generator(2n ** 64n), RangeError, /seed/);
  assertRejects(() => g.uniform(out, 2, 1), RangeError, /for high but received number 1/, [out]);
  assertRejects(() => g.uniform(out, 0, Infinity), RangeError, /finite number for high/, [out]);
  assertRejects(() => g.normal(out, 0, -1), RangeError, /for std but received number -1/, [out]);
  assertRejects(() => g.normal(new Float64Array(4) as unknown as Float32Array), TypeError, /Float32Array for out/);
  assertRejects(() => g.setState({ ...before, algorithm: 'mt19937' as 'philox4x32-10' }), RangeError, /state.algorithm/);
  assertRejects(() => g.setState({ ...before, key: [1, -1] }), TypeError, /state.key/);
  assertRejects(() => g.integers().below(0), RangeError, /for m but received number 0/);
  assertRejects(() => g.setState({ ...before, counter: 0.5 }), RangeError, /state.counter/);
  assertRejects(() => g.setState({ ...before, counter: 2 ** 53 }).uniform(out), RangeError, /Philox blocks/, [out]);
  g.setState(before);
  assert.deepEqual(g.getState(), before);
});

test('bad input: the native bindings throw, never crash', () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const y = new Float32Array(8);
  assertRejects(() => addon.rngUniform(0, 0, 0, 0, 0, 1, new Float64Array(8)), TypeError, /Float32Array for out/);
  assertRejects(() => addon.rngNormal(0, 0, 2 ** 32, 0, 0, 1, y), RangeError, /counterLo/, [y]);
  assertRejects(() => addon.rngNormal(-1, 0, 0, 0, 0, 1, y), RangeError, /key0/, [y]);
  assertRejects(() => addon.rngUniform(0, 0, 0, 0, 'a', 1, y), TypeError, /for low but received a string/, [y]);
  assertRejects(() => addon.rngBlock(0, 0, 0), TypeError, /counter3/);
});
