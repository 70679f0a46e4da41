// native/parallel.h's scheduler: the pool (default) and the OpenMP team give the bits of the TypeScript
// twin at every level and thread count; many chunks, concurrent callers (async jobs on libuv threads
// while the main thread calls) and kernels called from inside a job give the same bits as one thread.
// And the bench's optimizer anchors (probeOmpSgdMomentum / probeOmpAdam) do the kernels' exact operations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { nativeAddon } from '../lib/backend/select.js';
import { probeOf, type ProbeAddon } from '../lib/backend/native/probe.js';
import { OF, OPTIM_H } from '../lib/backend/optim_spec.js';
import { assertRejects, assertSameBits, forEachNativeConfig, jsKernels, nativeKernelsOrNull, randomF32, requireNative } from './support/harness.js';

function probe(): ProbeAddon {
  requireNative();
  const p = probeOf(nativeAddon());
  assert.ok(p?.probeSetScheduler && p.probeOmpAdam && p.probeOmpSgdMomentum, 'the addon lacks the scheduler and anchor probes');
  return p;
}

function gemmCase(K: ReturnType<typeof jsKernels>, m: number, n: number, k: number): Float32Array {
  const a = randomF32(m * k, 11), b = randomF32(k * n, 12), c = randomF32(m * n, 13);
  K.gemm.gemm(a, b, c, m, n, k, false, true, 1, 0.5, null, 'none');
  return c;
}

test('pool and OpenMP team schedulers: the TypeScript bits for streaming, optimizer and GEMM work at every level and thread count', () => {
  const p = probe();
  const K = nativeKernelsOrNull()!;
  const js = jsKernels();
  const n = 300_001; // many chunks per thread, a ragged tail
  const a = randomF32(n, 1, { specials: 0.01 }), b = randomF32(n, 2, { specials: 0.01 });
  const wantAdd = new Float32Array(n);
  js.elementwise.binary('add', a, b, wantAdd, 1, n, 'full');
  const wantGemm = gemmCase(js, 97, 131, 203);
  const h = new Float32Array(OPTIM_H);
  h.set([0.9, 0.1, 0.999, 0.001, 0, 1, 1e-3, 1, 1e-8]);
  const adam = (Kx: typeof js) => {
    const x = { p: randomF32(n, 3), g: randomF32(n, 4), m: randomF32(n, 5), v: randomF32(n, 6).map(Math.abs) };
    Kx.optim.step('adam', new Int32Array([0]), h, [x.p], [x.g], [x.m, x.v, null]);
    return x;
  };
  const wantAdam = adam(js);
  let compared = 0;
  const before = p.probeSetScheduler!('pool');
  try {
    for (const scheduler of ['pool', 'openmp'] as const) {
      if (scheduler === 'openmp' && !fg.backendInfo().openmp) continue;
      p.probeSetScheduler!(scheduler);
      forEachNativeConfig((level, threads) => {
        const ctx = { kernel: '', level, threads, size: n, seed: 1 };
        const y = new Float32Array(n);
        K.elementwise.binary('add', a, b, y, 1, n, 'full');
        assertSameBits(y, wantAdd, { ...ctx, kernel: `add (${scheduler})` });
        assertSameBits(gemmCase(K, 97, 131, 203), wantGemm, { ...ctx, kernel: `gemm (${scheduler})` });
        const got = adam(K);
        for (const k of ['p', 'm', 'v'] as const) assertSameBits(got[k], wantAdam[k], { ...ctx, kernel: `adam ${k} (${scheduler})` });
        compared += 5;
      });
    }
  } finally {
    p.probeSetScheduler!(before);
  }
  assert.ok(compared >= 15);
});

test('pool: concurrent callers (async jobs while the main thread calls) give the single-thread bits', async () => {
  probe();
  const K = nativeKernelsOrNull()!;
  const js = jsKernels();
  const n = 200_000;
  const a = randomF32(n, 7), b = randomF32(n, 8);
  const want = new Float32Array(n);
  js.elementwise.binary('mul', a, b, want, 1, n, 'full');
  const wantGemm = gemmCase(js, 256, 192, 320);
  const prevThreads = fg.getNumThreads();
  fg.setNumThreads(3);
  try {
    const jobs: Promise<void>[] = [];
    const outs: Float32Array[] = [];
    for (let j = 0; j < 6; j++) {
      const c = randomF32(256 * 192, 13);
      const A = randomF32(256 * 320, 11), B = randomF32(320 * 192, 12);
      outs.push(c);
      jobs.push(K.async.gemm.gemm(A, B, c, 256, 192, 320, false, true, 1, 0.5, null, 'none'));
    }
    for (let r = 0; r < 20; r++) {
      const y = new Float32Array(n);
      K.elementwise.binary('mul', a, b, y, 1, n, 'full');
      assertSameBits(y, want, { kernel: 'mul beside async jobs', size: n, seed: 7 });
    }
    await Promise.all(jobs);
    for (const c of outs) assertSameBits(c, wantGemm, { kernel: 'gemmAsync beside main-thread calls', size: c.length, seed: 11 });
  } finally {
    fg.setNumThreads(prevThreads);
  }
});

test('optimizer anchors: the plain C + OpenMP loops do the Adam and SGD-momentum kernels\' exact operations', () => {
  const p = probe();
  const js = jsKernels();
  forEachNativeConfig((level, threads) => {
    for (const n of [1, 17, 100_003]) {
      const ctx = { kernel: '', level, threads, size: n, seed: 21 };
      const h = new Float32Array(OPTIM_H);
      h.set([0.9, 0.1, 0.999, 0.001, 0, 1, 1e-3, 0.75, 1e-8]);
      const x = { p: randomF32(n, 21), g: randomF32(n, 22), m: randomF32(n, 23), v: randomF32(n, 24).map(Math.abs) };
      const y = { p: x.p.slice(), g: x.g, m: x.m.slice(), v: x.v.slice() };
      js.optim.step('adam', new Int32Array([0]), h, [x.p], [x.g], [x.m, x.v, null]);
      p.probeOmpAdam!(y.p, y.g, y.m, y.v, h);
      for (const k of ['p', 'm', 'v'] as const) assertSameBits(y[k], x[k], { ...ctx, kernel: `probeOmpAdam ${k}` });
      const hs = new Float32Array(OPTIM_H);
      hs.set([0.01, 0.9, 0.75, 0]);
      const s = { p: randomF32(n, 25), g: randomF32(n, 26), b: randomF32(n, 27) };
      const t = { p: s.p.slice(), b: s.b.slice() };
      js.optim.step('sgd', new Int32Array([OF.MOMENTUM]), hs, [s.p], [s.g], [s.b, null, null]);
      p.probeOmpSgdMomentum!(t.p, s.g, t.b, hs[0], hs[1], hs[2]);
      assertSameBits(t.p, s.p, { ...ctx, kernel: 'probeOmpSgdMomentum p' });
      assertSameBits(t.b, s.b, { ...ctx, kernel: 'probeOmpSgdMomentum b' });
    }
  });
});

test('probeSetScheduler checks its argument and changes nothing on a bad one', () => {
  const p = probe();
  const before = p.probeSetScheduler!('pool');
  try {
    assertRejects(() => p.probeSetScheduler!('fast' as 'pool'), RangeError, /scheduler.*'fast'/);
    assertRejects(() => p.probeSetScheduler!(3 as unknown as 'pool'), TypeError, /scheduler/);
    assert.equal(p.probeSetScheduler!('pool'), 'pool');
  } finally {
    p.probeSetScheduler!(before);
  }
});
