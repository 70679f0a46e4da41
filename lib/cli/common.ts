// Pieces shared by the experiments: resumable mini-batches from a DataLoader, optimizer construction
// from the CLI's names, and small statistics.
import '../ops/index.js'; // the Tensor methods the experiments call (div, narrow, item, ...)
import { kernels } from '../backend/select.js';
import * as data from '../data/index.js';
import { DataLoader } from '../data/loader.js';
import type { MapDataset } from '../data/dataset.js';
import { Generator, type GeneratorState } from '../random.js';
import { Tensor, type Parameter } from '../tensor.js';
import * as optim from '../optim/index.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import type { Sequential } from '../nn/sequential.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import { noGrad } from '../autograd/grad_mode.js';
import type { OptimizerName } from './args.js';
import type { RunDef, Trainable } from './run.js';

/** Where a Batches is: the generator at the start of its epoch and the batches of that epoch already taken (JSON). */
export interface BatchesState {
  epochStart: GeneratorState;
  batch: number;
}

/**
 * An endless run of mini-batches from a DataLoader iterated synchronously (numWorkers 0), epoch after
 * epoch. A map-style dataset is shuffled from Generator(seed) and the last short batch is dropped
 * (`DataLoader(dataset, { batchSize, shuffle: true, generator, dropLast: true })`); its state is what
 * fg.train.fit keeps: the generator at the epoch's start and the batch index, and a resumed run draws
 * the epoch's seed and order again and skips the batches already taken without loading them
 * (loader.iterateSync({ skip })).
 */
export class Batches<B> {
  readonly loader: DataLoader<B>;
  readonly #gen: Generator;
  #it: Iterator<B> | null = null;
  #epochStart: GeneratorState;
  #batch = 0;

  constructor(dataset: MapDataset, batchSize: number, seed: number) {
    if (batchSize > dataset.length) throw new RangeError(`Expected a batch size <= the ${dataset.length} training samples but received ${batchSize}`);
    this.#gen = new Generator(seed);
    this.loader = new DataLoader<B>(dataset, { batchSize, shuffle: true, generator: this.#gen, dropLast: true });
    this.#epochStart = this.#gen.getState();
  }

  next(): B {
    for (;;) {
      if (!this.#it) {
        this.#epochStart = this.#gen.getState();
        this.#it = this.loader.iterateSync();
        this.#batch = 0;
      }
      const r = this.#it.next();
      if (!r.done) {
        this.#batch++;
        return r.value;
      }
      this.#it = null;
    }
  }

  state(): BatchesState {
    return { epochStart: this.#epochStart, batch: this.#batch };
  }

  load(s: BatchesState): void {
    this.#gen.setState(s.epochStart);
    this.#epochStart = this.#gen.getState();
    this.#it = this.loader.iterateSync({ skip: s.batch });
    this.#batch = s.batch;
  }
}

/** The first n rows (a view). */
export function head(t: Tensor, n: number): Tensor {
  const d = t.shape[1];
  return new Tensor(t.data.subarray(0, n * d), [n, d]);
}

/** The MNIST training rows and test set an MNIST experiment uses. */
export interface MnistSets {
  x: Tensor;
  labels: Uint8Array;
  testX: Tensor;
  testLabels: Uint8Array;
}

/**
 * MNIST split by c.seed, loaded once on first call: the first c.trainSize training rows and the first
 * c.evalSize test images (the batchnorm and cnn experiments' data).
 */
export function lazyMnistSets(c: { seed: number; trainSize: number; evalSize: number }): () => MnistSets {
  let sets: MnistSets | null = null;
  return () => {
    if (sets) return sets;
    const m = data.mnist({ seed: c.seed });
    if (c.trainSize > m.train.x.shape[0]) throw new RangeError(`Expected --train-size <= ${m.train.x.shape[0]} but received ${c.trainSize}`);
    const ne = Math.min(c.evalSize, m.test.x.shape[0]);
    sets = { x: head(m.train.x, c.trainSize), labels: m.train.labels, testX: head(m.test.x, ne), testLabels: m.test.labels.subarray(0, ne) };
    return sets;
  };
}

/** The configuration an MNIST classifier experiment shares (batchnorm, cnn). */
export interface MnistRunConfig {
  lr: number;
  batch: number;
  updates: number;
  evalEvery: number;
  trainSize: number;
  evalSize: number;
  seed: number;
}

/**
 * One MNIST classifier trained on the tape (the batchnorm and cnn experiments): softmax cross-entropy,
 * plain SGD, batches from Batches(seed + 1). Evaluation runs in eval mode, except before the first update
 * (the untrained running statistics say nothing: the evaluation images' batch statistics, withBatchStatistics).
 */
export abstract class MnistClassifierRun implements Trainable {
  readonly optimizer: optim.SGD;
  readonly batch: number;
  protected readonly sets: MnistSets;
  readonly #batches: Batches<[Tensor, Int32Array]>;
  readonly #loss = new CrossEntropyLoss();
  /** No update yet: evaluate with batch statistics. */
  #fresh = true;

  constructor(readonly model: Sequential, lr: number, batch: number, sets: MnistSets, seed: number) {
    this.optimizer = new optim.SGD(model.parameters(), { lr });
    this.batch = batch;
    this.sets = sets;
    this.#batches = new Batches(new data.TensorDataset(sets.x, sets.labels.subarray(0, sets.x.shape[0])), batch, seed + 1);
  }

  /** The network's input for MNIST rows (n, 784). */
  protected input(rows: Tensor): Tensor {
    return rows;
  }

  /** The evaluation's metrics (called under noGrad, in the mode evaluate() chose). */
  protected abstract measure(): Record<string, number>;

  /** One update on the tape. */
  step(): number {
    const [xb, t] = this.#batches.next();
    this.#fresh = false;
    this.optimizer.zeroGrad(true);
    const loss = this.#loss.forward(this.model.forward(this.input(xb)), t);
    loss.backward();
    this.optimizer.step();
    return loss.item();
  }

  /** Nothing recorded on the tape. */
  evaluate(): Record<string, number> {
    return noGrad(() => {
      if (this.#fresh) return withBatchStatistics(this.model, () => this.measure());
      this.model.eval();
      try {
        return this.measure();
      } finally {
        this.model.train();
      }
    });
  }

  extraState(): unknown {
    return { batches: this.#batches.state() };
  }

  loadExtraState(s: unknown): void {
    this.#fresh = false;
    this.#batches.load((s as { batches: BatchesState }).batches);
  }
}

/**
 * One run per variant and seed of an MNIST experiment. The MNIST split comes from c.seed; a run's seed s
 * sets its weights (Generator(s)) and batch order (Generator(s + 1)). Run ids: <experiment>/<variant>/s<seed>.
 */
export function mnistVariantRuns<V extends { id: string; name: string }>(
  experiment: string, label: string, c: MnistRunConfig, seeds: readonly number[], variants: readonly V[],
  create: (seed: number, sets: MnistSets, v: V) => Trainable,
): RunDef[] {
  const d = lazyMnistSets(c);
  return variants.flatMap((v) => seeds.map((seed): RunDef => ({
    id: `${experiment}/${v.id}/s${seed}`,
    group: v.name,
    seed,
    label: `${label} ${v.name} seed ${seed}`,
    updates: c.updates,
    evalEvery: c.evalEvery,
    create: () => create(seed, d(), v),
  })));
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

/**
 * f() with the model in training mode (batch norm on the batch statistics), every running statistic and
 * batch counter put back afterwards: the evaluation at update 0 of the batch-norm experiments (the untrained
 * running statistics, mean 0 and variance 1, say nothing about the network).
 */
export function withBatchStatistics<T>(model: Sequential, f: () => T): T {
  const bns = model.layers.filter((m): m is BatchNorm1d | BatchNorm2d => m instanceof BatchNorm1d || m instanceof BatchNorm2d);
  const saved = bns.map((m) => ({ mean: m.runningMean?.data.slice(), var: m.runningVar?.data.slice(), n: m.numBatchesTracked }));
  try {
    return f();
  } finally {
    bns.forEach((m, i) => {
      if (saved[i].mean) m.runningMean?.data.set(saved[i].mean as Float32Array);
      if (saved[i].var) m.runningVar?.data.set(saved[i].var as Float32Array);
      m.numBatchesTracked = saved[i].n;
    });
  }
}

/** The fraction of rows of logits (n × classes) whose first maximum is the label. */
export function accuracy(logits: Tensor, labels: ArrayLike<number>): number {
  const [n, k] = logits.shape;
  const pred = new Float32Array(n);
  kernels().reduce.axis('argmax', logits.data, n, k, 1, 0, pred);
  let correct = 0;
  for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
  return correct / n;
}
