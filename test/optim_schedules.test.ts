// The papers' Momentum and NAG (exact to the formula step by step, NAG = momentum with mu(1 - lambda eps)
// on a quadratic), momentum schedules, scheduled hyper-parameters, torch LR schedulers against
// hand-computed torch values, gradient clipping and the functional API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects, assertSameBits, forEachNativeConfig, randomF32, requireNative, SIZES } from './support/harness.js';

const fr = Math.fround;
const BACKENDS = ['js', 'native'] as const;

function onBackends(fn: (backend: 'js' | 'native') => void): void {
  for (const b of BACKENDS) {
    if (b === 'native') requireNative();
    const prev = fg.getBackend();
    fg.setBackend(b);
    try {
      fn(b);
    } finally {
      fg.setBackend(prev);
    }
  }
}

const LAMBDA = [0.1, 1, 5, 20];
const quadGrad = (x: Float32Array) => Float32Array.from(x, (v, i) => fr(LAMBDA[i] * v));

test('Momentum equals v = mu v - eps g, theta = theta + v step by step (binary32), with mu changing every step', () => {
  onBackends((backend) => {
    const eps = 0.02, mu = fg.optim.nesterov83();
    const p = new fg.Parameter(Float32Array.of(1, -2, 0.5, 0.25), [4]);
    const opt = new fg.optim.Momentum([p], { lr: eps, momentum: mu });
    const th = Float32Array.of(1, -2, 0.5, 0.25), v = new Float32Array(4);
    for (let t = 0; t < 60; t++) {
      p.grad = new fg.Tensor(quadGrad(p.data), [4]);
      opt.step();
      const g = quadGrad(th);
      for (let i = 0; i < 4; i++) {
        v[i] = fr(fr(fr(mu(t)) * v[i]) - fr(fr(eps) * g[i]));
        th[i] = th[i] + v[i];
      }
      assertSameBits(p.data, th, { kernel: `Momentum step ${t} ${backend}` });
    }
  });
});

test('NAG equals v = mu_t v - eps g(theta + mu_t v), theta = theta + v step by step; the parameter holds the look-ahead point', () => {
  onBackends((backend) => {
    const eps = 0.02, mu = fg.optim.sutskever({ muMax: 0.99 });
    const p = new fg.Parameter(Float32Array.of(1, -2, 0.5, 0.25), [4]);
    // A fast schedule too: nesterov83 changes mu at every step.
    for (const sched of [mu, fg.optim.nesterov83()]) {
      p.data.set([1, -2, 0.5, 0.25]);
      const opt = new fg.optim.NAG([p], { lr: eps, momentum: sched });
      const th = Float32Array.of(1, -2, 0.5, 0.25), v = new Float32Array(4);
      for (let t = 0; t < 600; t += 1) {
        p.grad = new fg.Tensor(quadGrad(p.data), [4]);
        opt.step();
        const m = fr(sched(t));
        const look = Float32Array.from(th, (x, i) => fr(x + fr(m * v[i])));
        const g = quadGrad(look);
        for (let i = 0; i < 4; i++) {
          v[i] = fr(fr(m * v[i]) - fr(fr(eps) * g[i]));
          th[i] = th[i] + v[i];
        }
        assertSameBits(opt.theta(p), th, { kernel: `NAG theta step ${t} ${backend}` });
        const next = Float32Array.from(th, (x, i) => fr(x + fr(fr(sched(t + 1)) * v[i])));
        assertSameBits(p.data, next, { kernel: `NAG look-ahead step ${t} ${backend}` });
      }
      const restore = opt.useTheta();
      assertSameBits(p.data, th, { kernel: 'useTheta' });
      restore();
      assertSameBits(p.data, opt.theta(p).map((x, i) => fr(x + fr(fr(sched(600)) * (opt.getState(p)?.buffers.velocity[i] ?? NaN)))), { kernel: 'restore' });
    }
  });
});

test('on a quadratic, NAG is classical momentum with effective momentum mu (1 - lambda eps) along each eigenvector', () => {
  const eps = 0.01, mu = 0.95, x0 = [1, -1, 0.5, 2];
  const nagP = new fg.Parameter(Float32Array.from(x0), [4]);
  const nag = new fg.optim.NAG([nagP], { lr: eps, momentum: mu });
  const effP = x0.map((x) => new fg.Parameter(Float32Array.of(x), [1]));
  const eff = new fg.optim.Momentum(effP.map((q, i) => ({ params: [q], momentum: mu * (1 - LAMBDA[i] * eps) })), { lr: eps });
  const plainP = x0.map((x) => new fg.Parameter(Float32Array.of(x), [1]));
  const plain = new fg.optim.Momentum(plainP.map((q) => ({ params: [q] })), { lr: eps, momentum: mu });
  let worstEff = 0, worstPlain = 0;
  for (let t = 0; t < 200; t++) {
    nagP.grad = new fg.Tensor(quadGrad(nagP.data), [4]);
    nag.step();
    effP.forEach((q, i) => (q.grad = new fg.Tensor(Float32Array.of(fr(LAMBDA[i] * q.data[0])), [1])));
    eff.step();
    plainP.forEach((q, i) => (q.grad = new fg.Tensor(Float32Array.of(fr(LAMBDA[i] * q.data[0])), [1])));
    plain.step();
    const theta = nag.theta(nagP);
    for (let i = 0; i < 4; i++) {
      const scale = Math.abs(x0[i]);
      worstEff = Math.max(worstEff, Math.abs(effP[i].data[0] - theta[i]) / scale);
      worstPlain = Math.max(worstPlain, Math.abs(plainP[i].data[0] - theta[i]) / scale);
    }
  }
  assert.ok(worstEff < 1e-5, `NAG vs momentum with mu(1 - lambda eps): worst difference (relative to the start) ${worstEff}`);
  assert.ok(worstPlain > 1e-2, `plain momentum should differ from NAG, worst difference ${worstPlain}`);
});

test('momentum schedules: sutskever, nesterov83, constant, finalPhase', () => {
  const s = fg.optim.sutskever({ muMax: 0.99 });
  close([0, 249, 250, 499, 500, 750, 1750].map(s), [0.5, 0.5, 0.75, 0.75, 1 - 1 / 6, 0.875, 0.9375], 'sutskever');
  assert.equal(fg.optim.sutskever({ muMax: 0.8 })(750), 0.8);
  assert.equal(s(1e9), 0.99);
  const n = fg.optim.nesterov83();
  assert.deepEqual([0, 1, 5].map(n), [0.4, 0.5, 0.7]);
  assert.equal(fg.optim.constant(0.3)(123), 0.3);
  const f = fg.optim.finalPhase(s, { totalSteps: 10000, lastSteps: 1000 });
  assert.equal(f(8999), s(8999));
  assert.equal(f(9000), 0.9);
  assert.equal(fg.optim.finalPhase(0.99, { totalSteps: 10, lastSteps: 3, value: 0.5 })(7), 0.5);
  assertRejects(() => fg.optim.sutskever({ muMax: 1.5 }), RangeError, /for muMax/);
  assertRejects(() => fg.optim.finalPhase(s, { totalSteps: 10, lastSteps: 11 }), RangeError, /for lastSteps/);
});

test('any hyper-parameter can follow a schedule; a bad scheduled value throws before anything changes', () => {
  const p = new fg.Parameter(Float32Array.of(1, 2), [2]);
  const opt = new fg.optim.Adam([p], { lr: (t) => 0.1 / (t + 1), betas: (t) => [t < 2 ? 0.5 : 0.9, 0.999], weightDecay: (t) => t * 0.01 });
  for (let t = 0; t < 4; t++) {
    p.grad = new fg.Tensor(Float32Array.of(0.5, -0.5), [2]);
    opt.step();
    assert.equal(opt.paramGroups[0].lr, 0.1 / (t + 1));
    assert.deepEqual(opt.paramGroups[0].betas, [t < 2 ? 0.5 : 0.9, 0.999]);
    assert.equal(opt.paramGroups[0].weightDecay, t * 0.01);
  }
  // Same steps with the values given by hand: identical bits.
  const q = new fg.Parameter(Float32Array.of(1, 2), [2]);
  const hand = new fg.optim.Adam([q], { lr: 0.1 });
  for (let t = 0; t < 4; t++) {
    Object.assign(hand.paramGroups[0], { lr: 0.1 / (t + 1), betas: [t < 2 ? 0.5 : 0.9, 0.999], weightDecay: t * 0.01 });
    q.grad = new fg.Tensor(Float32Array.of(0.5, -0.5), [2]);
    hand.step();
  }
  assertSameBits(p.data, q.data, { kernel: 'scheduled vs by hand' });
  const r = new fg.Parameter(Float32Array.of(1), [1]);
  r.grad = new fg.Tensor(Float32Array.of(1), [1]);
  const bad = new fg.optim.SGD([r], { lr: (t) => 0.1 - t * 0.1 });
  bad.step();
  bad.step();
  assertRejects(() => bad.step(), RangeError, /for paramGroups\[0\]\.lr \(its schedule at t = 2\)/, [r.data]);
  assert.equal(bad.stepCount, 2);
});

// ---- LR schedulers against hand-computed torch 1.13 values ----------------------------------------

function sgd(lr = 1, momentum = 0.9): fg.optim.SGD {
  return new fg.optim.SGD([new fg.Parameter(new Float32Array(1), [1])], { lr, momentum });
}

function lrs(s: { step(): void; getLastLr(): number[] }, opt: fg.optim.Optimizer, n: number): number[] {
  const out = [opt.paramGroups[0].lr as number];
  for (let i = 1; i < n; i++) {
    s.step();
    out.push(opt.paramGroups[0].lr as number);
    assert.equal(s.getLastLr()[0], out[i]);
  }
  return out;
}

function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= 1e-12 * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${a} vs ${expected[i]}`));
}

test('StepLR, MultiStepLR, ExponentialLR, LambdaLR, LinearLR', () => {
  let o = sgd();
  close(lrs(new fg.optim.StepLR(o, { stepSize: 2, gamma: 0.5 }), o, 6), [1, 1, 0.5, 0.5, 0.25, 0.25], 'StepLR');
  o = sgd();
  close(lrs(new fg.optim.MultiStepLR(o, { milestones: [4, 2], gamma: 0.1 }), o, 6), [1, 1, 0.1, 0.1, 0.01, 0.01], 'MultiStepLR');
  o = sgd(0.5);
  close(lrs(new fg.optim.ExponentialLR(o, { gamma: 0.9 }), o, 4), [0.5, 0.45, 0.405, 0.3645], 'ExponentialLR');
  o = sgd(2);
  close(lrs(new fg.optim.LambdaLR(o, { lrLambda: (e) => 1 / (e + 1) }), o, 4), [2, 1, 2 / 3, 0.5], 'LambdaLR');
  o = sgd();
  close(lrs(new fg.optim.LinearLR(o, { startFactor: 0.25, totalIters: 4 }), o, 7), [0.25, 0.4375, 0.625, 0.8125, 1, 1, 1], 'LinearLR');
});

test('CosineAnnealingLR follows eta_min + (base - eta_min)(1 + cos(pi e / T)) / 2, also past T', () => {
  const o = sgd();
  const got = lrs(new fg.optim.CosineAnnealingLR(o, { tMax: 10, etaMin: 0.1 }), o, 25);
  close(got, got.map((_, e) => 0.1 + (0.9 * (1 + Math.cos((Math.PI * e) / 10))) / 2), 'CosineAnnealingLR');
});

test('OneCycleLR: lr warm-up and annealing, momentum (or beta1) cycling', () => {
  const o = sgd(0.1, 0.9);
  const s = new fg.optim.OneCycleLR(o, { maxLr: 1, totalSteps: 10 });
  const cosA = (a: number, b: number, p: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1);
  const wantLr = Array.from({ length: 10 }, (_, k) => (k <= 2 ? cosA(0.04, 1, k / 2) : cosA(1, 0.04 / 1e4, (k - 2) / 7)));
  const wantMom = Array.from({ length: 10 }, (_, k) => (k <= 2 ? cosA(0.95, 0.85, k / 2) : cosA(0.85, 0.95, (k - 2) / 7)));
  const gotMom = [o.paramGroups[0].momentum];
  const gotLr = [o.paramGroups[0].lr];
  for (let k = 1; k < 10; k++) {
    s.step();
    gotLr.push(o.paramGroups[0].lr);
    gotMom.push(o.paramGroups[0].momentum);
  }
  close(gotLr, wantLr, 'OneCycleLR lr');
  close(gotMom, wantMom, 'OneCycleLR momentum');
  const a = new fg.optim.Adam([new fg.Parameter(new Float32Array(1), [1])], { lr: 0.1 });
  const s2 = new fg.optim.OneCycleLR(a, { maxLr: 0.5, totalSteps: 20, annealStrategy: 'linear', threePhase: true });
  assert.deepEqual(a.paramGroups[0].betas, [0.95, 0.999]);
  for (let k = 0; k < 6; k++) s2.step();
  // three phases: end 5, 10, 19; at step 6 lr = (0.02 - 0.5) * (1/5) + 0.5
  close([a.paramGroups[0].lr], [(0.02 - 0.5) * (1 / 5) + 0.5], 'OneCycleLR three-phase');
  assert.throws(() => new fg.optim.OneCycleLR(new fg.optim.Adagrad([new fg.Parameter(new Float32Array(1), [1])]), { maxLr: 1, totalSteps: 5 }), TypeError);
});

test('SequentialLR (LinearLR warm-up then ExponentialLR) and ReduceLROnPlateau', () => {
  const o = sgd();
  const warm = new fg.optim.LinearLR(o, { startFactor: 0.5, totalIters: 2 });
  const decay = new fg.optim.ExponentialLR(o, { gamma: 0.9 });
  const seq = new fg.optim.SequentialLR(o, { schedulers: [warm, decay], milestones: [2] });
  close(lrs(seq, o, 6), [0.5, 0.75, 1, 0.9, 0.81, 0.729], 'SequentialLR');
  const p = sgd();
  const plateau = new fg.optim.ReduceLROnPlateau(p, { patience: 2, factor: 0.5 });
  const got = [10, 9, 9, 9, 9, 9, 8, 8, 8, 8].map((m) => {
    plateau.step(m);
    return p.paramGroups[0].lr;
  });
  assert.deepEqual(got, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]);
  const q = sgd();
  const cool = new fg.optim.ReduceLROnPlateau(q, { mode: 'max', patience: 0, cooldown: 1, minLr: 0.3 });
  const got2 = [1, 1, 1, 1, 1].map((m) => {
    cool.step(m);
    return q.paramGroups[0].lr;
  });
  close(got2, [1, 0.3, 0.3, 0.3, 0.3], 'ReduceLROnPlateau max/cooldown/minLr');
});

// ---- clipping ----------------------------------------------------------------------------------

function params(sizes: readonly number[], seed: number): fg.Parameter[] {
  return sizes.map((n, i) => {
    const p = new fg.Parameter(new Float32Array(n), [n]);
    p.grad = new fg.Tensor(randomF32(n, seed + i), [n]);
    return p;
  });
}

test('clipGradNorm: global L2 norm, torch factor min(maxNorm / (norm + 1e-6), 1); native = TS bit for bit at every level and thread count', () => {
  onBackends(() => {
    const ps = params([2, 1], 1);
    (ps[0].grad as fg.Tensor).data.set([3, 4]);
    (ps[1].grad as fg.Tensor).data.set([12]);
    const norm = fg.optim.clipGradNorm(ps, 6.5);
    assert.equal(norm, 13);
    const f = fr(6.5 / (13 + 1e-6));
    assert.deepEqual(Array.from((ps[0].grad as fg.Tensor).data), [fr(3 * f), fr(4 * f)]);
    assert.ok(Math.abs(fg.optim.clipGradNorm(ps, 100) - 6.5) < 1e-5, 'the clipped gradients have norm maxNorm');
    assert.deepEqual(Array.from((ps[0].grad as fg.Tensor).data), [fr(3 * f), fr(4 * f)], 'factor 1 leaves them unchanged');
    fg.optim.clipGradValue(ps, 1);
    assert.ok(Array.from((ps[0].grad as fg.Tensor).data).every((x) => Math.abs(x) <= 1));
  });
  requireNative();
  const sizes = [...SIZES, 100003];
  const want = (() => {
    fg.setBackend('js');
    const ps = params(sizes, 9);
    const n = fg.optim.clipGradNorm(ps, 1);
    return { n, g: ps.map((p) => (p.grad as fg.Tensor).data) };
  })();
  fg.setBackend('native');
  forEachNativeConfig((level, threads) => {
    const ps = params(sizes, 9);
    assert.equal(fg.optim.clipGradNorm(ps, 1), want.n, `norm at ${level}/${threads}`);
    ps.forEach((p, i) => assertSameBits((p.grad as fg.Tensor).data, want.g[i], { kernel: 'clipGradNorm', level, threads, size: p.size }));
  });
  assertRejects(() => fg.optim.clipGradNorm(params([3], 1), -1), RangeError, /for maxNorm/);
  const inf = params([3], 1);
  (inf[0].grad as fg.Tensor).data[1] = Infinity;
  assertRejects(() => fg.optim.clipGradNorm(inf, 1, { errorIfNonfinite: true }), RangeError, /total norm of the gradients is Infinity/, [(inf[0].grad as fg.Tensor).data]);
});

// ---- functional API ----------------------------------------------------------------------------

test('functional API on raw Float32Arrays equals the classes bit for bit', () => {
  onBackends((backend) => {
    const cases: [keyof typeof fg.optim.functional, string, Record<string, unknown>][] = [
      ['adam', 'Adam', { lr: 0.01, amsgrad: true }],
      ['adamw', 'AdamW', { lr: 0.01 }],
      ['sgd', 'SGD', { lr: 0.05, momentum: 0.9, nesterov: true }],
      ['rmsprop', 'RMSprop', { centered: true, momentum: 0.5 }],
      ['rprop', 'Rprop', {}],
      ['nadam', 'NAdam', {}],
      ['radam', 'RAdam', {}],
      ['adagrad', 'Adagrad', { initialAccumulatorValue: 0.1 }],
      ['adadelta', 'Adadelta', {}],
      ['adamax', 'Adamax', {}],
      ['momentum', 'Momentum', { lr: 0.1 }],
      ['nag', 'NAG', { lr: 0.1 }],
    ];
    for (const [fn, cls, hp] of cases) {
      const n = 37;
      const raw = randomF32(n, 3);
      const p = new fg.Parameter(raw.slice(), [n]);
      const opt = new (fg.optim as unknown as Record<string, new (p: fg.Parameter[], o: Record<string, unknown>) => fg.optim.Optimizer>)[cls]([p], hp);
      const st: fg.optim.FunctionalState = {};
      for (let k = 0; k < 8; k++) {
        const g = randomF32(n, 10 + k);
        p.grad = new fg.Tensor(g, [n]);
        opt.step();
        (fg.optim.functional[fn] as (a: Float32Array, b: Float32Array, s: fg.optim.FunctionalState, h: Record<string, unknown>) => void)(raw, g, st, hp);
      }
      assertSameBits(raw, p.data, { kernel: `functional.${fn} ${backend}` });
      assert.equal(st.step, 8);
    }
    assertRejects(() => fg.optim.functional.adam(new Float32Array(3), new Float32Array(2), {}, {}), RangeError, /length 3 for grad/);
    assertRejects(() => fg.optim.functional.adam(new Float32Array(3), new Float32Array(3), {}, { betas: [1, 0.9] }), RangeError, /betas\[0\]/);
    assertRejects(() => fg.optim.functional.sgd(new Float32Array(3), new Float32Array(3), {}, {} as never), TypeError, /no default lr/);
  });
});
