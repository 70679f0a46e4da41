// Pieces shared by the experiments: a resumable mini-batch sampler, optimizer construction from the
// CLI's names, and small statistics.
import { Generator, type GeneratorState } from '../random.js';
import { Tensor, type Parameter } from '../tensor.js';
import * as optim from '../optim/index.js';
import type { OptimizerName } from './args.js';

/**
 * Mini-batches of row indices: one generator.permutation(n) per epoch, consecutive slices of it, the
 * last incomplete slice dropped. Its state (the generator at the start of the epoch, the epoch's
 * position) is JSON, so a resumed run draws the same batches.
 */
export class Sampler {
  #gen: Generator;
  #epochStart: GeneratorState;
  #perm: Uint32Array;
  #pos = 0;

  constructor(readonly n: number, readonly batch: number, seed: number) {
    if (batch > n) throw new RangeError(`Expected a batch size <= the ${n} training samples but received ${batch}`);
    this.#gen = new Generator(seed);
    this.#epochStart = this.#gen.getState();
    this.#perm = this.#gen.permutation(n);
  }

  next(): Uint32Array {
    if (this.#pos + this.batch > this.n) {
      this.#epochStart = this.#gen.getState();
      this.#perm = this.#gen.permutation(this.n);
      this.#pos = 0;
    }
    const idx = this.#perm.subarray(this.#pos, this.#pos + this.batch);
    this.#pos += this.batch;
    return idx;
  }

  state(): { epochStart: GeneratorState; pos: number } {
    return { epochStart: this.#epochStart, pos: this.#pos };
  }

  load(s: { epochStart: GeneratorState; pos: number }): void {
    this.#gen.setState(s.epochStart);
    this.#epochStart = this.#gen.getState();
    this.#perm = this.#gen.permutation(this.n);
    this.#pos = s.pos;
  }
}

/** Rows idx of a (n, d) tensor, as a new (idx.length, d) tensor. */
export function rows(t: Tensor, idx: ArrayLike<number>): Tensor {
  const d = t.shape[1];
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
  return new Tensor(out, [idx.length, d]);
}

/** The first n rows (a view). */
export function head(t: Tensor, n: number): Tensor {
  const d = t.shape[1];
  return new Tensor(t.data.subarray(0, n * d), [n, d]);
}

export interface MomentumChoice {
  muMax: number;
  schedule: 'sutskever' | 'constant';
  /** Updates per step of the sutskever schedule (the paper: 250); a shorter period reaches μmax sooner. */
  period?: number;
  /** Updates at the end with mu = min(0.9, muMax); 0: none. */
  finalPhase: number;
  totalSteps: number;
}

export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = {
  sgd: 0.01, momentum: 0.01, nag: 0.01, adam: 1e-3, adamw: 1e-3, adagrad: 0.01, rmsprop: 1e-3, nadam: 2e-3, radam: 1e-3, adamax: 2e-3,
};

/**
 * The paper's schedule μ_t = min(1 − 2^(−1−log2(⌊t/period⌋+1)), μmax): fg.optim.sutskever (period 250)
 * read at ⌊250·t/period⌋, which has the same ⌊·/250⌋ as t/period.
 */
export function sutskeverPeriod(muMax: number, period: number): optim.Schedule {
  const base = optim.sutskever({ muMax });
  return period === 250 ? base : (t) => base(Math.floor((250 * t) / period));
}

export function momentumSchedule(m: MomentumChoice): optim.Schedule {
  const base = m.schedule === 'sutskever' ? sutskeverPeriod(m.muMax, m.period ?? 250) : optim.constant(m.muMax);
  if (m.finalPhase <= 0) return base;
  return optim.finalPhase(base, { totalSteps: m.totalSteps, lastSteps: Math.min(m.finalPhase, m.totalSteps), value: Math.min(0.9, m.muMax) });
}

export type AnyOptimizer = optim.Optimizer<never> & { useTheta?: () => () => void };

export function makeOptimizer(name: OptimizerName, params: Parameter[], lr: number, m: MomentumChoice): AnyOptimizer {
  const O = optim;
  const make = (): unknown => {
    switch (name) {
      case 'sgd': return new O.SGD(params, { lr });
      case 'momentum': return new O.Momentum(params, { lr, momentum: momentumSchedule(m) });
      case 'nag': return new O.NAG(params, { lr, momentum: momentumSchedule(m) });
      case 'adam': return new O.Adam(params, { lr });
      case 'adamw': return new O.AdamW(params, { lr });
      case 'adagrad': return new O.Adagrad(params, { lr });
      case 'rmsprop': return new O.RMSprop(params, { lr });
      case 'nadam': return new O.NAdam(params, { lr });
      case 'radam': return new O.RAdam(params, { lr });
      case 'adamax': return new O.Adamax(params, { lr });
    }
  };
  return make() as AnyOptimizer;
}

/** Runs f with NAG's theta in the parameters (evaluation at the iterate, not the look-ahead point). */
export function atTheta<T>(opt: AnyOptimizer, f: () => T): T {
  const restore = opt.useTheta?.();
  try {
    return f();
  } finally {
    restore?.();
  }
}

/** The q-th percentile (0..100) by linear interpolation between order statistics. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
