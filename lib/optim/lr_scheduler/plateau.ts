// ReduceLROnPlateau: lr times factor when a metric stops improving (torch's ReduceLROnPlateau).
import { checkFinite, checkInteger, rangeError, typeError } from '../../validate.js';
import type { Optimizer } from '../optimizer.js';
import { field, groupArray, groupsOf, perGroup, stateObject, type Group, type PlateauStateDict } from './base.js';

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
