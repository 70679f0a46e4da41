// Learning-rate schedulers with torch.optim.lr_scheduler 1.13 semantics: construction performs the
// initial step (lastEpoch 0), step() advances one epoch and writes paramGroups[i].lr; the chainable
// (recursive) forms are used on step() and the closed forms on step(epoch), as torch does, so the
// values match torch's to the last bit of double arithmetic. ReduceLROnPlateau is driven by a
// metric: step(metric).
//
// Saving and resuming (torch's state_dict / load_state_dict): stateDict() returns a plain JSON value
// with the class name (`type`), the counters, baseLrs, the last lrs and the settings; loadStateDict()
// validates all of it first (TypeError / RangeError naming the field, nothing changed on a throw) and
// then restores it, settings included, as torch does. The order is torch's: construct the optimizer
// and the schedulers as at the start, then optimizer.loadStateDict(), then scheduler.loadStateDict().
// loadStateDict() deliberately does NOT write paramGroups[i].lr (nor OneCycleLR's momentum / betas):
// the optimizer's own state dict restores those, and the chainable forms continue from the group's
// lr, so several schedulers stepping the same optimizer (or an lr the user set on purpose) resume
// exactly; it only restores torch's group['initial_lr'] (kept beside the groups here, see below).
// There is no `lastEpoch` constructor option (torch's last_epoch != -1): torch requires
// group['initial_lr'] for it, which its optimizer's state dict carries, but here the initial lr is
// not part of a parameter group (the optimizer rejects unknown group options and its stateDict() does
// not hold it), so after a restart that rule could never be met; loadStateDict() is the way to resume.
import { checkBoolean, checkFinite, checkInteger, rangeError, typeError } from '../validate.js';
import type { Optimizer } from './optimizer.js';
import type { Pair } from './options.js';

type Group = Record<string, unknown> & { lr: number };

/** A plain JSON value (what every scheduler state dict is made of). */
export type StateValue = number | string | boolean | null | readonly StateValue[] | { readonly [key: string]: StateValue };

/** What LRScheduler.stateDict() returns: these fields plus the class's settings (stepSize, gamma, ...). */
export interface LRSchedulerStateDict {
  /** The class that wrote it ('StepLR', ...); loadStateDict() takes only its own class's. */
  type: string;
  lastEpoch: number;
  /** Number of step() calls, the initial step included (torch's _step_count). */
  stepCount: number;
  baseLrs: number[];
  /** The lrs of the last step (getLastLr()). */
  lastLr: number[];
  [setting: string]: StateValue;
}

/** SequentialLR.stateDict(): its own counters plus every child scheduler's state dict, in order. */
export interface SequentialLRStateDict {
  type: 'SequentialLR';
  lastEpoch: number;
  milestones: number[];
  lastLr: number[];
  schedulers: LRSchedulerStateDict[];
}

/** ReduceLROnPlateau.stateDict(): settings and counters; a best of ±Infinity is the string 'Infinity' / '-Infinity'. */
export interface PlateauStateDict {
  type: 'ReduceLROnPlateau';
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  eps: number;
  minLrs: number[];
  best: number | 'Infinity' | '-Infinity';
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
}

/**
 * torch's group['initial_lr'], set by the first scheduler attached to a group. torch keeps it in the
 * group (so the optimizer's state dict carries it); here it lives beside the group, and a
 * scheduler's loadStateDict() restores it from the scheduler's baseLrs.
 */
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

/** The name of setting `key`: bare in a constructor (at = ''), `stateDict.key` in a state dict. */
function field(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}

/** Checks that `sd` is an object written by a `type` scheduler. */
function stateObject(sd: unknown, at: string, type: string): Record<string, unknown> {
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw typeError(`a ${type} state dict (an object)`, at, sd);
  const t = (sd as Record<string, unknown>).type;
  if (t !== type) throw (typeof t === 'string' ? rangeError : typeError)(`'${type}' (a ${type} state dict)`, field(at, 'type'), t);
  return sd as Record<string, unknown>;
}

/** An array of n finite numbers, one per parameter group (copied). */
function groupArray(v: unknown, n: number, name: string): number[] {
  if (!Array.isArray(v)) throw typeError(`an array of ${n} finite numbers (one per parameter group)`, name, v);
  if (v.length !== n) throw rangeError(`an array of ${n} finite numbers (one per parameter group)`, name, v);
  v.forEach((x, i) => checkFinite(x, `${name}[${i}]`));
  return v.slice();
}

function integers(v: unknown, name: string, min: number): number[] {
  if (!Array.isArray(v)) throw typeError('an array of integers', name, v);
  v.forEach((m, i) => checkInteger(m, `${name}[${i}]`, min));
  return v.slice();
}

/** Validates a child's state dict and returns what restores it (protected: reached through a cast). */
function parseChild(s: LRScheduler, sd: unknown, at: string): () => void {
  return (s as unknown as { parseStateDict(sd: unknown, at: string): () => void }).parseStateDict(sd, at);
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

  /** The `type` of this class's state dicts (the built-in classes name themselves). */
  protected get stateType(): string {
    return this.constructor.name;
  }

  /** The class's own settings and counters, as plain JSON values (none by default). */
  protected saveSettings(): Record<string, StateValue> {
    return {};
  }

  /** Validates the class's part of a state dict (names under `at`) and returns what restores it. */
  protected parseSettings(_sd: Record<string, unknown>, _at: string): () => void {
    return () => {};
  }

  /** Everything needed to resume, as a plain JSON-serialisable object (a copy). */
  stateDict(): LRSchedulerStateDict {
    const base = { type: this.stateType, lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: this.baseLrs.slice(), lastLr: this.lastLr.slice() };
    // The base fields first and last: a setting can never shadow them.
    return { ...base, ...this.saveSettings(), ...base };
  }

  /**
   * Restores a stateDict() of the same class (also after JSON): counters, baseLrs, the last lrs and
   * the settings. Validates everything first; a bad field throws before anything changes. Does not
   * write the groups' lr: call the optimizer's loadStateDict() first (see the top of this file).
   */
  loadStateDict(sd: LRSchedulerStateDict): void {
    this.parseStateDict(sd, 'stateDict')();
  }

  /** Validates a state dict (field names under `at`) and returns what applies it; changes nothing itself. */
  protected parseStateDict(sd: unknown, at: string): () => void {
    const o = stateObject(sd, at, this.stateType);
    const n = this.groups.length;
    // -1: a SequentialLR child that has not started yet.
    checkInteger(o.lastEpoch, `${at}.lastEpoch`, -1);
    checkInteger(o.stepCount, `${at}.stepCount`, 0);
    const lastEpoch = o.lastEpoch, stepCount = o.stepCount;
    const baseLrs = groupArray(o.baseLrs, n, `${at}.baseLrs`);
    const lastLr = groupArray(o.lastLr, n, `${at}.lastLr`);
    const settings = this.parseSettings(o, at);
    return () => {
      this.lastEpoch = lastEpoch;
      this.stepCount = stepCount;
      this.baseLrs.splice(0, this.baseLrs.length, ...baseLrs);
      this.lastLr = lastLr;
      this.groups.forEach((g, i) => initialLr.set(g, baseLrs[i]));
      settings();
    };
  }
}

function stepSettings(v: { stepSize: unknown; gamma: unknown }, at: string): { stepSize: number; gamma: number } {
  checkInteger(v.stepSize, field(at, 'stepSize'), 1);
  checkFinite(v.gamma, field(at, 'gamma'));
  return { stepSize: v.stepSize, gamma: v.gamma };
}

/** lr = lr * gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { stepSize: number; gamma?: number }) {
    super(optimizer);
    const s = stepSettings({ stepSize: opts?.stepSize, gamma: opts?.gamma ?? 0.1 }, '');
    this.stepSize = s.stepSize;
    this.gamma = s.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
  protected override get stateType(): string {
    return 'StepLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const s = stepSettings({ stepSize: sd.stepSize, gamma: sd.gamma }, at);
    return () => Object.assign(this, s);
  }
}

function multiStepSettings(v: { milestones: unknown; gamma: unknown }, at: string): { milestones: number[]; gamma: number } {
  const milestones = integers(v.milestones, field(at, 'milestones'), 0).sort((a, b) => a - b);
  checkFinite(v.gamma, field(at, 'gamma'));
  return { milestones, gamma: v.gamma };
}

/** lr = lr * gamma at each milestone (a milestone listed k times multiplies by gamma^k). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    const s = multiStepSettings({ milestones: opts?.milestones, gamma: opts?.gamma ?? 0.1 }, '');
    this.milestones = s.milestones;
    this.gamma = s.gamma;
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
  protected override get stateType(): string {
    return 'MultiStepLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    return { milestones: this.milestones.slice(), gamma: this.gamma };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const s = multiStepSettings({ milestones: sd.milestones, gamma: sd.gamma }, at);
    return () => Object.assign(this, s);
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
  protected override get stateType(): string {
    return 'ExponentialLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    return { gamma: this.gamma };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const gamma = sd.gamma;
    checkFinite(gamma, field(at, 'gamma'));
    return () => Object.assign(this, { gamma });
  }
}

function cosineSettings(v: { tMax: unknown; etaMin: unknown }, at: string): { tMax: number; etaMin: number } {
  checkInteger(v.tMax, field(at, 'tMax'), 1);
  checkFinite(v.etaMin, field(at, 'etaMin'));
  return { tMax: v.tMax, etaMin: v.etaMin };
}

/** Cosine annealing from the base lr to etaMin over tMax epochs (torch's recursive form on step()). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, opts: { tMax: number; etaMin?: number }) {
    super(optimizer);
    const s = cosineSettings({ tMax: opts?.tMax, etaMin: opts?.etaMin ?? 0 }, '');
    this.tMax = s.tMax;
    this.etaMin = s.etaMin;
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
  protected override get stateType(): string {
    return 'CosineAnnealingLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const s = cosineSettings({ tMax: sd.tMax, etaMin: sd.etaMin }, at);
    return () => Object.assign(this, s);
  }
}

function linearSettings(v: { startFactor: unknown; endFactor: unknown; totalIters: unknown }, at: string): { startFactor: number; endFactor: number; totalIters: number } {
  const { startFactor, endFactor, totalIters } = v;
  checkFinite(startFactor, field(at, 'startFactor'));
  if (!(startFactor > 0 && startFactor <= 1)) throw rangeError('a number in (0, 1]', field(at, 'startFactor'), startFactor);
  checkFinite(endFactor, field(at, 'endFactor'));
  if (!(endFactor >= 0 && endFactor <= 1)) throw rangeError('a number in [0, 1]', field(at, 'endFactor'), endFactor);
  checkInteger(totalIters, field(at, 'totalIters'), 1);
  return { startFactor, endFactor, totalIters };
}

/** Linear warm-up (or decay): the factor goes from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    const s = linearSettings({ startFactor: opts.startFactor ?? 1 / 3, endFactor: opts.endFactor ?? 1, totalIters: opts.totalIters ?? 5 }, '');
    this.startFactor = s.startFactor;
    this.endFactor = s.endFactor;
    this.totalIters = s.totalIters;
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
  protected override get stateType(): string {
    return 'LinearLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const s = linearSettings({ startFactor: sd.startFactor, endFactor: sd.endFactor, totalIters: sd.totalIters }, at);
    return () => Object.assign(this, s);
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

/** What OneCycleLR keeps besides the base counters (all of it in its state dict). */
interface OneCycleSettings {
  totalSteps: number;
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  threePhase: boolean;
  maxLrs: number[];
  minLrs: number[];
  /** Per group, null without cycleMomentum. */
  maxMomentum: number[] | null;
  baseMomentum: number[] | null;
}

function oneCycleShape(v: { pctStart: unknown; annealStrategy: unknown; cycleMomentum: unknown; threePhase: unknown }, at: string): Pick<OneCycleSettings, 'pctStart' | 'annealStrategy' | 'cycleMomentum' | 'threePhase'> {
  const { pctStart: pct, annealStrategy: strategy, cycleMomentum: cycle, threePhase: three } = v;
  checkFinite(pct, field(at, 'pctStart'));
  if (!(pct >= 0 && pct <= 1)) throw rangeError('a number in [0, 1]', field(at, 'pctStart'), pct);
  if (strategy !== 'cos' && strategy !== 'linear') throw rangeError("'cos' or 'linear'", field(at, 'annealStrategy'), strategy);
  checkBoolean(cycle, field(at, 'cycleMomentum'));
  checkBoolean(three, field(at, 'threePhase'));
  return { pctStart: pct, annealStrategy: strategy, cycleMomentum: cycle, threePhase: three };
}

/** True if momentum cycling writes betas[0] (Adam-like), false for momentum; throws if cycling needs either and the optimizer has neither. */
function usesBeta1(groups: Group[], cycle: boolean, at: string): boolean {
  const useBeta1 = Array.isArray((groups[0] as Record<string, unknown>).betas);
  if (cycle && !useBeta1 && typeof (groups[0] as Record<string, unknown>).momentum !== 'number') {
    const why = at ? ` (${field(at, 'cycleMomentum')} is true)` : ' with cycleMomentum';
    throw new TypeError(`Expected an optimizer with a momentum or betas option for OneCycleLR${why} but received one without`);
  }
  return useBeta1;
}

/** The 1cycle policy: lr warms up to maxLr then anneals to maxLr / divFactor / finalDivFactor; momentum (or beta1) cycles inversely. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private settings!: OneCycleSettings;
  private phases!: { end: number; lr: [string, string]; mom: [string, string] }[];
  private anneal!: (a: number, b: number, pct: number) => number;
  private readonly useBeta1: boolean;
  private values!: Record<string, number>[];

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
    const shape = oneCycleShape({ pctStart: o.pctStart ?? 0.3, annealStrategy: o.annealStrategy ?? 'cos', cycleMomentum: o.cycleMomentum ?? true, threePhase: o.threePhase ?? false }, '');
    const cycle = shape.cycleMomentum;
    const div = o.divFactor ?? 25, finalDiv = o.finalDivFactor ?? 1e4;
    checkFinite(div, 'divFactor');
    checkFinite(finalDiv, 'finalDivFactor');
    const n = groups.length;
    const maxLrs = perGroup(o.maxLr, n, 'maxLr');
    const initials = maxLrs.map((m) => m / div);
    const useBeta1 = usesBeta1(groups, cycle, '');
    const maxM = perGroup(o.maxMomentum ?? 0.95, n, 'maxMomentum'), baseM = perGroup(o.baseMomentum ?? 0.85, n, 'baseMomentum');
    // torch writes initial_lr, lr and the starting momentum into the groups before the base init.
    groups.forEach((g, i) => {
      initialLr.set(g, initials[i]);
      g.lr = initials[i];
      if (cycle) {
        if (useBeta1) g.betas = [maxM[i], (g.betas as Pair)[1]];
        else g.momentum = maxM[i];
      }
    });
    super(optimizer);
    this.totalSteps = total;
    this.useBeta1 = useBeta1;
    this.configure({
      totalSteps: total,
      ...shape,
      maxLrs,
      minLrs: initials.map((x) => x / finalDiv),
      maxMomentum: cycle ? maxM : null,
      baseMomentum: cycle ? baseM : null,
    });
    this.initialStep();
  }

  /** Sets the phases and each group's anchor values (initial_lr from baseLrs, as torch's group['initial_lr']). */
  private configure(s: OneCycleSettings): void {
    const total = s.totalSteps, pct = s.pctStart;
    Object.assign(this, { totalSteps: total });
    this.settings = s;
    this.values = s.maxLrs.map((maxLr, i) => {
      const v: Record<string, number> = { initial_lr: this.baseLrs[i], max_lr: maxLr, min_lr: s.minLrs[i] };
      if (s.maxMomentum && s.baseMomentum) {
        v.max_momentum = s.maxMomentum[i];
        v.base_momentum = s.baseMomentum[i];
      }
      return v;
    });
    this.anneal = s.annealStrategy === 'cos' ? (a, b, p) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1) : (a, b, p) => (b - a) * p + a;
    this.phases = s.threePhase
      ? [
          { end: pct * total - 1, lr: ['initial_lr', 'max_lr'], mom: ['max_momentum', 'base_momentum'] },
          { end: 2 * pct * total - 2, lr: ['max_lr', 'initial_lr'], mom: ['base_momentum', 'max_momentum'] },
          { end: total - 1, lr: ['initial_lr', 'min_lr'], mom: ['max_momentum', 'max_momentum'] },
        ]
      : [
          { end: pct * total - 1, lr: ['initial_lr', 'max_lr'], mom: ['max_momentum', 'base_momentum'] },
          { end: total - 1, lr: ['max_lr', 'min_lr'], mom: ['base_momentum', 'max_momentum'] },
        ];
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new RangeError(`Tried to step ${step} times; OneCycleLR was set up for totalSteps = ${this.totalSteps}`);
    const cycleMomentum = this.settings.cycleMomentum;
    return this.groups.map((g, gi) => {
      const v = this.values[gi];
      let start = 0, lr = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.end || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.end - start);
          lr = this.anneal(v[ph.lr[0]], v[ph.lr[1]], pct);
          if (cycleMomentum) {
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

  protected override get stateType(): string {
    return 'OneCycleLR';
  }
  protected override saveSettings(): Record<string, StateValue> {
    const s = this.settings;
    return {
      totalSteps: s.totalSteps,
      pctStart: s.pctStart,
      annealStrategy: s.annealStrategy,
      cycleMomentum: s.cycleMomentum,
      threePhase: s.threePhase,
      maxLrs: s.maxLrs.slice(),
      minLrs: s.minLrs.slice(),
      maxMomentum: s.maxMomentum && s.maxMomentum.slice(),
      baseMomentum: s.baseMomentum && s.baseMomentum.slice(),
    };
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const n = this.groups.length;
    checkInteger(sd.totalSteps, field(at, 'totalSteps'), 1);
    const totalSteps = sd.totalSteps;
    const shape = oneCycleShape({ pctStart: sd.pctStart, annealStrategy: sd.annealStrategy, cycleMomentum: sd.cycleMomentum, threePhase: sd.threePhase }, at);
    const maxLrs = groupArray(sd.maxLrs, n, field(at, 'maxLrs'));
    const minLrs = groupArray(sd.minLrs, n, field(at, 'minLrs'));
    let maxMomentum: number[] | null = null, baseMomentum: number[] | null = null;
    if (shape.cycleMomentum) {
      // The saved state may cycle momentum where this scheduler's constructor did not.
      usesBeta1(this.groups, true, at);
      maxMomentum = groupArray(sd.maxMomentum, n, field(at, 'maxMomentum'));
      baseMomentum = groupArray(sd.baseMomentum, n, field(at, 'baseMomentum'));
    }
    const s: OneCycleSettings = { totalSteps, ...shape, maxLrs, minLrs, maxMomentum, baseMomentum };
    // The base restores baseLrs before this runs; configure() reads them.
    return () => this.configure(s);
  }
}

/** Runs schedulers one after another, switching at the milestones (torch's SequentialLR). */
export class SequentialLR {
  readonly optimizer: Optimizer;
  lastEpoch: number;
  private readonly schedulers: LRScheduler[];
  private milestones: number[];
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

  /** Its own counters plus each child scheduler's stateDict(), as plain JSON (torch's layout). */
  stateDict(): SequentialLRStateDict {
    return {
      type: 'SequentialLR',
      lastEpoch: this.lastEpoch,
      milestones: this.milestones.slice(),
      lastLr: this.lastLr.slice(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /**
   * Restores a SequentialLR stateDict() into this one and its children (the same classes, in the
   * same order). Every field, the children's included, is validated before anything changes.
   * Does not write the groups' lr (restore the optimizer first).
   */
  loadStateDict(sd: SequentialLRStateDict): void {
    const at = 'stateDict';
    const o = stateObject(sd, at, 'SequentialLR');
    const k = this.schedulers.length;
    checkInteger(o.lastEpoch, `${at}.lastEpoch`, 0);
    const lastEpoch = o.lastEpoch;
    const milestones = integers(o.milestones, `${at}.milestones`, 0);
    if (milestones.length !== k - 1) throw rangeError(`an array of ${k - 1} integers`, `${at}.milestones`, o.milestones);
    const lastLr = groupArray(o.lastLr, this.optimizer.paramGroups.length, `${at}.lastLr`);
    if (!Array.isArray(o.schedulers)) throw typeError(`an array of ${k} scheduler state dicts`, `${at}.schedulers`, o.schedulers);
    if (o.schedulers.length !== k) throw rangeError(`an array of ${k} scheduler state dicts`, `${at}.schedulers`, o.schedulers);
    const children = this.schedulers.map((s, i) => parseChild(s, (o.schedulers as unknown[])[i], `${at}.schedulers[${i}]`));
    this.lastEpoch = lastEpoch;
    this.milestones = milestones;
    this.lastLr = lastLr;
    for (const restore of children) restore();
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

type PlateauSettings = Required<Omit<PlateauOptions, 'minLr'>>;

function plateauSettings(o: Record<string, unknown>, at: string): PlateauSettings {
  const { mode, factor, patience, threshold, thresholdMode, cooldown, eps } = o;
  if (mode !== 'min' && mode !== 'max') throw rangeError("'min' or 'max'", field(at, 'mode'), mode);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw rangeError("'rel' or 'abs'", field(at, 'thresholdMode'), thresholdMode);
  checkFinite(factor, field(at, 'factor'));
  if (!(factor < 1)) throw rangeError('a number < 1', field(at, 'factor'), factor);
  checkInteger(patience, field(at, 'patience'), 0);
  checkInteger(cooldown, field(at, 'cooldown'), 0);
  checkFinite(threshold, field(at, 'threshold'));
  checkFinite(eps, field(at, 'eps'));
  return { mode, factor, patience, threshold, thresholdMode, cooldown, eps };
}

/** A plateau's best as stateDict() writes it: a finite number, or 'Infinity' / '-Infinity'. */
function parseBest(v: unknown, name: string): number {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const what = "a finite number, 'Infinity' or '-Infinity'";
  if (typeof v !== 'number') throw typeError(what, name, v);
  if (!Number.isFinite(v)) throw rangeError(what, name, v);
  return v;
}

/** Multiplies lr by factor when the metric has not improved for more than `patience` epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private o: PlateauSettings;
  private minLrs: number[];

  constructor(optimizer: Optimizer, opts: PlateauOptions = {}) {
    const groups = groupsOf(optimizer);
    this.optimizer = optimizer;
    this.o = plateauSettings({ mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, eps: 1e-8, ...opts }, '');
    this.minLrs = perGroup(opts.minLr ?? 0, groups.length, 'minLr');
    this.best = this.o.mode === 'min' ? Infinity : -Infinity;
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

  /**
   * Settings and counters as plain JSON. best starts at +Infinity ('min') or -Infinity ('max'),
   * which JSON cannot hold: a non-finite best is written as the string 'Infinity' or '-Infinity'.
   */
  stateDict(): PlateauStateDict {
    const b = this.best;
    return {
      type: 'ReduceLROnPlateau',
      ...this.o,
      minLrs: this.minLrs.slice(),
      best: Number.isFinite(b) ? b : b > 0 ? 'Infinity' : '-Infinity',
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
    };
  }

  /**
   * Restores a ReduceLROnPlateau stateDict() (settings included, as torch); validates everything
   * first. The lrs are the groups' own: restore them with the optimizer's loadStateDict().
   */
  loadStateDict(sd: PlateauStateDict): void {
    const at = 'stateDict';
    const o = stateObject(sd, at, 'ReduceLROnPlateau');
    const settings = plateauSettings(o, at);
    const minLrs = groupArray(o.minLrs, this.optimizer.paramGroups.length, `${at}.minLrs`);
    const best = parseBest(o.best, `${at}.best`);
    checkInteger(o.numBadEpochs, `${at}.numBadEpochs`, 0);
    checkInteger(o.cooldownCounter, `${at}.cooldownCounter`, 0);
    checkInteger(o.lastEpoch, `${at}.lastEpoch`, 0);
    this.o = settings;
    this.minLrs = minLrs;
    this.best = best;
    this.numBadEpochs = o.numBadEpochs;
    this.cooldownCounter = o.cooldownCounter;
    this.lastEpoch = o.lastEpoch;
  }
}
