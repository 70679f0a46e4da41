// LR scheduler stateDict / loadStateDict: for every scheduler class, a run saved after k steps (through
// JSON), restored into a freshly constructed scheduler (on a fresh optimizer restored from its own
// stateDict) and continued gives the uninterrupted run's lrs exactly (===) at every step, for every k;
// malformed state dicts are rejected (TypeError / RangeError naming the field) with nothing changed;
// loadStateDict leaves the groups' lr to the optimizer's loadStateDict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { assertRejects, assertSameBits } from './support/harness.js';

type Kind = 'sgd' | 'adam' | 'adagrad';

/** What the tests drive: any scheduler, or two chained on one optimizer. */
interface Saveable {
  getLastLr(): number[];
  stateDict(): object;
  loadStateDict(sd: never): void;
}

interface Driver {
  s: Saveable;
  advance(epoch: number): void;
}

interface Case {
  name: string;
  kind: Kind;
  /** Steps after construction. */
  n: number;
  /** alt: other settings (same class and shape), which loadStateDict() must replace by the saved ones. */
  make(opt: fg.optim.Optimizer, alt: boolean): Driver;
}

interface Run {
  opt: fg.optim.Optimizer;
  params: fg.Parameter[];
}

function makeOpt(kind: Kind): Run {
  const params = [new fg.Parameter(Float32Array.of(1, -2, 3), [3]), new fg.Parameter(Float32Array.of(0.5, 0.25), [2])];
  const groups = [{ params: [params[0]], lr: 0.1 }, { params: [params[1]], lr: 0.05 }];
  const opt =
    kind === 'sgd' ? new fg.optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : kind === 'adam' ? new fg.optim.Adam(groups) : new fg.optim.Adagrad(groups);
  return { opt, params };
}

/** One optimizer step with gradients that depend on the parameters and the epoch. */
function train(r: Run, epoch: number): void {
  r.params.forEach((p, i) => {
    p.grad = new fg.Tensor(Float32Array.from(p.data, (x, j) => 0.5 * x + Math.sin(epoch + 3 * i + j)), [p.size]);
  });
  r.opt.step();
}

/** Everything a scheduler writes or reports: the groups' lr, momentum (or beta1), and getLastLr(). */
function snap(r: Run, s: Saveable): number[] {
  const groups = r.opt.paramGroups as unknown as Record<string, unknown>[];
  const mom = groups.map((g) => (Array.isArray(g.betas) ? (g.betas[0] as number) : typeof g.momentum === 'number' ? g.momentum : NaN));
  return [...groups.map((g) => g.lr as number), ...mom, ...s.getLastLr()];
}

function json<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Float32Array ? Array.from(x) : x))) as T;
}

const O = fg.optim;
const plateauMetrics = [10, 9, 9.5, 9.2, 9.1, 9, 8, 8.5, 8.4, 8.3, 8.2, 8.1, 8, 7, 7, 7, 7, 7, 6.9, 7];
const lambdas = [(e: number) => 0.9 ** e, (e: number) => 1 / (1 + e)];

const CASES: Case[] = [
  {
    name: 'StepLR',
    kind: 'sgd',
    n: 12,
    make: (o, alt) => step(new O.StepLR(o, alt ? { stepSize: 5, gamma: 0.9 } : { stepSize: 3, gamma: 0.5 })),
  },
  {
    name: 'MultiStepLR',
    kind: 'sgd',
    n: 12,
    make: (o, alt) => step(new O.MultiStepLR(o, alt ? { milestones: [1], gamma: 0.5 } : { milestones: [9, 2, 5, 5], gamma: 0.3 })),
  },
  {
    name: 'MultiStepLR driven by step(epoch) (the closed form)',
    kind: 'sgd',
    n: 10,
    make: (o, alt) => {
      const s = new O.MultiStepLR(o, alt ? { milestones: [4], gamma: 0.9 } : { milestones: [2, 5], gamma: 0.1 });
      return { s, advance: (e) => s.step(2 * e) };
    },
  },
  { name: 'ExponentialLR', kind: 'adam', n: 10, make: (o, alt) => step(new O.ExponentialLR(o, { gamma: alt ? 0.99 : 0.8 })) },
  {
    name: 'CosineAnnealingLR (past tMax)',
    kind: 'sgd',
    n: 14,
    make: (o, alt) => step(new O.CosineAnnealingLR(o, alt ? { tMax: 10 } : { tMax: 4, etaMin: 0.01 })),
  },
  {
    name: 'LinearLR warm-up',
    kind: 'sgd',
    n: 8,
    make: (o, alt) => step(new O.LinearLR(o, alt ? { startFactor: 0.5, endFactor: 0.9, totalIters: 2 } : { startFactor: 0.25, totalIters: 4 })),
  },
  { name: 'LinearLR decay', kind: 'adam', n: 8, make: (o, alt) => step(new O.LinearLR(o, { startFactor: 1, endFactor: alt ? 0.5 : 0.1, totalIters: 5 })) },
  // The lambdas are not saved: the resumed scheduler gets the same ones from its constructor.
  { name: 'LambdaLR', kind: 'sgd', n: 8, make: (o) => step(new O.LambdaLR(o, { lrLambda: lambdas })) },
  {
    name: 'OneCycleLR (SGD momentum, cos)',
    kind: 'sgd',
    n: 19,
    make: (o, alt) => step(new O.OneCycleLR(o, alt ? { maxLr: 3, totalSteps: 30, pctStart: 0.5, maxMomentum: 0.99 } : { maxLr: [1, 0.5], totalSteps: 20 })),
  },
  {
    name: 'OneCycleLR (Adam beta1, linear, three phases)',
    kind: 'adam',
    n: 15,
    make: (o, alt) =>
      step(
        new O.OneCycleLR(
          o,
          alt
            ? { maxLr: 0.02, epochs: 4, stepsPerEpoch: 5 }
            : { maxLr: 0.01, totalSteps: 15, annealStrategy: 'linear', threePhase: true, baseMomentum: [0.8, 0.85], maxMomentum: 0.9, divFactor: 10, finalDivFactor: 100 },
        ),
      ),
  },
  {
    name: 'OneCycleLR (no momentum cycling)',
    kind: 'sgd',
    n: 9,
    make: (o, alt) => step(new O.OneCycleLR(o, alt ? { maxLr: 2, totalSteps: 12 } : { maxLr: 1, totalSteps: 10, cycleMomentum: false })),
  },
  {
    name: 'SequentialLR (LinearLR, CosineAnnealingLR, StepLR)',
    kind: 'sgd',
    n: 14,
    make: (o, alt) => {
      const a = new O.LinearLR(o, { startFactor: alt ? 0.5 : 0.1, totalIters: 3 });
      const b = new O.CosineAnnealingLR(o, { tMax: alt ? 9 : 5, etaMin: 0.001 });
      const c = new O.StepLR(o, { stepSize: 2, gamma: alt ? 0.9 : 0.5 });
      return step(new O.SequentialLR(o, { schedulers: [a, b, c], milestones: alt ? [2, 6] : [3, 8] }));
    },
  },
  {
    name: 'ReduceLROnPlateau (min, rel, cooldown, per-group minLr)',
    kind: 'sgd',
    n: plateauMetrics.length,
    make: (o, alt) => {
      const s = new O.ReduceLROnPlateau(o, alt ? { mode: 'max', patience: 0 } : { patience: 2, cooldown: 2, factor: 0.5, threshold: 0.05, minLr: [0.01, 0.02] });
      return { s, advance: (e) => s.step(plateauMetrics[e - 1]) };
    },
  },
  {
    name: 'ReduceLROnPlateau (max, abs)',
    kind: 'adam',
    n: plateauMetrics.length,
    make: (o, alt) => {
      const s = new O.ReduceLROnPlateau(o, alt ? {} : { mode: 'max', thresholdMode: 'abs', threshold: 0.1, patience: 1, factor: 0.7 });
      return { s, advance: (e) => s.step(-plateauMetrics[e - 1]) };
    },
  },
  {
    name: 'ExponentialLR and MultiStepLR chained on one optimizer',
    kind: 'sgd',
    n: 10,
    make: (o, alt) => {
      const a = new O.ExponentialLR(o, { gamma: alt ? 0.5 : 0.9 });
      const b = new O.MultiStepLR(o, { milestones: [3, 6], gamma: 0.5 });
      const s: Saveable = {
        getLastLr: () => [...a.getLastLr(), ...b.getLastLr()],
        stateDict: () => ({ a: a.stateDict(), b: b.stateDict() }),
        loadStateDict: (sd: { a: ReturnType<typeof a.stateDict>; b: ReturnType<typeof b.stateDict> }) => {
          a.loadStateDict(sd.a);
          b.loadStateDict(sd.b);
        },
      };
      return {
        s,
        advance: () => {
          a.step();
          b.step();
        },
      };
    },
  },
];

function step(s: Saveable & { step(): void }): Driver {
  return { s, advance: () => s.step() };
}

test('every scheduler class exported by fg.optim has a resume case', () => {
  const classes = Object.entries(fg.optim)
    .filter(([, v]) => typeof v === 'function' && (v.prototype instanceof O.LRScheduler || v === O.SequentialLR || v === O.ReduceLROnPlateau))
    .map(([k]) => k);
  assert.ok(classes.length >= 9, classes.join());
  for (const name of classes) assert.ok(CASES.some((c) => c.name.startsWith(name)), `no resume case for ${name}`);
});

for (const c of CASES) {
  test(`${c.name}: resumed after every k (through JSON, fresh optimizer and scheduler) = uninterrupted, lr by lr`, () => {
    const full = makeOpt(c.kind);
    const d = c.make(full.opt, false);
    const trace = [snap(full, d.s)];
    for (let e = 1; e <= c.n; e++) {
      train(full, e);
      d.advance(e);
      trace.push(snap(full, d.s));
    }
    // The lr must move, or the comparison proves nothing.
    assert.ok(new Set(trace.map((t) => t[0])).size > 2, `${c.name}: the lr hardly changes: ${trace.map((t) => t[0])}`);
    const states: object[] = [];
    for (let k = 0; k < c.n; k++) {
      for (const alt of [false, true]) {
        const at = `${c.name} k=${k} alt=${alt}`;
        const first = makeOpt(c.kind);
        const d1 = c.make(first.opt, false);
        for (let e = 1; e <= k; e++) {
          train(first, e);
          d1.advance(e);
        }
        const optSd = json(first.opt.stateDict());
        const sd = json(d1.s.stateDict());
        if (!alt) states.push(sd);

        const resumed = makeOpt(c.kind);
        const d2 = c.make(resumed.opt, alt);
        resumed.params.forEach((p, i) => p.data.set(first.params[i].data));
        // torch's order: the optimizer first, then the scheduler.
        resumed.opt.loadStateDict(optSd);
        (d2.s.loadStateDict as (sd: unknown) => void).call(d2.s, sd);
        assert.deepEqual(json(d2.s.stateDict()), sd, `${at}: stateDict() after loadStateDict()`);
        assert.deepEqual(snap(resumed, d2.s), trace[k], `${at}: right after restoring`);
        for (let e = k + 1; e <= c.n; e++) {
          train(resumed, e);
          d2.advance(e);
          const got = snap(resumed, d2.s);
          got.forEach((v, i) => assert.equal(v, trace[e][i], `${at}: epoch ${e}, value ${i} (lrs, momentum, lastLr): ${v} vs ${trace[e][i]}`));
        }
        resumed.params.forEach((p, i) => assertSameBits(p.data, full.params[i].data, { kernel: `${at} p${i}` }));
      }
    }
    if (c.name.startsWith('ReduceLROnPlateau')) {
      // The checkpoints caught it mid-patience, mid-cooldown and before any metric (best ±Infinity).
      const ps = states as ReturnType<fg.optim.ReduceLROnPlateau['stateDict']>[];
      assert.ok(ps.some((s) => s.numBadEpochs > 0), 'a checkpoint with numBadEpochs > 0');
      if (c.name.includes('cooldown')) assert.ok(ps.some((s) => s.cooldownCounter > 0), 'a checkpoint with cooldownCounter > 0');
      assert.ok(ps.some((s) => typeof s.best === 'string'), 'a checkpoint with an infinite best');
      assert.ok(ps.some((s, i) => i > 0 && s.best !== ps[i - 1].best), 'best changes');
    }
  });
}

test('stateDict() holds plain JSON: counters, baseLrs, lastLr and the settings; LambdaLR without its lambdas', () => {
  const r = makeOpt('sgd');
  const s = new O.StepLR(r.opt, { stepSize: 2, gamma: 0.5 });
  for (let e = 1; e <= 3; e++) s.step();
  assert.deepEqual(s.stateDict(), { type: 'StepLR', lastEpoch: 3, stepCount: 4, baseLrs: [0.1, 0.05], lastLr: [0.05, 0.025], stepSize: 2, gamma: 0.5 });
  // A copy: changing it changes nothing.
  const sd = s.stateDict();
  sd.baseLrs[0] = 7;
  sd.lastLr[0] = 7;
  assert.deepEqual(s.baseLrs, [0.1, 0.05]);
  assert.deepEqual(s.getLastLr(), [0.05, 0.025]);

  const l = new O.LambdaLR(makeOpt('sgd').opt, { lrLambda: lambdas });
  l.step();
  const lsd = l.stateDict();
  assert.deepEqual(Object.keys(lsd).sort(), ['baseLrs', 'lastEpoch', 'lastLr', 'stepCount', 'type']);
  assert.deepEqual(json(lsd), lsd);

  const p = new O.ReduceLROnPlateau(makeOpt('sgd').opt, { mode: 'max' });
  assert.equal(p.stateDict().best, '-Infinity');
  assert.equal(JSON.parse(JSON.stringify(new O.ReduceLROnPlateau(makeOpt('sgd').opt).stateDict())).best, 'Infinity');
  p.step(3);
  assert.equal(p.stateDict().best, 3);
  p.step(Infinity);
  assert.equal(p.stateDict().best, 'Infinity');
  const q = new O.ReduceLROnPlateau(makeOpt('sgd').opt);
  q.loadStateDict(json(p.stateDict()));
  assert.equal(q.best, Infinity);
  assert.equal(q.stateDict().mode, 'max');

  const seq = new O.SequentialLR(r.opt, { schedulers: [new O.ExponentialLR(r.opt, { gamma: 0.5 }), new O.StepLR(r.opt, { stepSize: 1 })], milestones: [2] });
  const ssd = seq.stateDict();
  assert.deepEqual(Object.keys(ssd), ['type', 'lastEpoch', 'milestones', 'lastLr', 'schedulers']);
  assert.deepEqual(ssd.schedulers.map((x) => [x.type, x.lastEpoch]), [['ExponentialLR', 0], ['StepLR', -1]]);
  assert.deepEqual(json(ssd), ssd);
});

test("loadStateDict leaves the groups' lr (and momentum) to the optimizer's loadStateDict, restores the initial lr", () => {
  // The decision: schedulers do not write paramGroups[i].lr on load. The lr a user restores (or sets)
  // through the optimizer is the one the chainable form continues from, as in torch.
  const a = makeOpt('sgd');
  const s = new O.OneCycleLR(a.opt, { maxLr: 1, totalSteps: 10 });
  for (let e = 1; e <= 4; e++) s.step();
  const sd = json(s.stateDict());
  const optSd = json(a.opt.stateDict());
  optSd.paramGroups[0].lr = 0.123;
  optSd.paramGroups[1].momentum = 0.5;

  const b = makeOpt('sgd');
  const t = new O.OneCycleLR(b.opt, { maxLr: 2, totalSteps: 10 });
  b.opt.loadStateDict(optSd);
  t.loadStateDict(sd);
  assert.equal(b.opt.paramGroups[0].lr, 0.123);
  assert.equal(b.opt.paramGroups[1].lr, a.opt.paramGroups[1].lr);
  assert.equal(b.opt.paramGroups[1].momentum, 0.5);
  assert.deepEqual(t.getLastLr(), s.getLastLr());

  // The same for a chainable form: StepLR continues from the lr the optimizer holds.
  const c = makeOpt('sgd');
  const u = new O.StepLR(c.opt, { stepSize: 2, gamma: 0.5 });
  u.step();
  const usd = json(u.stateDict());
  const d = makeOpt('sgd');
  const w = new O.StepLR(d.opt, { stepSize: 2, gamma: 0.5 });
  d.opt.paramGroups[0].lr = 0.4;
  w.loadStateDict(usd);
  assert.equal(d.opt.paramGroups[0].lr, 0.4);
  w.step();
  assert.equal(d.opt.paramGroups[0].lr, 0.2);

  // torch's group['initial_lr'] comes back too: a scheduler attached after the load starts from it.
  const e = makeOpt('sgd');
  e.opt.paramGroups[0].lr = 0.7;
  const x = new O.ExponentialLR(e.opt, { gamma: 0.5 });
  assert.deepEqual(x.baseLrs, [0.7, 0.05]);
  x.loadStateDict(json(new O.ExponentialLR(makeOpt('sgd').opt, { gamma: 0.5 }).stateDict()));
  assert.deepEqual(x.baseLrs, [0.1, 0.05]);
  assert.deepEqual(new O.StepLR(e.opt, { stepSize: 1 }).baseLrs, [0.1, 0.05]);
});

// ---- bad input ------------------------------------------------------------------------------------

type Path = (string | number)[];
type Mutation = [string, (good: unknown) => unknown, typeof TypeError | typeof RangeError, string];

function set(path: Path, value: unknown): (good: unknown) => unknown {
  return (good) => {
    const sd = structuredClone(good) as Record<string | number, unknown>;
    let o = sd;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
    o[path[path.length - 1]] = value;
    return sd;
  };
}

function del(path: Path): (good: unknown) => unknown {
  return (good) => {
    const sd = set(path, undefined)(good) as Record<string, unknown>;
    return JSON.parse(JSON.stringify(sd));
  };
}

const named = (field: string) => new RegExp(`for ${field.replace(/[.[\]]/g, (m) => `\\${m}`)} but received`);

function m(path: Path, value: unknown, type: typeof TypeError | typeof RangeError): Mutation {
  const field = ['stateDict', ...path].map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').slice(1);
  return [`${field} = ${String(value)}`, set(path, value), type, field];
}

/** What every LRScheduler subclass rejects. */
const COMMON: Mutation[] = [
  ['null', () => null, TypeError, 'stateDict'],
  ['a number', () => 42, TypeError, 'stateDict'],
  ['an array', () => [], TypeError, 'stateDict'],
  m(['type'], 'SomethingElse', RangeError),
  ['no type', del(['type']), TypeError, 'stateDict.type'],
  ['no lastEpoch', del(['lastEpoch']), TypeError, 'stateDict.lastEpoch'],
  m(['lastEpoch'], 2.5, RangeError),
  m(['lastEpoch'], -2, RangeError),
  m(['lastEpoch'], NaN, RangeError),
  m(['stepCount'], '7', TypeError),
  m(['stepCount'], -1, RangeError),
  m(['baseLrs'], 0.1, TypeError),
  m(['baseLrs'], [0.1], RangeError),
  m(['baseLrs', 1], null, TypeError),
  m(['baseLrs', 1], Infinity, RangeError),
  m(['lastLr', 0], NaN, RangeError),
  m(['lastLr'], [1, 2, 3], RangeError),
  ['no lastLr', del(['lastLr']), TypeError, 'stateDict.lastLr'],
];

interface BadCase {
  name: string;
  kind: Kind;
  /** alt: other settings, for the source of the good state (so a partly applied load would show). */
  make(opt: fg.optim.Optimizer, alt: boolean): Driver;
  bad: Mutation[];
}

const BAD: BadCase[] = [
  {
    name: 'StepLR',
    kind: 'sgd',
    make: (o, alt) => step(new O.StepLR(o, { stepSize: alt ? 3 : 2, gamma: alt ? 0.8 : 0.5 })),
    bad: [...COMMON, m(['stepSize'], 0, RangeError), m(['stepSize'], 1.5, RangeError), ['no gamma', del(['gamma']), TypeError, 'stateDict.gamma'], m(['gamma'], Infinity, RangeError)],
  },
  {
    name: 'MultiStepLR',
    kind: 'sgd',
    make: (o, alt) => step(new O.MultiStepLR(o, { milestones: alt ? [2, 4] : [1, 3], gamma: alt ? 0.5 : 0.1 })),
    bad: [...COMMON, m(['milestones'], 3, TypeError), m(['milestones', 1], -1, RangeError), m(['milestones', 0], '1', TypeError), m(['gamma'], 'x', TypeError)],
  },
  { name: 'ExponentialLR', kind: 'sgd', make: (o, alt) => step(new O.ExponentialLR(o, { gamma: alt ? 0.7 : 0.9 })), bad: [...COMMON, m(['gamma'], NaN, RangeError)] },
  {
    name: 'CosineAnnealingLR',
    kind: 'sgd',
    make: (o, alt) => step(new O.CosineAnnealingLR(o, { tMax: alt ? 6 : 5, etaMin: alt ? 0.001 : 0 })),
    bad: [...COMMON, m(['tMax'], 0, RangeError), m(['etaMin'], null, TypeError), m(['etaMin'], -Infinity, RangeError)],
  },
  {
    name: 'LinearLR',
    kind: 'sgd',
    make: (o, alt) => step(new O.LinearLR(o, { startFactor: alt ? 0.25 : 0.5, endFactor: alt ? 0.75 : 1, totalIters: alt ? 9 : 4 })),
    bad: [...COMMON, m(['startFactor'], 0, RangeError), m(['endFactor'], 2, RangeError), m(['totalIters'], 0, RangeError), m(['totalIters'], '4', TypeError)],
  },
  { name: 'LambdaLR', kind: 'sgd', make: (o) => step(new O.LambdaLR(o, { lrLambda: lambdas })), bad: COMMON },
  {
    name: 'OneCycleLR',
    kind: 'sgd',
    make: (o, alt) => step(new O.OneCycleLR(o, alt ? { maxLr: 2, totalSteps: 30, pctStart: 0.4, annealStrategy: 'linear', threePhase: true, maxMomentum: 0.9, baseMomentum: 0.8 } : { maxLr: 1, totalSteps: 20 })),
    bad: [
      ...COMMON,
      m(['totalSteps'], 0, RangeError),
      m(['pctStart'], 1.5, RangeError),
      m(['annealStrategy'], 'exp', RangeError),
      m(['cycleMomentum'], 'yes', TypeError),
      ['no threePhase', del(['threePhase']), TypeError, 'stateDict.threePhase'],
      m(['maxLrs'], [1], RangeError),
      m(['minLrs', 1], NaN, RangeError),
      m(['maxMomentum'], null, TypeError),
      m(['baseMomentum', 0], Infinity, RangeError),
    ],
  },
  {
    name: 'SequentialLR',
    kind: 'sgd',
    make: (o, alt) => {
      const a = new O.LinearLR(o, { startFactor: 0.5, totalIters: 2 });
      const b = new O.ExponentialLR(o, { gamma: alt ? 0.8 : 0.9 });
      const c = new O.StepLR(o, { stepSize: 2, gamma: alt ? 0.25 : 0.5 });
      return step(new O.SequentialLR(o, { schedulers: [a, b, c], milestones: alt ? [1, 4] : [2, 5] }));
    },
    bad: [
      ['null', () => null, TypeError, 'stateDict'],
      m(['type'], 'StepLR', RangeError),
      m(['lastEpoch'], -1, RangeError),
      m(['milestones'], [2], RangeError),
      m(['milestones', 1], 2.5, RangeError),
      m(['lastLr', 1], Infinity, RangeError),
      m(['schedulers'], {}, TypeError),
      ['two schedulers', (g) => set(['schedulers'], (g as { schedulers: unknown[] }).schedulers.slice(0, 2))(g), RangeError, 'stateDict.schedulers'],
      // The children in the wrong order: the first one found is named.
      ['children swapped', (g) => set(['schedulers'], (g as { schedulers: unknown[] }).schedulers.slice().reverse())(g), RangeError, 'stateDict.schedulers[0].type'],
      // The last child is bad: the first two (valid, and different from the current ones) must not be restored.
      m(['schedulers', 2, 'gamma'], NaN, RangeError),
      m(['schedulers', 2, 'lastEpoch'], 0.5, RangeError),
      m(['schedulers', 1, 'baseLrs'], [1, 2, 3], RangeError),
      m(['schedulers', 0], null, TypeError),
    ],
  },
  {
    name: 'ReduceLROnPlateau',
    kind: 'sgd',
    make: (o, alt) => {
      const s = new O.ReduceLROnPlateau(o, alt ? { patience: 0, cooldown: 1, factor: 0.5, threshold: 0.01, thresholdMode: 'abs', eps: 1e-9, minLr: 0.001 } : { patience: 1, cooldown: 3 });
      return { s, advance: (e) => s.step(plateauMetrics[e - 1]) };
    },
    bad: [
      ['null', () => null, TypeError, 'stateDict'],
      m(['type'], 'StepLR', RangeError),
      m(['mode'], 'avg', RangeError),
      m(['thresholdMode'], undefined, RangeError),
      m(['factor'], 1, RangeError),
      m(['patience'], -1, RangeError),
      m(['cooldown'], 1.5, RangeError),
      m(['threshold'], NaN, RangeError),
      m(['eps'], 'tiny', TypeError),
      m(['minLrs'], [0], RangeError),
      m(['minLrs', 0], null, TypeError),
      m(['best'], NaN, RangeError),
      m(['best'], Infinity, RangeError),
      m(['best'], null, TypeError),
      m(['best'], 'inf', TypeError),
      m(['numBadEpochs'], 0.5, RangeError),
      ['no cooldownCounter', del(['cooldownCounter']), TypeError, 'stateDict.cooldownCounter'],
      m(['lastEpoch'], -1, RangeError),
    ],
  },
];

for (const c of BAD) {
  test(`${c.name}.loadStateDict rejects malformed state dicts (the field named) and changes nothing`, () => {
    const target = makeOpt(c.kind), twin = makeOpt(c.kind), source = makeOpt(c.kind);
    const dt = c.make(target.opt, false), dw = c.make(twin.opt, false), ds = c.make(source.opt, true);
    for (let e = 1; e <= 2; e++) [dt, dw].forEach((d) => d.advance(e));
    for (let e = 1; e <= 7; e++) ds.advance(e);
    const good = json(ds.s.stateDict());
    const before = json(dt.s.stateDict());
    // A partly applied good field would show: the good state differs from the target's everywhere it can.
    assert.notDeepEqual(good, before);
    const load = (sd: unknown) => (dt.s.loadStateDict as (sd: unknown) => void).call(dt.s, sd);
    for (const [what, mutate, type, field] of c.bad) {
      const bad = mutate(good);
      assert.notDeepEqual(bad, good, what);
      const lrs = snap(target, dt.s);
      assertRejects(() => load(bad), type, named(field));
      assert.deepEqual(json(dt.s.stateDict()), before, `${c.name}: ${what} changed the state`);
      assert.deepEqual(snap(target, dt.s), lrs, `${c.name}: ${what} changed the lrs`);
    }
    // A state dict of another class.
    const other = c.name === 'StepLR' ? new O.ExponentialLR(makeOpt(c.kind).opt, { gamma: 0.5 }) : new O.StepLR(makeOpt(c.kind).opt, { stepSize: 1 });
    assertRejects(() => load(json(other.stateDict())), RangeError, named('stateDict.type'));
    assert.deepEqual(json(dt.s.stateDict()), before);
    // Nothing hidden changed either: the target goes on exactly like its twin.
    for (let e = 3; e <= 8; e++) {
      dt.advance(e);
      dw.advance(e);
      assert.deepEqual(snap(target, dt.s), snap(twin, dw.s), `${c.name}: epoch ${e} after the rejected loads`);
    }
    // And the unmutated state loads.
    load(good);
    assert.deepEqual(json(dt.s.stateDict()), good);
  });
}

test('OneCycleLR.loadStateDict rejects cycleMomentum for an optimizer without momentum or betas', () => {
  const withMomentum = new O.OneCycleLR(makeOpt('sgd').opt, { maxLr: 1, totalSteps: 10 });
  const r = makeOpt('adagrad');
  const s = new O.OneCycleLR(r.opt, { maxLr: 1, totalSteps: 10, cycleMomentum: false });
  const before = s.stateDict();
  assertRejects(() => s.loadStateDict(json(withMomentum.stateDict())), TypeError, /OneCycleLR \(stateDict\.cycleMomentum is true\)/);
  assert.deepEqual(s.stateDict(), before);
  s.loadStateDict(json({ ...withMomentum.stateDict(), cycleMomentum: false, maxMomentum: null, baseMomentum: null }));
  assert.equal(s.stateDict().cycleMomentum, false);
});
