// What an optimizer algorithm is (AlgoDef: its defaults, its state buffers, the scalars it computes for
// the fused kernel), and the shapes of parameter groups, per-parameter state, state dicts and step
// results. The per-element math of each algorithm: native/kernels/optim_api.h (kernels: native/kernels/optim.h,
// lib/backend/js/optim.ts); its scalars: the `prepare` of its AlgoDef in lib/optim/<name>.ts.
import type { OptimAlgo } from '../backend/optim_spec.js';
import type { Tensor } from '../tensor.js';
import type { HyperValue, Schedule } from './options.js';

export type Hyper = Record<string, HyperValue>;

/** Per-parameter state: the step count, the state buffers, and scalar state (NAdam's mu product). */
export interface ParamState {
  step: number;
  buffers: Record<string, Float32Array>;
  scalars: Record<string, number>;
}

/** What an algorithm computes for one tensor before the kernel runs. */
export interface Prepared {
  flags: number;
  /** Scalar state after this step (committed only if the step runs). */
  scalars?: Record<string, number>;
}

export interface StepContext {
  /** The optimizer's step count before this step (what schedules see). */
  t: number;
  /** The value an option will have at the next step (its schedule at t + 1, else its value now). */
  next(key: string): HyperValue;
}

/** The definition of one algorithm: what the class and the functional API share. */
export interface AlgoDef<O extends Hyper> {
  readonly name: string;
  readonly algo: OptimAlgo;
  readonly defaults: Readonly<O>;
  /** True if prepare() depends only on the options and the step (not on the parameter's state). */
  readonly stepOnly?: boolean;
  /**
   * True if prepare() depends only on the options, the step and which state buffers the parameter has
   * (SGD's first momentum step): tensors that all have their buffers then get the same scalars.
   */
  readonly sameOnceStateful?: boolean;
  /** Options without a default (SGD's lr). */
  readonly required?: readonly string[];
  /** Extra per-option checks replacing OPTION_CHECKS (e.g. the papers' momentum in [0, 1]). */
  readonly checks?: Readonly<Record<string, (v: unknown, name: string) => void>>;
  /** Checks across options (nesterov needs momentum > 0 and dampening 0); `at(k)` names option k. */
  crossCheck?(o: O, at: (k: string) => string): void;
  /** State buffer names for slots s0..s2 under these options (null: slot unused). */
  slots(o: O): readonly (string | null)[];
  /** Initial contents of a new state buffer: a number to fill with, or 'param' for a copy of the parameter. */
  init?(name: string, o: O): number | 'param';
  /** Fills h[off .. off + OPTIM_H) for a tensor at step `step` (1 for its first) and returns its flags. */
  prepare(o: O, step: number, prev: ParamState | undefined, h: Float32Array, off: number, ctx: StepContext): Prepared;
}

export type ParamGroup<O extends Hyper> = { params: Tensor[] } & O;

/** A group as passed in: params plus any options (numbers may be Schedules). */
export type ParamGroupInput<I> = { params: Tensor[] } & I;

export interface StepResult {
  /** True if the step was skipped because a gradient held NaN or ±Infinity (skipNonFinite). */
  skipped: boolean;
  /** Why it was skipped, naming the gradient and the index. */
  reason?: string;
}

export interface StateDict {
  state: Record<string, Record<string, number | Float32Array | number[]>>;
  paramGroups: Record<string, HyperValue | number[]>[];
  stepCount: number;
}

/** What an optimizer's constructor takes: Parameters, or groups { params, ...options }. */
export type Params<O> = readonly Tensor[] | readonly ParamGroupInput<Partial<O>>[];
