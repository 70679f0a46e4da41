// The closed-form schedulers of torch.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, LinearLR (each one's settings declared once, in its *_SETTINGS table), LambdaLR.
import { rangeError, typeError } from '../../validate.js';
import type { Optimizer } from '../optimizer.js';
import { DeclaredScheduler, LRScheduler, setting, type SettingsOf } from './base.js';

const STEP_SETTINGS = { stepSize: setting.integer(1), gamma: setting.finite(0.1) };

/** lr = lr * gamma every stepSize epochs. */
export interface StepLR extends Readonly<SettingsOf<typeof STEP_SETTINGS>> {}
export class StepLR extends DeclaredScheduler<typeof STEP_SETTINGS> {
  constructor(optimizer: Optimizer, opts: { stepSize: number; gamma?: number }) {
    super(optimizer, 'StepLR', STEP_SETTINGS, opts);
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

const MULTI_STEP_SETTINGS = { milestones: setting.sortedIntegers(0), gamma: setting.finite(0.1) };

/** lr = lr * gamma at each milestone (a milestone listed k times multiplies by gamma^k). */
export interface MultiStepLR extends Readonly<SettingsOf<typeof MULTI_STEP_SETTINGS>> {}
export class MultiStepLR extends DeclaredScheduler<typeof MULTI_STEP_SETTINGS> {
  constructor(optimizer: Optimizer, opts: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer, 'MultiStepLR', MULTI_STEP_SETTINGS, opts);
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

const EXPONENTIAL_SETTINGS = { gamma: setting.finite() };

/** lr = lr * gamma every epoch. */
export interface ExponentialLR extends Readonly<SettingsOf<typeof EXPONENTIAL_SETTINGS>> {}
export class ExponentialLR extends DeclaredScheduler<typeof EXPONENTIAL_SETTINGS> {
  constructor(optimizer: Optimizer, opts: { gamma: number }) {
    super(optimizer, 'ExponentialLR', EXPONENTIAL_SETTINGS, opts);
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

const COSINE_SETTINGS = { tMax: setting.integer(1), etaMin: setting.finite(0) };

/** Cosine annealing from the base lr to etaMin over tMax epochs (torch's recursive form on step()). */
export interface CosineAnnealingLR extends Readonly<SettingsOf<typeof COSINE_SETTINGS>> {}
export class CosineAnnealingLR extends DeclaredScheduler<typeof COSINE_SETTINGS> {
  constructor(optimizer: Optimizer, opts: { tMax: number; etaMin?: number }) {
    super(optimizer, 'CosineAnnealingLR', COSINE_SETTINGS, opts);
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

const LINEAR_SETTINGS = {
  startFactor: setting.within(0, 1, true, 1 / 3),
  endFactor: setting.within(0, 1, false, 1),
  totalIters: setting.integer(1, 5),
};

/** Linear warm-up (or decay): the factor goes from startFactor to endFactor over totalIters epochs. */
export interface LinearLR extends Readonly<SettingsOf<typeof LINEAR_SETTINGS>> {}
export class LinearLR extends DeclaredScheduler<typeof LINEAR_SETTINGS> {
  constructor(optimizer: Optimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer, 'LinearLR', LINEAR_SETTINGS, opts);
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

/**
 * lr = baseLr * lambda(epoch) (one function, or one per group). Functions cannot be saved: the state
 * dict holds everything else, and the lambdas are the ones given to the constructor of the scheduler
 * that loads it (pass the same ones again).
 */
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
  protected override get stateType(): string {
    return 'LambdaLR';
  }
}

