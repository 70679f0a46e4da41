// The LRScheduler base and what every scheduler shares (state-dict types and checks, torch's
// initial_lr, declared settings). Learning-rate schedulers with torch.optim.lr_scheduler 1.13 semantics: construction performs the
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
import { checkFinite, checkInteger, rangeError, typeError } from '../../validate.js';
import type { Optimizer } from '../optimizer.js';

export type Group = Record<string, unknown> & { lr: number };

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
export const initialLr = new WeakMap<object, number>();

export function groupsOf(optimizer: Optimizer): Group[] {
  if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) throw typeError('an Optimizer', 'optimizer', optimizer);
  return optimizer.paramGroups as unknown as Group[];
}

export function perGroup(v: number | readonly number[], n: number, name: string): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw rangeError(`a number or an array of ${n} numbers`, name, v);
    v.forEach((x, i) => checkFinite(x, `${name}[${i}]`));
    return v.slice();
  }
  checkFinite(v, name);
  return new Array(n).fill(v);
}

/** The name of setting `key`: bare in a constructor (at = ''), `stateDict.key` in a state dict. */
export function field(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}

/** Checks that `sd` is an object written by a `type` scheduler. */
export function stateObject(sd: unknown, at: string, type: string): Record<string, unknown> {
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw typeError(`a ${type} state dict (an object)`, at, sd);
  const t = (sd as Record<string, unknown>).type;
  if (t !== type) throw (typeof t === 'string' ? rangeError : typeError)(`'${type}' (a ${type} state dict)`, field(at, 'type'), t);
  return sd as Record<string, unknown>;
}

/** An array of n finite numbers, one per parameter group (copied). */
export function groupArray(v: unknown, n: number, name: string): number[] {
  if (!Array.isArray(v)) throw typeError(`an array of ${n} finite numbers (one per parameter group)`, name, v);
  if (v.length !== n) throw rangeError(`an array of ${n} finite numbers (one per parameter group)`, name, v);
  v.forEach((x, i) => checkFinite(x, `${name}[${i}]`));
  return v.slice();
}

export function integers(v: unknown, name: string, min: number): number[] {
  if (!Array.isArray(v)) throw typeError('an array of integers', name, v);
  v.forEach((m, i) => checkInteger(m, `${name}[${i}]`, min));
  return v.slice();
}

/** Validates a child's state dict and returns what restores it (protected: reached through a cast). */
export function parseChild(s: LRScheduler, sd: unknown, at: string): () => void {
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


// ---- settings declared once ------------------------------------------------------------------------

/** Checks one setting (named `name`: bare in a constructor, `stateDict.<key>` in a state dict) and returns its value. */
export type SettingCheck<T> = (v: unknown, name: string) => T;

/** A setting: its check and, for constructor options, its default (none: required). */
export interface Setting<T> {
  readonly check: SettingCheck<T>;
  readonly default?: T;
}

/** Each setting's value type. */
export type SettingsOf<D> = { -readonly [K in keyof D]: D[K] extends Setting<infer T> ? T : never };

export const setting = {
  finite: (dflt?: number): Setting<number> => ({ check: (v, name) => (checkFinite(v, name), v), default: dflt }),
  integer: (min: number, dflt?: number): Setting<number> => ({ check: (v, name) => (checkInteger(v, name, min), v), default: dflt }),
  /** A finite number in [lo, hi], or (lo, hi] with openLo. */
  within: (lo: number, hi: number, openLo: boolean, dflt?: number): Setting<number> => ({
    check: (v, name) => {
      checkFinite(v, name);
      if (!((openLo ? v > lo : v >= lo) && v <= hi)) throw rangeError(`a number in ${openLo ? '(' : '['}${lo}, ${hi}]`, name, v);
      return v;
    },
    default: dflt,
  }),
  /** Integers >= min, sorted ascending (a copy). */
  sortedIntegers: (min: number): Setting<number[]> => ({ check: (v, name) => integers(v, name, min).sort((a, b) => a - b) }),
};

/**
 * A scheduler whose settings are declared once, as a table of Settings: the constructor checks the
 * options against it (defaults filled in), stateDict() writes every setting, loadStateDict() checks
 * and restores them with the same table (no defaults there: a missing field is an error). The
 * settings become readonly properties: declare `interface X extends Readonly<SettingsOf<typeof X_SETTINGS>> {}`.
 */
export abstract class DeclaredScheduler<D extends Record<string, Setting<unknown>>> extends LRScheduler {
  readonly #type: string;
  readonly #declared: D;

  protected constructor(optimizer: Optimizer, type: string, declared: D, options: Record<string, unknown> | undefined) {
    super(optimizer);
    this.#type = type;
    this.#declared = declared;
    Object.assign(this, this.#parse(options ?? {}, '', true));
  }

  #parse(values: Record<string, unknown>, at: string, defaults: boolean): SettingsOf<D> {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(this.#declared)) {
      const v = values[k] === undefined && defaults ? s.default : values[k];
      out[k] = s.check(v, field(at, k));
    }
    return out as SettingsOf<D>;
  }

  protected override get stateType(): string {
    return this.#type;
  }
  protected override saveSettings(): Record<string, StateValue> {
    const self = this as unknown as Record<string, StateValue>;
    return Object.fromEntries(Object.keys(this.#declared).map((k) => [k, Array.isArray(self[k]) ? (self[k] as StateValue[]).slice() : self[k]]));
  }
  protected override parseSettings(sd: Record<string, unknown>, at: string): () => void {
    const s = this.#parse(sd, at, false);
    return () => Object.assign(this, s);
  }
}
