// OneCycleLR: the 1cycle policy (torch.optim.lr_scheduler.OneCycleLR 1.13), lr and momentum (or beta1).
import { checkBoolean, checkFinite, checkInteger, rangeError } from '../../validate.js';
import type { Optimizer } from '../optimizer.js';
import type { Pair } from '../options.js';
import { field, groupArray, groupsOf, initialLr, LRScheduler, perGroup, type Group, type StateValue } from './base.js';

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
    // Every OneCycleSettings field (the arrays copied).
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? v.slice() : v])) as Record<string, StateValue>;
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

