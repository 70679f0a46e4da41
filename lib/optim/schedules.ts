// Schedules for any hyper-parameter: a Schedule is a function of the optimizer's step count t
// (0 at the first step). Pass one where an option takes a number: new NAG(params, { lr: 0.01,
// momentum: sutskever({ muMax: 0.99 }) }). Every value a schedule returns is checked like the option.
import { checkFinite, checkInteger, rangeError, typeError } from '../validate.js';
import type { Schedule } from './options.js';

/** mu_t = value for every t. */
export function constant(value: number): Schedule {
  checkFinite(value, 'value');
  return () => value;
}

/**
 * Sutskever et al. (2013): mu_t = min(1 - 2^(-1 - log2(floor(t / 250) + 1)), muMax), i.e.
 * 1 - 1 / (2 (floor(t / 250) + 1)), capped at muMax (the paper uses 0.9, 0.99, 0.995, 0.999).
 */
export function sutskever(opts: { muMax?: number } = {}): Schedule {
  const muMax = opts.muMax ?? 0.99;
  checkFinite(muMax, 'muMax');
  if (!(muMax >= 0 && muMax <= 1)) throw rangeError('a number in [0, 1]', 'muMax', muMax);
  return (t) => Math.min(1 - 2 ** (-1 - Math.log2(Math.floor(t / 250) + 1)), muMax);
}

/** Nesterov (1983): mu_t = 1 - 3 / (t + 5). */
export function nesterov83(): Schedule {
  return (t) => 1 - 3 / (t + 5);
}

/**
 * The final low-momentum phase: `base` until the last `lastSteps` of `totalSteps` updates, then `value`
 * (the paper drops mu to 0.9 for the last 1000 updates).
 */
export function finalPhase(base: Schedule | number, opts: { totalSteps: number; lastSteps: number; value?: number }): Schedule {
  if (typeof base !== 'function' && typeof base !== 'number') throw typeError('a Schedule or a number', 'base', base);
  checkInteger(opts?.totalSteps, 'totalSteps', 0);
  checkInteger(opts.lastSteps, 'lastSteps', 0, opts.totalSteps);
  const value = opts.value ?? 0.9;
  checkFinite(value, 'value');
  const from = opts.totalSteps - opts.lastSteps;
  const b = typeof base === 'number' ? constant(base) : base;
  return (t) => (t >= from ? value : b(t));
}
