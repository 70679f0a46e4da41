// Async kernels (docs/reliability.md "Async kernels"): batchNormTrainAsync, batchNormBackwardAsync,
// optimizer.stepAsync() and the addon's *Async entry points. They give the same bits as the sync calls
// on both backends and at 1 and 2 native threads, validate synchronously (nothing queued on a bad
// argument), keep the event loop free (a timer keeps firing while a large call runs), and reject when
// an input is detached while the call runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { nativeAddon } from '../lib/backend/select.js';
import { OPTIM_H } from '../lib/backend/optim_spec.js';
import { assertSameBits, randomF32, requireNative } from './support/harness.js';

const F = fg.nn.functional;
/** Under valgrind (npm run test:valgrind) the large calls are scaled down: they still outlast the 1 ms timer there. */
const BIG = process.env.FASTGRAD_VALGRIND ? 0.02 : 1;
/**
 * Ticks a 1 ms timer must get during a large async call. valgrind runs one thread at a time, so there
 * the main thread is scheduled only now and then while the pool thread computes (measured: 1 tick in a
 * 512 ms matmulAsync); at least one still proves the loop was not blocked (a sync call allows none).
 */
const MIN_TICKS = process.env.FASTGRAD_VALGRIND ? 1 : 3;

/** Runs fn on the JS backend, then on native at 1 and 2 threads; restores native and the thread count. */
async function onConfigs(fn: (cfg: string) => Promise<void>): Promise<void> {
  requireNative();
  const prev = fg.getNumThreads();
  try {
    fg.setBackend('js');
    await fn('js');
    fg.setBackend('native');
    for (const t of [1, 2]) {
      fg.setNumThreads(t);
      await fn(`native threads=${t}`);
    }
  } finally {
    fg.setBackend('native');
    fg.setNumThreads(prev);
  }
}

const tensor = (n: number, shape: number[], seed: number) => new fg.Tensor(randomF32(n, seed), shape);

test('batchNormTrainAsync and batchNormBackwardAsync equal the sync calls bit for bit', async () => {
  const shapes = [[64, 3], [8, 5, 33], [4, 3, 17, 19]];
  await onConfigs(async (cfg) => {
    for (const [si, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b), C = shape[1];
      const x = tensor(n, shape, 10 + si), dy = tensor(n, shape, 20 + si), w = tensor(C, [C], 30 + si), b = tensor(C, [C], 40 + si);
      const want = F.batchNormTrain(x, w, b);
      const got = await F.batchNormTrainAsync(x, w, b);
      for (const k of ['y', 'mean', 'invstd', 'var', 'varUnbiased'] as const) assertSameBits(got[k].data, want[k].data, { kernel: `batchNormTrainAsync ${cfg}`, output: k, size: n });
      const gw = F.batchNormBackward(dy, x, want.mean, want.invstd, w);
      const gg = await F.batchNormBackwardAsync(dy, x, want.mean, want.invstd, w);
      assertSameBits(gg.dx.data, gw.dx.data, { kernel: `batchNormBackwardAsync ${cfg}`, output: 'dx', size: n });
      assertSameBits(gg.dweight!.data, gw.dweight!.data, { kernel: `batchNormBackwardAsync ${cfg}`, output: 'dweight', size: n });
      assertSameBits(gg.dbias!.data, gw.dbias!.data, { kernel: `batchNormBackwardAsync ${cfg}`, output: 'dbias', size: n });
    }
  });
});

test('matmulAsync and gemmAsync equal matmul and gemm bit for bit', async () => {
  await onConfigs(async (cfg) => {
    for (const [m, n, k] of [[1, 1, 1], [37, 65, 129], [200, 96, 300]]) {
      const a = tensor(m * k, [m, k], m), b = tensor(k * n, [n, k], n), bias = tensor(n, [n], k);
      const want = fg.ops.matmul(a, b, { transB: true });
      const got = await fg.ops.matmulAsync(a, b, { transB: true });
      assertSameBits(got.data, want.data, { kernel: `matmulAsync ${cfg}`, size: m * n });
      const c0 = tensor(m * n, [m, n], 99);
      const opts = { transB: true, alpha: 0.5, beta: 2, bias, activation: 'tanh' as const };
      const cw = fg.ops.gemm(a, b, new fg.Tensor(c0.data.slice(), [m, n]), opts);
      const cg = await fg.ops.gemmAsync(a, b, new fg.Tensor(c0.data.slice(), [m, n]), opts);
      assertSameBits(cg.data, cw.data, { kernel: `gemmAsync ${cfg}`, size: m * n });
    }
  });
});

/** Two identical parameter sets with gradients; one optimizer per set. */
function twinOptimizers(make: (ps: fg.Parameter[]) => fg.optim.Optimizer) {
  const sizes = [1, 17, 1000, 70001];
  const build = () =>
    sizes.map((n, i) => {
      const p = new fg.Parameter(randomF32(n, 50 + i), [n]);
      p.grad = new fg.Tensor(randomF32(n, 60 + i), [n]);
      return p;
    });
  const a = build(), b = build();
  return { a, b, oa: make(a), ob: make(b) };
}

test('optimizer.stepAsync equals step() bit for bit over several steps (Adam, SGD with momentum, two groups)', async () => {
  const makers: [string, (ps: fg.Parameter[]) => fg.optim.Optimizer][] = [
    ['Adam', (ps) => new fg.optim.Adam(ps, { lr: 0.01, weightDecay: 0.1 })],
    ['SGD', (ps) => new fg.optim.SGD([{ params: ps.slice(0, 2) }, { params: ps.slice(2), lr: 0.5 }], { lr: 0.1, momentum: 0.9 })],
  ];
  await onConfigs(async (cfg) => {
    for (const [name, make] of makers) {
      const { a, b, oa, ob } = twinOptimizers(make);
      for (let s = 0; s < 3; s++) {
        oa.step();
        const r = await ob.stepAsync();
        assert.deepEqual(r, { skipped: false });
      }
      assert.equal(ob.stepCount, 3);
      a.forEach((p, i) => assertSameBits(b[i].data, p.data, { kernel: `${name}.stepAsync ${cfg}`, output: `param ${i}` }));
    }
  });
});

test('async calls validate synchronously: a bad argument throws and nothing is queued or changed', () => {
  requireNative();
  const x = tensor(60, [20, 3], 1);
  assert.throws(() => F.batchNormTrainAsync(x, tensor(4, [4], 2)), /Expected weight of shape \[3\]/);
  assert.throws(() => fg.ops.matmulAsync(x, x), /Expected the inner dimensions of matmulAsync to agree/);
  const c = tensor(9, [3, 3], 12);
  assert.throws(() => fg.ops.gemmAsync(x, x, c, { transA: true, activation: 'gelu' as never }), RangeError);
  assert.throws(() => F.batchNormBackwardAsync(tensor(6, [2, 3], 3), x, tensor(3, [3], 4), tensor(3, [3], 5)), /Expected dy of shape/);
  const p = new fg.Parameter(randomF32(8, 6), [8]);
  p.grad = new fg.Tensor(new Float32Array(7), [7]);
  const opt = new fg.optim.SGD([p], { lr: 0.1 });
  const before = p.data.slice();
  assert.throws(() => opt.stepAsync(), RangeError);
  assertSameBits(p.data, before, { kernel: 'rejected stepAsync' });
  assert.equal(opt.stepCount, 0);
  // The addon's entry points throw before queueing, like the sync ones.
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const s1 = new Float32Array(3).fill(7);
  assert.throws(() => addon.bnStatsAsync(x.data, 20, 4, 1, s1, new Float32Array(3)), /Expected a Float32Array of length 80 for x but received length 60/);
  assert.throws(() => addon.optimStepAsync(0, new Int32Array(1), new Float32Array(OPTIM_H), [p.data], [p.data], [null, null, null]), RangeError);
  assert.deepEqual(Array.from(s1), [7, 7, 7]);
});

test('stepAsync: the step is committed when it settles, and stepping again before that throws', async () => {
  requireNative();
  const { a, b, oa, ob } = twinOptimizers((ps) => new fg.optim.Adam(ps, { lr: 0.01 }));
  const pending = ob.stepAsync();
  assert.equal(ob.stepCount, 0, 'not committed before the Promise settles');
  assert.throws(() => ob.step(), /a stepAsync\(\) is still running/);
  assert.throws(() => ob.stepAsync(), /a stepAsync\(\) is still running/);
  await pending;
  assert.equal(ob.stepCount, 1);
  oa.step();
  await ob.stepAsync();
  oa.step();
  a.forEach((p, i) => assertSameBits(b[i].data, p.data, { kernel: 'Adam after a refused step', output: `param ${i}` }));
});

/** Counts setInterval ticks while `run()` is pending; returns the ticks and the call's duration. */
async function ticksDuring(run: () => Promise<unknown>): Promise<{ ticks: number; ms: number }> {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  const t0 = performance.now();
  try {
    await run();
  } finally {
    clearInterval(iv);
  }
  return { ticks, ms: performance.now() - t0 };
}

test('a timer keeps firing while a large async matmul runs', async () => {
  requireNative();
  const prev = fg.getNumThreads();
  fg.setNumThreads(1);
  try {
    const n = BIG < 1 ? 256 : 1536;
    const a = tensor(n * n, [n, n], 13), b = tensor(n * n, [n, n], 14);
    const r = await ticksDuring(() => fg.ops.matmulAsync(a, b));
    assert.ok(r.ms >= 10, `a ${n}^3 matmul should take a while (took ${r.ms.toFixed(1)} ms)`);
    assert.ok(r.ticks >= MIN_TICKS, `the 1 ms timer fired ${r.ticks} times during a ${r.ms.toFixed(1)} ms matmulAsync`);
    // The sync call blocks the loop for as long: a timer due during it fires only afterwards.
    let late = 0;
    const t0 = performance.now();
    const due = setTimeout(() => (late = performance.now() - t0), 1);
    fg.ops.matmul(a, b);
    await new Promise((res) => setTimeout(res, 5));
    clearTimeout(due);
    assert.ok(late >= 10, `with the sync matmul the 1 ms timer fired after ${late.toFixed(1)} ms`);
  } finally {
    fg.setNumThreads(prev);
  }
});

test('a timer keeps firing while a large async batch-norm and a large async optimizer step run', async () => {
  requireNative();
  const prev = fg.getNumThreads();
  fg.setNumThreads(1);
  try {
    const n = 3e7 * BIG;
    const x = new fg.Tensor(randomF32(n, 7), [n / 3000, 30, 100]);
    const bn = await ticksDuring(() => F.batchNormTrainAsync(x));
    const p = new fg.Parameter(new Float32Array(n), [n]);
    p.grad = new fg.Tensor(new Float32Array(n).fill(0.5), [n]);
    const opt = new fg.optim.Adam([p], { lr: 0.1 });
    opt.step(); // allocates the state buffers, so the timed step is all kernel
    const st = await ticksDuring(() => opt.stepAsync());
    for (const [what, r] of [['batchNormTrainAsync', bn], ['Adam.stepAsync', st]] as const) {
      assert.ok(r.ms >= 10, `${what} on ${n} elements should take a while (took ${r.ms.toFixed(1)} ms)`);
      assert.ok(r.ticks >= MIN_TICKS, `${what}: the 1 ms timer fired ${r.ticks} times during ${r.ms.toFixed(1)} ms`);
    }
    // The same work on the JS backend's async surface runs on the calling thread: no tick can fire.
    fg.setBackend('js');
    const js = await ticksDuring(() => F.batchNormTrainAsync(new fg.Tensor(randomF32(3e6 * BIG, 8), [1000 * BIG, 30, 100])));
    assert.equal(js.ticks, 0);
  } finally {
    fg.setBackend('native');
    fg.setNumThreads(prev);
  }
});

test('an input detached while an async call runs makes its Promise reject with the documented error', async () => {
  requireNative();
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => Promise<void>>;
  const n = 2e7 * BIG;
  const x = randomF32(n, 9), s1 = new Float32Array(4), s2 = new Float32Array(4);
  const pending = addon.bnStatsAsync(x, n / 400, 4, 100, s1, s2);
  // Transferring moves the memory to `moved` (kept alive here: the kernel still reads it).
  const moved = structuredClone(x.buffer, { transfer: [x.buffer] });
  assert.equal(x.length, 0, 'x is detached');
  await assert.rejects(pending, /an array passed to an async kernel was detached before its Promise settled/);
  assert.equal(moved.byteLength, 4 * n);
  // The optimizer's entry point references every element of its arrays.
  const p = randomF32(n, 10), g = randomF32(n, 11);
  const h = new Float32Array(OPTIM_H);
  const step = addon.optimStepAsync(0, new Int32Array(1), h, [p], [g], [null, null, null]);
  const movedG = structuredClone(g.buffer, { transfer: [g.buffer] });
  await assert.rejects(step, /detached before its Promise settled/);
  assert.equal(movedG.byteLength, 4 * n);
});
