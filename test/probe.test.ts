// The probe family (the bench's yardsticks, native/kernels/probe.h): its kernels compute what they say
// at every SIMD level and thread count, and the canonical-sum self-check gives the TypeScript twin's
// bits (lib/backend/js/canonical.ts) everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeAddon } from '../lib/backend/select.js';
import { probeOf, type ProbeAddon } from '../lib/backend/native/probe.js';
import { canonicalSum } from '../lib/backend/js/canonical.js';
import { SIZES, assertRejects, assertSameBits, forEachNativeConfig, randomF32, requireNative } from './support/harness.js';

function probe(): ProbeAddon {
  requireNative();
  const p = probeOf(nativeAddon());
  assert.ok(p, 'the addon lacks the probe functions');
  return p;
}

test('probe copy, triad and add-split give exact results at every level and thread count', () => {
  const p = probe();
  forEachNativeConfig((level, threads) => {
    for (const n of [...SIZES, 70001]) {
      const a = randomF32(n, 1, { specials: 0.05 }), b = randomF32(n, 2, { specials: 0.05 });
      const ctx = { kernel: '', level, threads, size: n, seed: 1 };
      const y = new Float32Array(n);
      p.probeCopy(a, y);
      assertSameBits(y, a, { ...ctx, kernel: 'probeCopy' });
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = a[i] + Math.fround(0.75 * b[i]);
      p.probeTriad(a, b, 0.75, y);
      assertSameBits(y, want, { ...ctx, kernel: 'probeTriad' });
      for (let i = 0; i < n; i++) want[i] = a[i] + b[i];
      p.probeAddSplit(a, b, y, threads);
      assertSameBits(y, want, { ...ctx, kernel: 'probeAddSplit' });
    }
  });
});

test('canonical sum: the same bits at every SIMD level and thread count as the TypeScript twin', () => {
  const p = probe();
  const sizes = [...SIZES, 4096 * 3 + 5];
  const inputs = sizes.flatMap((n) => [randomF32(n, 11), randomF32(n, 12, { lo: -1e3, hi: 1e3, specials: 0.01 }), randomF32(n, 13, { lo: 0, hi: 1 })]);
  const bits = (x: number) => (Number.isNaN(x) ? 'NaN' : new Uint32Array(Float32Array.of(x).buffer)[0].toString(16));
  let compared = 0;
  forEachNativeConfig((level, threads) => {
    for (const x of inputs) {
      const want = canonicalSum(x), got = p.probeCanonicalSum(x);
      assert.equal(bits(got), bits(want), `canonical sum level=${level} threads=${threads} n=${x.length}: native ${got} vs js ${want}`);
      compared++;
    }
  });
  assert.ok(compared >= inputs.length);
  // The order matters: a naive left-to-right sum differs on this input, so the test can tell them apart.
  const x = randomF32(10000, 14, { lo: 0, hi: 1 });
  let naive = 0;
  for (const v of x) naive = Math.fround(naive + v);
  assert.notEqual(p.probeCanonicalSum(x), naive);
});

test('probe FMA reports a positive rate on every configured thread; arguments are checked', () => {
  const p = probe();
  const r = p.probeFma(1 << 12);
  assert.ok(r.gflops > 0 && Number.isFinite(r.gflops), JSON.stringify(r));
  assert.ok(r.threads >= 1 && r.lanes >= 1 && Number.isFinite(r.sink));
  assertRejects(() => p.probeFma(0), RangeError, /iterations/);
  assertRejects(() => p.probeFma(2 ** 40), RangeError, /iterations/);
  const a = new Float32Array(8), b = new Float32Array(8);
  assertRejects(() => p.probeTriad(a, b, 1, a), RangeError, /out.*overlap a|overlap/, [a]);
  assertRejects(() => p.probeCopy(a, new Float32Array(7)), RangeError, /length 8 for out/);
  assertRejects(() => p.probeAddSplit(a, b, b, 0), RangeError, /threads/);
});
