// The functional API: one optimizer step on raw Float32Arrays, for existing training loops that keep
// their own buffers. `state` is a plain object the call fills in and updates: { step, <buffer>: Float32Array,
// <scalar>: number } with the same names as the classes' state (exp_avg, exp_avg_sq, momentum_buffer, ...).
// Same kernels, same bits as the classes:
//   const st = {}; for (...) fg.optim.functional.adam(param, grad, st, { lr: 1e-3 });
import { kernels } from '../backend/select.js';
import { OPTIM_H } from '../backend/optim_spec.js';
import { checkFloat32Array, overlaps, rangeError, typeError } from '../validate.js';
import { ADAM_DEF, ADAMW_DEF, type AdamOptions } from './adam.js';
import { ADADELTA_DEF, type AdadeltaOptions } from './adadelta.js';
import { ADAGRAD_DEF, type AdagradOptions } from './adagrad.js';
import { ADAMAX_DEF, type AdamaxOptions } from './adamax.js';
import { MOMENTUM_DEF, NAG_DEF, type MomentumOptions } from './momentum.js';
import { NADAM_DEF, type NAdamOptions } from './nadam.js';
import { OPTION_CHECKS, type HyperValue } from './options.js';
import type { AlgoDef, Hyper, ParamState } from './optimizer.js';
import { RADAM_DEF, type RAdamOptions } from './radam.js';
import { RMSPROP_DEF, type RMSpropOptions } from './rmsprop.js';
import { RPROP_DEF, type RpropOptions } from './rprop.js';
import { SGD_DEF, type SGDOptions } from './sgd.js';

export type FunctionalState = { step?: number } & Record<string, number | Float32Array | undefined>;

type NumericOptions<O> = { [K in keyof O]: Exclude<O[K], (t: number) => unknown> };

function fstep<O extends Hyper>(def: AlgoDef<O>, param: Float32Array, grad: Float32Array, state: FunctionalState, hp: Record<string, unknown>): void {
  checkFloat32Array(param, 'param');
  checkFloat32Array(grad, 'grad', param.length);
  if (overlaps(param, grad)) throw new RangeError('Expected grad not to share memory with param but received overlapping arrays');
  if (state === null || typeof state !== 'object') throw typeError('a state object', 'state', state);
  if (hp === null || typeof hp !== 'object') throw typeError('an options object', 'hp', hp);
  const known = [...Object.keys(def.defaults), ...(def.required ?? [])];
  for (const k of Object.keys(hp)) if (!known.includes(k)) throw new TypeError(`Unknown option '${k}' for ${def.name}; expected one of: ${known.join(', ')}`);
  const o: Record<string, HyperValue> = {};
  for (const k of known) {
    const v = k in hp ? hp[k] : (def.defaults as Record<string, unknown>)[k];
    if (v === undefined) throw typeError(`a value (${def.name} has no default ${k})`, k, v);
    (def.checks?.[k] ?? OPTION_CHECKS[k])(v, k);
    o[k] = v as HyperValue;
  }
  def.crossCheck?.(o as O, (k) => k);
  const prevStep = state.step ?? 0;
  if (typeof prevStep !== 'number' || !Number.isInteger(prevStep) || prevStep < 0) throw rangeError('an integer >= 0', 'state.step', prevStep);
  const prev: ParamState = { step: prevStep, buffers: {}, scalars: {} };
  for (const [k, v] of Object.entries(state)) {
    if (v instanceof Float32Array) {
      if (v.length !== param.length) throw rangeError(`a Float32Array of length ${param.length}`, `state.${k}`, v);
      if (overlaps(v, param) || overlaps(v, grad)) throw new RangeError(`Expected state.${k} not to share memory with param or grad`);
      prev.buffers[k] = v;
    } else if (typeof v === 'number' && k !== 'step') {
      prev.scalars[k] = v;
    }
  }
  const buffers: Record<string, Float32Array> = { ...prev.buffers };
  const states = def.slots(o as O).map((name) => {
    if (name === null) return null;
    if (!buffers[name]) {
      const init = def.init?.(name, o as O) ?? 0;
      buffers[name] = init === 'param' ? param.slice() : new Float32Array(param.length).fill(Math.fround(init));
    }
    return buffers[name];
  });
  const h = new Float32Array(OPTIM_H);
  const step = prevStep + 1;
  const prep = def.prepare(o as O, step, prevStep === 0 && Object.keys(prev.buffers).length === 0 ? undefined : prev, h, 0, { t: prevStep, next: (k) => o[k] });
  kernels().optim.step(def.algo, Int32Array.of(prep.flags), h, [param], [grad], states);
  Object.assign(state, buffers, prep.scalars ?? {});
  state.step = step;
}

const make = <I>(def: AlgoDef<Hyper>) => (param: Float32Array, grad: Float32Array, state: FunctionalState, hp: NumericOptions<I>) =>
  fstep(def, param, grad, state, hp as Record<string, unknown>);

type NoSkip<T> = Omit<T, 'skipNonFinite'>;

export const sgd = make<NoSkip<SGDOptions>>(SGD_DEF as unknown as AlgoDef<Hyper>);
export const adam = make<NoSkip<AdamOptions>>(ADAM_DEF as unknown as AlgoDef<Hyper>);
export const adamw = make<NoSkip<AdamOptions>>(ADAMW_DEF as unknown as AlgoDef<Hyper>);
export const adagrad = make<NoSkip<AdagradOptions>>(ADAGRAD_DEF as unknown as AlgoDef<Hyper>);
export const rmsprop = make<NoSkip<RMSpropOptions>>(RMSPROP_DEF as unknown as AlgoDef<Hyper>);
export const rprop = make<NoSkip<RpropOptions>>(RPROP_DEF as unknown as AlgoDef<Hyper>);
export const adadelta = make<NoSkip<AdadeltaOptions>>(ADADELTA_DEF as unknown as AlgoDef<Hyper>);
export const adamax = make<NoSkip<AdamaxOptions>>(ADAMAX_DEF as unknown as AlgoDef<Hyper>);
export const nadam = make<NoSkip<NAdamOptions>>(NADAM_DEF as unknown as AlgoDef<Hyper>);
export const radam = make<NoSkip<RAdamOptions>>(RADAM_DEF as unknown as AlgoDef<Hyper>);
/** Classical momentum: v = mu v - lr g; p = p + v. */
export const momentum = make<NoSkip<MomentumOptions>>(MOMENTUM_DEF as unknown as AlgoDef<Hyper>);
/** NAG with the look-ahead convention of lib/optim/momentum.ts; mu_{t+1} is taken equal to this call's momentum. */
export const nag = make<NoSkip<MomentumOptions>>(NAG_DEF as unknown as AlgoDef<Hyper>);
