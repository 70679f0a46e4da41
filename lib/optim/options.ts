// Hyper-parameter checks shared by every optimizer: one checker per option name (torch.optim's
// names, camelCased), each throwing TypeError (wrong type) or RangeError (bad value) with the message
// "Expected <what> for <name> but received <value>".
import { checkBoolean, checkNumber, rangeError, typeError } from '../validate.js';

/** A value that follows a schedule: called with the optimizer's step count t (0 for the first step). */
export type Schedule<T = number> = (t: number) => T;

export type Pair = readonly [number, number];
export type HyperValue = number | boolean | Pair;

/** Hyper-parameters of the Adam-like optimizers (Adam, AdamW, Adamax, NAdam, RAdam); each adds its own. */
export interface BetasHyper {
  [k: string]: HyperValue;
  lr: number;
  betas: Pair;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Options of the Adam-like optimizers: a number or a Schedule for each numeric one. */
export interface BetasOptions {
  lr?: number | Schedule;
  betas?: Pair | Schedule<Pair>;
  eps?: number | Schedule;
  weightDecay?: number | Schedule;
  maximize?: boolean;
  skipNonFinite?: boolean;
}

function finite(v: unknown, name: string): asserts v is number {
  checkNumber(v, name);
  if (!Number.isFinite(v)) throw rangeError('a finite number', name, v);
}

function atLeast(lo: number) {
  return (v: unknown, name: string): void => {
    finite(v, name);
    if (!(v >= lo)) throw rangeError(`a finite number >= ${lo}`, name, v);
  };
}

function positive(v: unknown, name: string): void {
  finite(v, name);
  if (!(v > 0)) throw rangeError('a finite number > 0', name, v);
}

function unitClosed(v: unknown, name: string): void {
  finite(v, name);
  if (!(v >= 0 && v <= 1)) throw rangeError('a number in [0, 1]', name, v);
}

function pair(v: unknown, name: string): asserts v is Pair {
  if (!Array.isArray(v) || v.length !== 2) throw typeError('an array of two numbers', name, v);
  finite(v[0], `${name}[0]`);
  finite(v[1], `${name}[1]`);
}

function betas(v: unknown, name: string): void {
  pair(v, name);
  for (const k of [0, 1]) if (!(v[k] >= 0 && v[k] < 1)) throw rangeError('a number in [0, 1)', `${name}[${k}]`, v[k]);
}

function etas(v: unknown, name: string): void {
  pair(v, name);
  if (!(v[0] > 0 && v[0] < 1)) throw rangeError('a number in (0, 1)', `${name}[0]`, v[0]);
  if (!(v[1] > 1)) throw rangeError('a number > 1', `${name}[1]`, v[1]);
}

function stepSizes(v: unknown, name: string): void {
  pair(v, name);
  if (!(v[0] >= 0)) throw rangeError('a number >= 0', `${name}[0]`, v[0]);
  if (!(v[1] >= v[0])) throw rangeError(`a number >= ${name}[0] (${v[0]})`, `${name}[1]`, v[1]);
}

const nonNegative = atLeast(0);

/** The checker of every option name any optimizer accepts. */
export const OPTION_CHECKS: Readonly<Record<string, (v: unknown, name: string) => void>> = {
  lr: nonNegative,
  momentum: nonNegative,
  dampening: finite,
  weightDecay: nonNegative,
  nesterov: checkBoolean,
  maximize: checkBoolean,
  betas,
  eps: positive,
  amsgrad: checkBoolean,
  lrDecay: nonNegative,
  initialAccumulatorValue: nonNegative,
  alpha: nonNegative,
  centered: checkBoolean,
  etas,
  stepSizes,
  rho: unitClosed,
  momentumDecay: nonNegative,
};

/** Options whose value may be a Schedule (every numeric one and the pairs). */
export function schedulable(key: string): boolean {
  return !['nesterov', 'maximize', 'amsgrad', 'centered'].includes(key);
}

/** Momentum of the papers' formulation must lie in [0, 1]. */
export function checkUnitMomentum(v: unknown, name: string): void {
  unitClosed(v, name);
}
