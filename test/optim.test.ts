// Optimizers: PyTorch 1.13 golden vectors on both backends; native (every SIMD level, 1/2/3 threads)
// vs TypeScript bit for bit on the golden runs, on random sizes with tails and specials, and through
// the multi-tensor entry point; bad input; null gradients; stateDict resume bit for bit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import type { Kernels } from '../lib/backend/kernels.js';
import { OF, OPTIM_H, optimStateMask, type OptimAlgo } from '../lib/backend/optim_spec.js';
import { allKernels, nativeAddon } from '../lib/backend/select.js';
import { assertRejects, assertSameBits, conform, forEachNativeConfig, randomF32, requireNative, SIZES } from './support/harness.js';

interface GoldenCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  p0: number[];
  steps: { grad: number[]; param: number[] }[];
}
const GOLDEN: GoldenCase[] = JSON.parse(fs.readFileSync(path.resolve(__dirname, 'fixtures/optim.json'), 'utf8')).cases;

/** torch.testing-style tolerance: |a - b| <= ATOL + RTOL * |b| (PyTorch's kernels use fma and other op orders). */
const ATOL = 1e-5, RTOL = 1e-5;

type OptimCtor = new (params: fg.Parameter[], options: Record<string, unknown>) => fg.optim.Optimizer;
const ctor = (name: string): OptimCtor => (fg.optim as unknown as Record<string, OptimCtor>)[name];

/** Runs a golden case through the optimizer class on the active backend; returns the parameters after each step. */
function runGolden(c: GoldenCase): Float32Array[] {
  const p = new fg.Parameter(Float32Array.from(c.p0), [c.p0.length]);
  const opt = new (ctor(c.optimizer))([p], c.options);
  return c.steps.map((s) => {
    p.grad = new fg.Tensor(Float32Array.from(s.grad), [s.grad.length]);
    opt.step();
    return p.data.slice();
  });
}

function withBackend<T>(name: 'js' | 'native', fn: () => T): T {
  const prev = fg.getBackend();
  fg.setBackend(name);
  try {
    return fn();
  } finally {
    fg.setBackend(prev);
  }
}

test('golden: every PyTorch 1.13 case on both backends within |a-b| <= 1e-5 + 1e-5|b|', (t) => {
  requireNative();
  assert.equal(GOLDEN.length, 25);
  for (const backend of ['js', 'native'] as const) {
    for (const c of GOLDEN) {
      const got = withBackend(backend, () => runGolden(c));
      let worst = 0, worstRel = 0;
      got.forEach((p, k) => {
        const want = c.steps[k].param;
        for (let i = 0; i < p.length; i++) {
          const err = Math.abs(p[i] - want[i]);
          worst = Math.max(worst, err / (ATOL + RTOL * Math.abs(want[i])));
          if (want[i] !== 0) worstRel = Math.max(worstRel, err / Math.abs(want[i]));
          assert.ok(err <= ATOL + RTOL * Math.abs(want[i]), `${backend} ${c.name} step ${k + 1} index ${i}: ${p[i]} vs torch ${want[i]}`);
        }
      });
      t.diagnostic(`${backend} ${c.name}: worst relative error ${worstRel.toExponential(2)}, worst error / tolerance ${worst.toExponential(2)}`);
    }
  }
});

test('golden runs: native at every SIMD level and 1/2/3 threads equals TypeScript bit for bit', () => {
  requireNative();
  for (const c of GOLDEN) {
    const want = withBackend('js', () => runGolden(c));
    forEachNativeConfig((level, threads) => {
      const got = withBackend('native', () => runGolden(c));
      got.forEach((p, k) => assertSameBits(p, want[k], { kernel: `${c.name} step ${k + 1}`, level, threads, size: p.length }));
    });
  }
});

// Flag combinations exercised per algorithm in the kernel-level conformance run.
const COMBOS: Record<OptimAlgo, number[]> = {
  sgd: [0, OF.MAXIMIZE | OF.WD, OF.MOMENTUM | OF.FIRST, OF.MOMENTUM, OF.MOMENTUM | OF.NESTEROV | OF.WD, OF.MOMENTUM | OF.MAXIMIZE | OF.FIRST | OF.NESTEROV],
  adam: [0, OF.WD, OF.AMSGRAD, OF.DECOUPLED | OF.AMSGRAD | OF.MAXIMIZE],
  adagrad: [0, OF.WD | OF.MAXIMIZE],
  rmsprop: [0, OF.CENTERED, OF.MOMENTUM, OF.CENTERED | OF.MOMENTUM | OF.WD | OF.MAXIMIZE],
  rprop: [0, OF.MAXIMIZE],
  adadelta: [0, OF.WD | OF.MAXIMIZE],
  adamax: [0, OF.WD | OF.MAXIMIZE],
  nadam: [0, OF.WD | OF.MAXIMIZE],
  radam: [0, OF.RECTIFY, OF.RECTIFY | OF.WD | OF.MAXIMIZE],
  momentum: [0, OF.LOOKAHEAD, OF.LOOKAHEAD | OF.WD],
};
const H_VALUES = Float32Array.from([0.9, 0.1, 0.999, 0.001, 0.01, 0.99, 0.003, 0.5, 1e-3, 0.7]);
const H_RPROP = Float32Array.from([0.5, 1.2, 1e-6, 50, 0, 0, 0, 0, 0, 0]);

interface StepInputs {
  p: Float32Array;
  g: Float32Array[];
  s: (Float32Array | null)[];
}

function makeInputs(algo: OptimAlgo, flags: number, n: number, seed: number): StepInputs {
  const mask = optimStateMask(algo, flags);
  const state = (k: number) => (mask & (1 << k) ? randomF32(n, seed + 10 + k, { lo: 0, hi: 1, specials: 0.02 }) : null);
  return {
    p: randomF32(n, seed, { specials: 0.02 }),
    g: [0, 1, 2].map((k) => randomF32(n, seed + 100 * (k + 1), { specials: 0.05 })),
    s: [state(0), state(1), state(2)],
  };
}

/** Three steps (three gradients) of one tensor; returns p and the used states. */
function threeSteps(K: Kernels, algo: OptimAlgo, flags: number, x: StepInputs): Float32Array[] {
  const h = algo === 'rprop' ? H_RPROP : H_VALUES;
  for (let k = 0; k < 3; k++) K.optim.step(algo, Int32Array.of(k === 0 ? flags : flags & ~OF.FIRST), h, [x.p], [x.g[k]], x.s);
  return [x.p, ...x.s.filter((s): s is Float32Array => s !== null)];
}

test('conformance: every kernel and flag combination, sizes with every tail, specials', () => {
  requireNative();
  for (const [algo, combos] of Object.entries(COMBOS) as [OptimAlgo, number[]][]) {
    for (const flags of combos) {
      conform(`optim.${algo}.flags=${flags}`, (n, seed) => makeInputs(algo, flags, n, seed), (K, x) => threeSteps(K, algo, flags, x), { sizes: SIZES });
    }
  }
});

test('multi-tensor entry point: one call over tensors of every tail size equals one call per tensor, on both backends', () => {
  requireNative();
  const { js, native } = allKernels();
  for (const [algo, combos] of Object.entries(COMBOS) as [OptimAlgo, number[]][]) {
    const flagsList = combos;
    const T = SIZES.length;
    const make = () => SIZES.map((n, t) => makeInputs(algo, flagsList[t % flagsList.length], n, 7 + t));
    const h = new Float32Array(T * OPTIM_H);
    for (let t = 0; t < T; t++) h.set(algo === 'rprop' ? H_RPROP : H_VALUES.map((v) => Math.fround(v * (1 + t / 64))), t * OPTIM_H);
    const flags = Int32Array.from(SIZES.map((_, t) => flagsList[t % flagsList.length]));
    // Reference: one JS call per tensor.
    const ref = make();
    ref.forEach((x, t) => js.optim.step(algo, flags.subarray(t, t + 1), h.subarray(t * OPTIM_H, (t + 1) * OPTIM_H), [x.p], [x.g[0]], x.s));
    const check = (K: Kernels, ctx: { level?: string; threads?: number }) => {
      const xs = make();
      K.optim.step(algo, flags, h, xs.map((x) => x.p), xs.map((x) => x.g[0]), xs.flatMap((x) => x.s));
      xs.forEach((x, t) => {
        assertSameBits(x.p, ref[t].p, { kernel: `multi ${algo} p[${t}] (${K.name})`, ...ctx, size: x.p.length });
        x.s.forEach((s, k) => s && assertSameBits(s, ref[t].s[k] as Float32Array, { kernel: `multi ${algo} s${k}[${t}] (${K.name})`, ...ctx, size: s.length }));
      });
    };
    check(js, {});
    forEachNativeConfig((level, threads) => check(native as Kernels, { level, threads }));
  }
});

test('a plan (optim.plan / stepPlan) steps the same bits as step(), with its own grads or grads given, on both backends', () => {
  requireNative();
  const { js, native } = allKernels();
  for (const [algo, combos] of Object.entries(COMBOS) as [OptimAlgo, number[]][]) {
    const T = SIZES.length;
    const make = () => SIZES.map((n, t) => makeInputs(algo, combos[t % combos.length], n, 31 + t));
    const h = new Float32Array(T * OPTIM_H);
    for (let t = 0; t < T; t++) h.set(algo === 'rprop' ? H_RPROP : H_VALUES.map((v) => Math.fround(v * (1 + t / 32))), t * OPTIM_H);
    const flags = Int32Array.from(SIZES.map((_, t) => combos[t % combos.length]));
    // Reference: two multi-tensor steps of the TypeScript twin.
    const ref = make();
    for (let r = 0; r < 2; r++) js.optim.step(algo, flags, h, ref.map((x) => x.p), ref.map((x) => x.g[0]), ref.flatMap((x) => x.s));
    const check = (K: Kernels, ctx: { level?: string; threads?: number }) => {
      for (const own of [true, false]) {
        const xs = make(), gs = xs.map((x) => x.g[0]);
        const plan = K.optim.plan(xs.map((x) => x.p), own ? gs : [], xs.flatMap((x) => x.s));
        for (let r = 0; r < 2; r++) K.optim.stepPlan(plan, algo, flags, h, own ? [] : gs);
        xs.forEach((x, t) => {
          const kernel = `plan ${algo} (${own ? 'its grads' : 'grads given'}, ${K.name})`;
          assertSameBits(x.p, ref[t].p, { kernel: `${kernel} p[${t}]`, ...ctx, size: x.p.length });
          x.s.forEach((s, k) => s && assertSameBits(s, ref[t].s[k] as Float32Array, { kernel: `${kernel} s${k}[${t}]`, ...ctx, size: s.length }));
        });
      }
    };
    check(js, {});
    forEachNativeConfig((level, threads) => check(native as Kernels, { level, threads }));
  }
});

test('binding: a plan checks its arrays once and their memory every step; bad plans and grads throw, nothing changes', () => {
  const K = requireNative().optim;
  const h = new Float32Array(2 * OPTIM_H).fill(0.5);
  const mk = () => new Float32Array(8).fill(1);
  const p = mk(), g = mk(), s0 = mk(), s1 = mk(), q = mk(), gq = mk();
  // made: overlapping params/states, a grad over a param, wrong lengths, a state of another length
  assert.throws(() => K.plan([p, p], [], [s0, null, null, s1, null, null]), /not to overlap/);
  assert.throws(() => K.plan([p], [s0], [s0, null, null]), /grads\[0\] overlapping/);
  assert.throws(() => K.plan([p], [g, g], [s0, null, null]), /length 1 or 0 for grads/);
  assert.throws(() => K.plan([p], [], [new Float32Array(7), null, null]), /length 8 for states\[0\]/);
  assert.throws(() => K.plan([p], [], [s0, null]), /states/);
  const plan = K.plan([p, q], [], [s0, s1, null, mk(), mk(), null]);
  // stepped: a grad over a plan array, no grads for a plan without, a state its flags need, lengths, a foreign plan
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(0, 0), h, [s1, gq]), /grads\[0\] overlapping/);
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(0, 0), h, []), /the plan holds none/);
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(OF.AMSGRAD, 0), h, [g, gq]), /Float32Array .*for states\[2\] but received null/);
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(0), h, [g, gq]), /length 2 .* for flags/);
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(0, 0), h.subarray(1), [g, gq]), /for h/);
  assert.throws(() => K.stepPlan(plan, 'adam', Int32Array.of(0, 0), h, [g, new Float32Array(7)]), /length 8 for grads\[1\]/);
  assert.throws(() => K.stepPlan({} as never, 'adam', Int32Array.of(0, 0), h, [g, gq]), /plan made by optimPlan for plan/);
  assert.throws(() => K.stepPlan(allKernels().js.optim.plan([p], [], [s0, null, null]), 'sgd', Int32Array.of(0), h, [g]), /plan made by optimPlan/);
  for (const a of [p, s0, s1, q]) assert.deepEqual(Array.from(a), new Array(8).fill(1));
  // a detached buffer (transferred) or a shrunk one (resizable ArrayBuffer) is a RangeError, never a stale pointer
  const d = mk();
  const pd = K.plan([d], [], [mk(), null, null]);
  structuredClone(d.buffer, { transfer: [d.buffer] });
  assert.throws(() => K.stepPlan(pd, 'sgd', Int32Array.of(OF.MOMENTUM), h.subarray(0, OPTIM_H), [mk()]), RangeError);
  const rb = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(32, { maxByteLength: 64 });
  const rp = new Float32Array(rb, 0, 8);
  const pr = K.plan([rp], [], [mk(), null, null]);
  rb.resize(64);
  K.stepPlan(pr, 'sgd', Int32Array.of(OF.MOMENTUM), h.subarray(0, OPTIM_H), [mk()]);
  assert.notDeepEqual(Array.from(rp), new Array(8).fill(0));
  rb.resize(16);
  assert.throws(() => K.stepPlan(pr, 'sgd', Int32Array.of(OF.MOMENTUM), h.subarray(0, OPTIM_H), [mk()]), /detached or shrunk/);
  // arrays of one ArrayBuffer (one reference) and of a SharedArrayBuffer step like any other
  const big = new Float32Array(32).fill(1), sab = new Float32Array(new SharedArrayBuffer(64)).fill(1);
  const pv = K.plan([big.subarray(0, 8), big.subarray(8, 16), sab.subarray(0, 8)], [], [big.subarray(16, 24), null, null, big.subarray(24), null, null, sab.subarray(8), null, null]);
  K.stepPlan(pv, 'sgd', Int32Array.of(OF.MOMENTUM, OF.MOMENTUM, OF.MOMENTUM), new Float32Array(3 * OPTIM_H).fill(0.5), [mk(), mk(), mk()]);
  assert.deepEqual(Array.from(big.subarray(0, 8)), Array.from(sab.subarray(0, 8)));
  assert.notDeepEqual(Array.from(big.subarray(0, 8)), new Array(8).fill(1));
});

test('the optimizer keeps a plan per group while its arrays stay the same; holds grads only when they repeat', () => {
  const K = requireNative().optim as { plan: (...a: never[]) => unknown };
  const made: number[] = [];
  const orig = K.plan;
  K.plan = (...a: never[]) => {
    made.push((a[1] as unknown as unknown[]).length);
    return orig(...a);
  };
  try {
    fg.setBackend('native');
    const ps = [param([1, 2, 3]), param([4, 5])];
    const opt = new fg.optim.Adam(ps, { lr: 0.1 });
    const ref = [param([1, 2, 3]), param([4, 5])];
    const refOpt = withBackend('js', () => new fg.optim.Adam(ref, { lr: 0.1 }));
    const both = (grads: number[][], fresh: boolean) => {
      [ps, ref].forEach((xs) => xs.forEach((p, i) => (fresh || !p.grad ? withGrad(p, grads[i]) : p.grad.data.set(grads[i]))));
      opt.step();
      withBackend('js', () => refOpt.step());
    };
    both([[1, 2, 3], [4, 5]], true); // first step: a plan without grads
    both([[0.5, 1, 2], [1, 1]], false); // the same grad arrays again: a plan that holds them
    both([[0.1, 0.2, 0.3], [3, 4]], false); // kept
    assert.deepEqual(made, [0, 2]);
    both([[1, 1, 1], [2, 2]], true); // fresh grads: a plan without grads (none kept alive)
    both([[2, 1, 1], [2, 3]], true); // kept (grads given per call)
    assert.deepEqual(made, [0, 2, 0]);
    opt.loadStateDict(opt.stateDict()); // new state buffers: a new plan
    withBackend('js', () => refOpt.loadStateDict(refOpt.stateDict()));
    both([[2, 1, 1], [2, 3]], true);
    assert.deepEqual(made, [0, 2, 0, 0]);
    ps.forEach((p, i) => assertSameBits(p.data, ref[i].data, { kernel: `Adam through plans, param ${i}` }));
    // after steps that passed the overlap check with the same arrays, a grad over a parameter is still refused
    const before = ps.map((p) => p.data.slice());
    ps[1].grad = new fg.Tensor(ps[0].data.subarray(0, 2), [2]);
    assert.throws(() => opt.step(), /paramGroups\[0\]\.params\[1\]\.grad not to share memory with paramGroups\[0\]\.params\[0\]/);
    ps.forEach((p, i) => assertSameBits(p.data, before[i], { kernel: `refused step, param ${i}` }));
  } finally {
    K.plan = orig;
  }
});

/** Counts the optimizer's steps that took a group's kept arrays (its fastCall returned true): read .n. */
function countFastSteps(opt: fg.optim.Optimizer): { n: number } {
  const spy = opt as unknown as { fastCall: (...a: unknown[]) => boolean };
  const fastCall = spy.fastCall.bind(opt), count = { n: 0 };
  spy.fastCall = (...a: unknown[]) => {
    const r = fastCall(...a);
    if (r) count.n++;
    return r;
  };
  return count;
}

test('the optimizer keeps a group\'s arrays across steps; any new state, slot, gradient set or loadStateDict falls back to the per-tensor path (same bits, same step counts)', () => {
  for (const backend of ['native', 'js'] as const) {
    withBackend(backend, () => {
      const ps = [param([1, 2, 3]), param([4, 5]), param([6])];
      const ref = [param([1, 2, 3]), param([4, 5]), param([6])];
      const opt = new fg.optim.Adam(ps, { lr: 0.1 });
      const refOpt = new fg.optim.Adam(ref, { lr: 0.1 });
      const fast = countFastSteps(opt);
      let k = 0;
      const both = (skip = -1, inPlace = false) => {
        k++;
        const grad = (p: fg.Parameter) => Array.from(p.data, (x, j) => Math.sin(x * 3 + j + k));
        [ps, ref].forEach((xs) => xs.forEach((p, i) => (i === skip ? (p.grad = null) : inPlace && p.grad ? p.grad.data.set(grad(p)) : withGrad(p, grad(p)))));
        opt.step();
        refOpt.loadStateDict(refOpt.stateDict()); // the reference never keeps its arrays: the per-tensor path
        refOpt.step();
      };
      both(); // first step: new buffers
      both(); // every tensor has its state: the arrays are kept
      assert.equal(fast.n, 0);
      both(-1, true); // the same gradient tensors (accumulated in place): the same checked items
      both(-1, true);
      assert.equal(fast.n, 2, 'the kept arrays were used');
      // a bad gradient after kept steps is still refused, nothing changed
      const before = ps.map((p) => p.data.slice());
      const g1 = ps[1].grad;
      ps[1].grad = new fg.Tensor(new Float32Array(3), [3]);
      assert.throws(() => opt.step(), /Expected a gradient of length 2 for paramGroups\[0\]\.params\[1\]\.grad but received length 3/);
      ps[1].grad = 'x' as never;
      assert.throws(() => opt.step(), TypeError);
      ps[1].grad = g1;
      ps.forEach((p, i) => assertSameBits(p.data, before[i], { kernel: `refused step after kept ones, param ${i}` }));
      assert.equal(opt.getState(ps[0])!.step, 4);
      opt.paramGroups[0].lr = refOpt.paramGroups[0].lr = 0.05;
      both();
      assert.equal(fast.n, 3, 'an option change keeps the arrays (h is rewritten)');
      opt.paramGroups[0].amsgrad = refOpt.paramGroups[0].amsgrad = true;
      both(); // a new slot: new buffers
      assert.equal(fast.n, 3);
      both(); // the arrays kept again
      both();
      assert.equal(fast.n, 4);
      both(1); // one gradient missing: its step count lags, the per-tensor path from now on
      both();
      both();
      assert.equal(fast.n, 4);
      ps.forEach((p, i) => {
        assertSameBits(p.data, ref[i].data, { kernel: `${backend} Adam with kept arrays, param ${i}` });
        assert.equal(opt.getState(p)!.step, refOpt.getState(ref[i])!.step);
        for (const [name, b] of Object.entries(opt.getState(p)!.buffers)) assertSameBits(b, refOpt.getState(ref[i])!.buffers[name], { kernel: `${backend} ${name} ${i}` });
      });
      assert.deepEqual(ps.map((p) => opt.getState(p)!.step), [11, 10, 11]);
      // arrays kept for a subset of the tensors, then a step of all of them: the subset's kept step counts are stale
      both(1);
      both(1);
      const f0 = fast.n;
      both(1);
      assert.equal(fast.n, f0 + 1, 'kept for params 0 and 2');
      both();
      both(1);
      assert.equal(fast.n, f0 + 1, 'not kept across a step of every tensor');
      ps.forEach((p, i) => assertSameBits(p.data, ref[i].data, { kernel: `${backend} Adam after a subset's kept arrays, param ${i}` }));
      assert.deepEqual(ps.map((p) => opt.getState(p)!.step), [16, 11, 16]);
      opt.loadStateDict(refOpt.stateDict()); // new state: nothing kept
      both();
      both();
      assert.equal(fast.n, f0 + 1, 'steps [16, 11, 16]: nothing kept');
    });
  }
});

test('SGD keeps a group\'s arrays once every tensor has its momentum buffer (same bits as the per-tensor path)', () => {
  for (const backend of ['native', 'js'] as const) {
    withBackend(backend, () => {
      const ps = [param([1, 2, 3]), param([4, 5])];
      const ref = [param([1, 2, 3]), param([4, 5])];
      const opt = new fg.optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.25 });
      const refOpt = new fg.optim.SGD(ref, { lr: 0.1, momentum: 0.9, dampening: 0.25 });
      const fast = countFastSteps(opt);
      for (let k = 0; k < 8; k++) {
        if (k === 5) opt.paramGroups[0].momentum = refOpt.paramGroups[0].momentum = 0; // other slots: the per-tensor path
        [ps, ref].forEach((xs) => xs.forEach((p) => withGrad(p, Array.from(p.data, (x, j) => Math.cos(x * 2 + j + k)))));
        opt.step();
        refOpt.loadStateDict(refOpt.stateDict());
        refOpt.step();
      }
      assert.equal(fast.n, 5, 'kept at k = 2-4 (after the first step with buffers) and 6-7 (after the slot change)');
      ps.forEach((p, i) => assertSameBits(p.data, ref[i].data, { kernel: `${backend} SGD with kept arrays, param ${i}` }));
    });
  }
});

// ---- class behaviour -------------------------------------------------------------------------

function param(values: number[]): fg.Parameter {
  return new fg.Parameter(Float32Array.from(values), [values.length]);
}

function withGrad(p: fg.Parameter, values: number[]): fg.Parameter {
  p.grad = new fg.Tensor(Float32Array.from(values), [values.length]);
  return p;
}

test('bad options: a clear TypeError/RangeError naming the option', () => {
  const p = () => param([1, 2]);
  assertRejects(() => new fg.optim.SGD([p()], { lr: -0.1 }), RangeError, /Expected a finite number >= 0 for lr but received number -0.1/);
  assertRejects(() => new fg.optim.SGD([p()], {} as never), TypeError, /SGD has no default lr\) for lr/);
  assertRejects(() => new fg.optim.Adam([p()], { betas: [0.9, 1] }), RangeError, /Expected a number in \[0, 1\) for betas\[1\] but received number 1/);
  assertRejects(() => new fg.optim.Adam([p()], { betas: [-0.1, 0.9] }), RangeError, /for betas\[0\]/);
  assertRejects(() => new fg.optim.Adam([p()], { eps: 0 }), RangeError, /Expected a finite number > 0 for eps but received number 0/);
  assertRejects(() => new fg.optim.RMSprop([p()], { eps: -1e-8 }), RangeError, /for eps/);
  assertRejects(() => new fg.optim.SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), RangeError, /dampening 0 \(nesterov is true\) for dampening/);
  assertRejects(() => new fg.optim.SGD([p()], { lr: 0.1, nesterov: true }), RangeError, /momentum > 0 \(nesterov is true\) for momentum/);
  assertRejects(() => new fg.optim.Adam([p()], { lR: 0.1 } as never), TypeError, /Unknown option 'lR' for Adam/);
  assertRejects(() => new fg.optim.Adam([p()], { amsgrad: 1 } as never), TypeError, /Expected a boolean for amsgrad/);
  assertRejects(() => new fg.optim.Rprop([p()], { etas: [1.2, 0.5] }), RangeError, /for etas\[0\]/);
  assertRejects(() => new fg.optim.Adadelta([p()], { rho: 1.5 }), RangeError, /for rho/);
  assertRejects(() => new fg.optim.Adam([{ params: [p()], lr: Number.NaN }]), RangeError, /for params\[0\]\.lr/);
  assertRejects(() => new fg.optim.Adam([]), RangeError, /at least one parameter/);
  assertRejects(() => new fg.optim.Adam([new Float32Array(2)] as never), TypeError, /Expected a parameter \(a leaf Tensor\) or a parameter group .* for params\[0\] but received .*Float32Array/);
  const q = p();
  assertRejects(() => new fg.optim.Adam([q, q]), RangeError, /each parameter once but params\[1\]/);
  assertRejects(() => new fg.optim.Adam([{ params: [q] }, { params: [p(), q] }]), RangeError, /params\[1\]\.params\[1\] was already given/);
});

test('bad step input changes nothing: wrong grad length, a bad lr written into a group, a shared buffer', () => {
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    withBackend(backend, () => {
      const a = withGrad(param([1, 2, 3]), [0.1, 0.2, 0.3]);
      const b = withGrad(param([4, 5]), [0.5, 0.6, 0.7]);
      const opt = new fg.optim.Adam([a, b], { lr: 0.1 });
      assertRejects(() => opt.step(), RangeError, /Expected a gradient of length 2 for paramGroups\[0\]\.params\[1\]\.grad but received length 3/, [a.data, b.data]);
      assert.equal(opt.getState(a), undefined, 'no state was created by the rejected step');
      withGrad(b, [0.5, 0.6]);
      opt.step();
      const before = opt.stateDict();
      opt.paramGroups[0].lr = -1;
      assertRejects(() => opt.step(), RangeError, /for paramGroups\[0\]\.lr but received number -1/, [a.data, b.data]);
      assert.deepEqual(opt.stateDict().state, before.state);
      opt.paramGroups[0].lr = 0.1;
      const c = param([1, 2]);
      c.grad = new fg.Tensor(c.data, [2]);
      const opt2 = new fg.optim.SGD([c], { lr: 0.1 });
      const d = param([1, 2, 3, 4]);
      const views = [new fg.Parameter(d.data.subarray(0, 3), [3]), new fg.Parameter(d.data.subarray(2, 4), [2])];
      views.forEach((v) => (v.grad = fg.Tensor.zeros([v.size])));
      assertRejects(() => new fg.optim.Adam(views).step(), RangeError, /paramGroups\[0\]\.params\[1\] not to share memory with paramGroups\[0\]\.params\[0\]/, [d.data]);
      assertRejects(() => opt2.step(), RangeError, /Expected paramGroups\[0\]\.params\[0\]\.grad not to share memory with paramGroups\[0\]\.params\[0\]/, [c.data]);
    });
  }
});

test('a parameter whose grad is null is skipped, as in torch; zeroGrad zeroes or clears', () => {
  const a = withGrad(param([1, 2]), [1, 1]);
  const b = param([3, 4]);
  const opt = new fg.optim.SGD([a, b], { lr: 0.5, momentum: 0.9 });
  opt.step();
  assert.deepEqual(Array.from(a.data), [0.5, 1.5]);
  assert.deepEqual(Array.from(b.data), [3, 4]);
  assert.equal(opt.getState(b), undefined);
  assert.equal(opt.getState(a)?.step, 1);
  opt.zeroGrad();
  assert.deepEqual(Array.from((a.grad as fg.Tensor).data), [0, 0]);
  opt.zeroGrad(true);
  assert.equal(a.grad, null);
});

test('SGD first momentum step copies the gradient without dampening; Rprop stores 0 where the sign flipped', () => {
  const a = withGrad(param([0]), [2]);
  const sgd = new fg.optim.SGD([a], { lr: 1, momentum: 0.5, dampening: 0.5 });
  sgd.step();
  assert.deepEqual(Array.from(sgd.getState(a)?.buffers.momentum_buffer ?? []), [2]);
  sgd.step();
  assert.deepEqual(Array.from(sgd.getState(a)?.buffers.momentum_buffer ?? []), [2 * 0.5 + 0.5 * 2]);
  const r = withGrad(param([0, 0]), [1, 1]);
  const rp = new fg.optim.Rprop([r], { lr: 0.1 });
  rp.step();
  withGrad(r, [-1, 1]);
  const before = r.data[0];
  rp.step();
  assert.equal(r.data[0], before, 'no update where the sign flipped');
  assert.deepEqual(Array.from(rp.getState(r)?.buffers.prev ?? []), [0, 1]);
});

test('stateDict: a run resumed from a saved state (also through JSON) equals the uninterrupted run bit for bit', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['SGD', { lr: 0.05, momentum: 0.9, nesterov: true }],
    ['Adam', { lr: 0.01, amsgrad: true }],
    ['AdamW', { lr: 0.01 }],
    ['Adagrad', { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 }],
    ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
    ['Rprop', { lr: 0.01 }],
    ['Adadelta', {}],
    ['Adamax', {}],
    ['NAdam', {}],
    ['RAdam', {}],
  ];
  const n = 33;
  const grads = Array.from({ length: 12 }, (_, k) => randomF32(n, 50 + k));
  for (const [name, options] of cases) {
    const run = (p: fg.Parameter[], opt: fg.optim.Optimizer, from: number, to: number) => {
      for (let k = from; k < to; k++) {
        p[0].grad = new fg.Tensor(grads[k], [n]);
        p[1].grad = k % 3 === 0 ? null : new fg.Tensor(grads[11 - k], [n]);
        opt.step();
      }
    };
    const make = () => [new fg.Parameter(randomF32(n, 1), [n]), new fg.Parameter(randomF32(n, 2), [n])];
    const full = make();
    const o1 = new (ctor(name))(full, options);
    run(full, o1, 0, 12);
    for (const viaJson of [false, true]) {
      const half = make();
      const o2 = new (ctor(name))(half, options);
      run(half, o2, 0, 5);
      let sd = o2.stateDict();
      if (viaJson) sd = JSON.parse(JSON.stringify(sd, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)));
      const resumed = [new fg.Parameter(half[0].data.slice(), [n]), new fg.Parameter(half[1].data.slice(), [n])];
      const o3 = new (ctor(name))(resumed, options);
      o3.loadStateDict(sd);
      run(resumed, o3, 5, 12);
      resumed.forEach((p, i) => assertSameBits(p.data, full[i].data, { kernel: `${name} resume p${i} json=${viaJson}` }));
    }
  }
});

test('loadStateDict rejects a malformed dict before changing anything', () => {
  const a = withGrad(param([1, 2]), [1, 1]);
  const opt = new fg.optim.Adam([a]);
  opt.step();
  const good = opt.stateDict();
  const bad = { ...good, state: { 0: { ...good.state[0], exp_avg: new Float32Array(3) } } };
  assertRejects(() => opt.loadStateDict(bad), RangeError, /array of length 2 for stateDict\.state\[0\]\.exp_avg/);
  assertRejects(() => opt.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0], eps: -1 }] }), RangeError, /stateDict\.paramGroups\[0\]\.eps/);
  assert.deepEqual(opt.stateDict(), good);
});

test('skipNonFinite: a step with a NaN or Inf gradient is skipped, parameters and state untouched, and reported', () => {
  const a = withGrad(param([1, 2, 3]), [0.1, 0.2, 0.3]);
  const opt = new fg.optim.Adam([a], { lr: 0.1, skipNonFinite: true });
  opt.step();
  const before = opt.stateDict();
  const data = a.data.slice();
  withGrad(a, [0.1, Infinity, 0.3]);
  const r = opt.step();
  assert.equal(r.skipped, true);
  assert.match(r.reason ?? '', /paramGroups\[0\]\.params\[0\]\.grad\[1\] is Infinity/);
  assert.deepEqual(a.data, data);
  assert.deepEqual(opt.stateDict(), before);
  assert.equal(opt.skippedSteps, 1);
  withGrad(a, [0.1, 0.2, 0.3]);
  assert.equal(opt.step().skipped, false);
  assert.notDeepEqual(a.data, data);
});

test('binding: wrong types, lengths and overlapping buffers throw instead of crashing', () => {
  requireNative();
  const K = requireNative().optim;
  const p = new Float32Array(8), g = new Float32Array(8), s0 = new Float32Array(8), s1 = new Float32Array(8);
  const h = new Float32Array(OPTIM_H);
  assert.throws(() => K.step('adam', Int32Array.of(0), h, [p], [g], [s0, null, null]), /Float32Array for states\[1\]/);
  assert.throws(() => K.step('adam', Int32Array.of(0), h, [p], [new Float32Array(7)], [s0, s1, null]), /length 8 for grads\[0\]/);
  assert.throws(() => K.step('adam', Int32Array.of(0), h, [p], [g], [p, s1, null]), /not to overlap/);
  assert.throws(() => K.step('adam', Int32Array.of(0, 0), new Float32Array(2 * OPTIM_H), [p, p], [g, new Float32Array(8)], [s0, s1, null, new Float32Array(8), new Float32Array(8), null]), /not to overlap/);
  assert.throws(() => K.step('adam', Int32Array.of(1 << 20), h, [p], [g], [s0, s1, null]), /flags/);
  assert.throws(() => K.step('adam', Int32Array.of(0, 0), h, [p], [g], [s0, s1, null]), /h/);
  assert.throws(() => K.step('adam', Int32Array.of(0), h, [p], [g], [s0, s1]), /states/);
  assert.throws(() => K.step('adam', new Float32Array(1) as never, h, [p], [g], [s0, s1, null]), /Int32Array for flags/);
  assert.deepEqual(Array.from(p), new Array(8).fill(0));
});

test('one group stepping parameters at different step counts equals one optimizer per parameter (every algorithm)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['SGD', { lr: 0.05, momentum: 0.9, dampening: 0.1 }], ['Adam', { lr: 0.01 }], ['AdamW', { amsgrad: true }], ['Adagrad', { lrDecay: 0.1 }],
    ['RMSprop', { momentum: 0.5, centered: true }], ['Rprop', {}], ['Adadelta', {}], ['Adamax', {}], ['NAdam', {}], ['RAdam', {}],
    ['Momentum', { lr: 0.1, momentum: 0.8 }], ['NAG', { lr: 0.1, momentum: 0.8 }],
  ];
  for (const backend of ['js', 'native'] as const) {
    if (backend === 'native') requireNative();
    withBackend(backend, () => {
      for (const [name, options] of cases) {
        const n = 19;
        const mk = () => [0, 1, 2].map((i) => new fg.Parameter(randomF32(n, 70 + i), [n]));
        const joint = mk(), alone = mk();
        const optJoint = new (ctor(name))(joint, options);
        const optsAlone = alone.map((p) => new (ctor(name))([p], options));
        for (let k = 0; k < 9; k++) {
          joint.forEach((p, i) => {
            // parameter i has no gradient at steps where k % (i + 2) === 1: step counts drift apart
            const g = k % (i + 2) === 1 ? null : new fg.Tensor(randomF32(n, 100 * k + i), [n]);
            p.grad = g;
            alone[i].grad = g;
            if (g) optsAlone[i].step();
          });
          optJoint.step();
        }
        joint.forEach((p, i) => assertSameBits(p.data, alone[i].data, { kernel: `${name} joint vs alone p${i} (${backend})` }));
        assert.notEqual(optJoint.getState(joint[0])?.step, optJoint.getState(joint[1])?.step);
      }
    });
  }
});

test('addParamGroup: defaults from the constructor, duplicates and bad options rejected, the new group steps', () => {
  const a = withGrad(param([1, 2]), [1, 1]);
  const opt = new fg.optim.SGD([a], { lr: 0.5, momentum: 0.9 });
  opt.step();
  const b = withGrad(param([3]), [2]);
  assertRejects(() => opt.addParamGroup({ params: [a] }), RangeError, /each parameter once but group\.params\[0\]/);
  assertRejects(() => opt.addParamGroup({ params: [b], lr: -1 }), RangeError, /for group\.lr/);
  assertRejects(() => opt.addParamGroup({ params: [b], lrr: 1 }), TypeError, /Unknown option 'lrr' for SGD in group/);
  assert.equal(opt.paramGroups.length, 1);
  opt.addParamGroup({ params: [b], momentum: 0 });
  assert.equal(opt.paramGroups[1].lr, 0.5);
  opt.step();
  assert.deepEqual(Array.from(b.data), [2]);
  assert.equal(opt.getState(b)?.buffers.momentum_buffer, undefined);
});

test('binding fuzz: any arguments to optimStep throw a TypeError/RangeError or succeed, never crash', async () => {
  requireNative();
  const fc = await import('fast-check');
  const addon = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const detached = () => {
    const a = new Float32Array(4);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    return a;
  };
  const f32 = fc.oneof(fc.constantFrom(0, 1, 3, 8).map((n) => new Float32Array(n)), fc.constant(null).map(() => detached()));
  const anyValue = fc.oneof(
    f32,
    fc.constantFrom<unknown>(null, undefined, 0, -1, 1.5, 2 ** 60, NaN, 'x', {}, [], true),
    fc.constantFrom(1, 2).map((n) => new Int32Array(n)),
    fc.constantFrom(1, 3).map((n) => new Float64Array(n)),
    fc.array(f32, { maxLength: 4 }),
    fc.array(fc.constantFrom<unknown>(null, 1, 'a'), { maxLength: 4 }),
  );
  fc.assert(
    fc.property(fc.integer({ min: -1, max: 11 }), anyValue, anyValue, anyValue, anyValue, anyValue, (algo, flags, h, ps, gs, ss) => {
      try {
        addon.optimStep(algo, flags, h, ps, gs, ss);
      } catch (e) {
        assert.ok(e instanceof TypeError || e instanceof RangeError, `unexpected ${String(e)}`);
      }
      // the plan entry points: a plan from the same arrays, stepped with them
      try {
        addon.optimPlanStep(addon.optimPlan(ps, gs, ss), algo, flags, h, gs);
      } catch (e) {
        assert.ok(e instanceof TypeError || e instanceof RangeError, `unexpected ${String(e)} (plan)`);
      }
    }),
    { numRuns: 3000, seed: 42 },
  );
});
