// Learning-rate schedulers with torch.optim.lr_scheduler 1.13 semantics: construction performs the
// initial step (lastEpoch 0), step() advances one epoch and writes paramGroups[i].lr; the chainable
// (recursive) forms are used on step() and the closed forms on step(epoch), as torch does, so the
// values match torch's to the last bit of double arithmetic. Schedulers only start fresh (torch's
// last_epoch = -1). ReduceLROnPlateau is driven by a metric: step(metric).
import { checkBoolean, checkFinite, checkInteger, rangeError, typeError } from '../validate.js';
import type { Optimizer } from './optimizer.js';
import type { Pair } from './options.js';

type Group = Record<string, unknown> & { lr: number };

/** torch's group['initial_lr'], set by the first scheduler attached to a group. */
const initialLr = new WeakMap<object, number>();

function groupsOf(optimizer: Optimizer): Group[] {
  if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) throw typeError('an Optimizer', 'optimizer', optimizer);
  return optimizer.paramGroups as unknown as Group[];
}

function perGroup(v: number | readonly number[], n: number, name: string): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw rangeError(`a number or an array of ${n} numbers`, name, v);
    v.forEach((x, i) => checkFinite(x, `${name}[${i}]`));
    return v.slice();
  }
  checkFinite(v, name);
  return new Array(n).fill(v);
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  readonly baseLrs: number[];
  lastEpoch = -1;
  protected stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(optimizer: Optimizer) {
    const groups = groupsOf(optimizer);
    this.optimizer = optimizer;
    for (const g of groups) if (!initialLr.has(g)) initialLr.set(g, g.lr);
    this.baseLrs = groups.map((g) => initialLr.get(g) as number);
  }

  protected get groups(): Group[] {
    return this.optimizer.paramGroups as unknown as Group[];
  }

  /** torch's _initial_step(): called at the end of every subclass constructor. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The chainable form (from the groups' current lr). */
  protected abstract getLr(): number[];

  /** The closed form at lastEpoch, where torch has one (used by step(epoch)). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Advances one epoch (or jumps to `epoch`, using the closed form) and writes each group's lr. */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      checkInteger(epoch, 'epoch', 0);
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = values.slice();
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }
}

/** lr = lr * gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkInteger(opts?.stepSize, 'stepSize', 1);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    checkFinite(this.gamma, 'gamma');
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** lr = lr * gamma at each milestone (a milestone listed k times multiplies by gamma^k). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    if (!Array.isArray(opts?.milestones)) throw typeError('an array of integers', 'milestones', opts?.milestones);
    opts.milestones.forEach((m, i) => checkInteger(m, `milestones[${i}]`, 0));
    this.milestones = opts.milestones.slice().sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    checkFinite(this.gamma, 'gamma');
    this.initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** lr = lr * gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { gamma: number }) {
    super(optimizer);
    checkFinite(opts?.gamma, 'gamma');
    this.gamma = opts.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/** Cosine annealing from the base lr to etaMin over tMax epochs (torch's recursive form on step()). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, opts: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkInteger(opts?.tMax, 'tMax', 1);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    checkFinite(this.etaMin, 'etaMin');
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, m = this.etaMin;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => m + ((b - m) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if ((e - 1 - T) % (2 * T) === 0) return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - m) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - m) + m);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/** Linear warm-up (or decay): the factor goes from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    checkFinite(this.startFactor, 'startFactor');
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw rangeError('a number in (0, 1]', 'startFactor', this.startFactor);
    checkFinite(this.endFactor, 'endFactor');
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw rangeError('a number in [0, 1]', 'endFactor', this.endFactor);
    checkInteger(this.totalIters, 'totalIters', 1);
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, f = this.endFactor, n = this.totalIters;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
  protected override closedFormLr(): number[] {
    const s = this.startFactor, f = this.endFactor, n = this.totalIters;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/** lr = baseLr * lambda(epoch) (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer, opts: { lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[] }) {
    super(optimizer);
    const l = opts?.lrLambda;
    const n = this.baseLrs.length;
    if (Array.isArray(l)) {
      if (l.length !== n) throw rangeError(`a function or an array of ${n} functions`, 'lrLambda', l);
      l.forEach((f, i) => { if (typeof f !== 'function') throw typeError('a function', `lrLambda[${i}]`, f); });
      this.lambdas = l.slice();
    } else {
      if (typeof l !== 'function') throw typeError('a function or an array of functions', 'lrLambda', l);
      this.lambdas = new Array(n).fill(l);
    }
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lambdas[i](this.lastEpoch));
  }
}

export interface OneCycleOptions {
  maxLr: number | readonly number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

/** The 1cycle policy: lr warms up to maxLr then anneals to maxLr / divFactor / finalDivFactor; momentum (or beta1) cycles inversely. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: { end: number; lr: [string, string]; mom: [string, string] }[];
  private readonly anneal: (a: number, b: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;
  private readonly values: Record<string, number>[];

  constructor(optimizer: Optimizer, opts: OneCycleOptions) {
    const groups = groupsOf(optimizer);
    const o = opts ?? ({} as OneCycleOptions);
    let total: number;
    if (o.totalSteps !== undefined) {
      checkInteger(o.totalSteps, 'totalSteps', 1);
      total = o.totalSteps;
    } else {
      checkInteger(o.epochs, 'epochs', 1);
      checkInteger(o.stepsPerEpoch, 'stepsPerEpoch', 1);
      total = o.epochs * o.stepsPerEpoch;
    }
    const pct = o.pctStart ?? 0.3;
    checkFinite(pct, 'pctStart');
    if (!(pct >= 0 && pct <= 1)) throw rangeError('a number in [0, 1]', 'pctStart', pct);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw rangeError("'cos' or 'linear'", 'annealStrategy', strategy);
    const cycle = o.cycleMomentum ?? true;
    checkBoolean(cycle, 'cycleMomentum');
    const three = o.threePhase ?? false;
    checkBoolean(three, 'threePhase');
    const div = o.divFactor ?? 25, finalDiv = o.finalDivFactor ?? 1e4;
    checkFinite(div, 'divFactor');
    checkFinite(finalDiv, 'finalDivFactor');
    const n = groups.length;
    const maxLrs = perGroup(o.maxLr, n, 'maxLr');
    const values = groups.map((_, i) => {
      const initial = maxLrs[i] / div;
      return { initial_lr: initial, max_lr: maxLrs[i], min_lr: initial / finalDiv } as Record<string, number>;
    });
    const useBeta1 = Array.isArray((groups[0] as Record<string, unknown>).betas);
    if (cycle && !useBeta1 && typeof (groups[0] as Record<string, unknown>).momentum !== 'number') {
      throw new TypeError('Expected an optimizer with a momentum or betas option for OneCycleLR with cycleMomentum but received one without');
    }
    const maxM = perGroup(o.maxMomentum ?? 0.95, n, 'maxMomentum'), baseM = perGroup(o.baseMomentum ?? 0.85, n, 'baseMomentum');
    // torch writes initial_lr, lr and the starting momentum into the groups before the base init.
    groups.forEach((g, i) => {
      initialLr.set(g, values[i].initial_lr);
      g.lr = values[i].initial_lr;
      if (cycle) {
        values[i].max_momentum = maxM[i];
        values[i].base_momentum = baseM[i];
        if (useBeta1) g.betas = [maxM[i], (g.betas as Pair)[1]];
        else g.momentum = maxM[i];
      }
    });
    super(optimizer);
    this.totalSteps = total;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.values = values;
    this.anneal = strategy === 'cos' ? (a, b, p) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1) : (a, b, p) => (b - a) * p + a;
    this.phases = three
      ? [
          { end: pct * total - 1, lr: ['initial_lr', 'max_lr'], mom: ['max_momentum', 'base_momentum'] },
          { end: 2 * pct * total - 2, lr: ['max_lr', 'initial_lr'], mom: ['base_momentum', 'max_momentum'] },
          { end: total - 1, lr: ['initial_lr', 'min_lr'], mom: ['max_momentum', 'max_momentum'] },
        ]
      : [
          { end: pct * total - 1, lr: ['initial_lr', 'max_lr'], mom: ['max_momentum', 'base_momentum'] },
          { end: total - 1, lr: ['max_lr', 'min_lr'], mom: ['base_momentum', 'max_momentum'] },
        ];
    this.initialStep();
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new RangeError(`Tried to step ${step} times; OneCycleLR was set up for totalSteps = ${this.totalSteps}`);
    return this.groups.map((g, gi) => {
      const v = this.values[gi];
      let start = 0, lr = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.end || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.end - start);
          lr = this.anneal(v[ph.lr[0]], v[ph.lr[1]], pct);
          if (this.cycleMomentum) {
            const m = this.anneal(v[ph.mom[0]], v[ph.mom[1]], pct);
            if (this.useBeta1) g.betas = [m, (g.betas as Pair)[1]];
            else g.momentum = m;
          }
          break;
        }
        start = ph.end;
      }
      return lr;
    });
  }
}

/** Runs schedulers one after another, switching at the milestones (torch's SequentialLR). */
export class SequentialLR {
  readonly optimizer: Optimizer;
  lastEpoch: number;
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];
  private lastLr: number[];

  constructor(optimizer: Optimizer, opts: { schedulers: readonly LRScheduler[]; milestones: readonly number[] }) {
    const groups = groupsOf(optimizer);
    const s = opts?.schedulers;
    if (!Array.isArray(s) || s.length === 0) throw typeError('a non-empty array of LR schedulers', 'schedulers', s);
    s.forEach((x, i) => {
      if (!(x instanceof LRScheduler)) throw typeError('an LRScheduler', `schedulers[${i}]`, x);
      if (x.optimizer !== optimizer) throw new RangeError(`Expected schedulers[${i}] to belong to the same optimizer as SequentialLR`);
    });
    if (!Array.isArray(opts.milestones) || opts.milestones.length !== s.length - 1) {
      throw rangeError(`an array of ${s.length - 1} integers`, 'milestones', opts.milestones);
    }
    opts.milestones.forEach((m, i) => checkInteger(m, `milestones[${i}]`, 0));
    this.optimizer = optimizer;
    this.schedulers = s.slice();
    this.milestones = opts.milestones.slice();
    this.lastEpoch = 0;
    for (const g of groups) g.lr = initialLr.get(g) as number;
    for (const x of this.schedulers) x.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }
}

export interface PlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | readonly number[];
  eps?: number;
}

/** Multiplies lr by factor when the metric has not improved for more than `patience` epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private readonly o: Required<Omit<PlateauOptions, 'minLr'>>;
  private readonly minLrs: number[];

  constructor(optimizer: Optimizer, opts: PlateauOptions = {}) {
    const groups = groupsOf(optimizer);
    this.optimizer = optimizer;
    const o = { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, eps: 1e-8, ...opts } as Required<Omit<PlateauOptions, 'minLr'>> & { minLr?: unknown };
    if (o.mode !== 'min' && o.mode !== 'max') throw rangeError("'min' or 'max'", 'mode', o.mode);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') throw rangeError("'rel' or 'abs'", 'thresholdMode', o.thresholdMode);
    checkFinite(o.factor, 'factor');
    if (!(o.factor < 1)) throw rangeError('a number < 1', 'factor', o.factor);
    checkInteger(o.patience, 'patience', 0);
    checkInteger(o.cooldown, 'cooldown', 0);
    checkFinite(o.threshold, 'threshold');
    checkFinite(o.eps, 'eps');
    delete o.minLr;
    this.o = o;
    this.minLrs = perGroup(opts.minLr ?? 0, groups.length, 'minLr');
    this.best = o.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode: tm, threshold: th } = this.o;
    if (mode === 'min') return tm === 'rel' ? a < best * (1 - th) : a < best - th;
    return tm === 'rel' ? a > best * (th + 1) : a > best + th;
  }

  /** Records one epoch's metric; reduces the lr of every group when it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number') throw typeError('a number', 'metric', metric);
    this.lastEpoch++;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.o.patience) {
      (this.optimizer.paramGroups as unknown as Group[]).forEach((g, i) => {
        const old = g.lr, next = Math.max(old * this.o.factor, this.minLrs[i]);
        if (old - next > this.o.eps) g.lr = next;
      });
      this.cooldownCounter = this.o.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return (this.optimizer.paramGroups as unknown as Group[]).map((g) => g.lr);
  }
}
