// Deep autoencoders of Sutskever, Martens, Dahl & Hinton (2013), "On the importance of initialization
// and momentum in deep learning", section 3: MNIST 784-1000-500-250-30-250-500-1000-784 and
// CURVES 784-400-200-100-50-25-6-25-50-100-200-400-784; logistic (sigmoid) hidden units except the
// linear code layer; logistic outputs trained with cross-entropy (BCE with logits, summed over the
// pixels, averaged over the batch); sparse initialization (15 nonzero N(0, 1) incoming weights per
// unit, biases 0). The reported error is the paper's: the training squared error, per image the sum
// over pixels of (sigmoid(output) − pixel)², averaged over the evaluation images (the first
// --eval-size training images), at the optimizer's iterate (NAG: theta, not the look-ahead point).
import * as data from '../data/index.js';
import { noGrad } from '../autograd/grad_mode.js';
import { sparse } from '../init/index.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/select.js';
import { BCEWithLogitsLoss } from '../nn/loss.js';
import { Linear } from '../nn/linear.js';
import { Sigmoid } from '../nn/activation.js';
import { Sequential } from '../nn/sequential.js';
import type { Module } from '../nn/module.js';
import type { OptimizerName } from './args.js';
import { atTheta, Batches, head, makeOptimizer, type BatchesState, type MomentumChoice } from './common.js';
import type { RunDef, Trainable } from './run.js';

export interface AutoencoderConfig {
  dataset: 'mnist' | 'curves';
  optimizers: OptimizerName[];
  /** Learning rate for every optimizer; null: each optimizer's default (DEFAULT_LR). */
  lr: number | null;
  muMax: number[];
  schedule: 'sutskever' | 'constant';
  /** Updates per step of the sutskever schedule (the paper: 250). */
  period: number;
  finalPhase: number;
  batch: number;
  updates: number;
  evalEvery: number;
  trainSize: number;
  evalSize: number;
  seed: number;
}

export const LAYERS: Readonly<Record<'mnist' | 'curves', readonly number[]>> = {
  mnist: [784, 1000, 500, 250, 30],
  curves: [784, 400, 200, 100, 50, 25, 6],
};

/** Encoder sizes mirrored into the decoder; sigmoid after every layer but the code layer and the output. */
export function buildAutoencoder(encoder: readonly number[], gen: Generator): Sequential {
  const sizes = [...encoder, ...encoder.slice(0, -1).reverse()];
  const code = encoder.length - 1;
  const mods: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new Linear(sizes[i], sizes[i + 1], { generator: gen });
    sparse(lin.weight, { k: 15, std: 1, generator: gen });
    lin.bias?.data.fill(0);
    mods.push(lin);
    if (i + 1 !== code && i + 2 !== sizes.length) mods.push(new Sigmoid());
  }
  return new Sequential(...mods);
}

function loadImages(c: AutoencoderConfig): Tensor {
  if (c.dataset === 'curves') return data.curves({ n: c.trainSize, seed: c.seed }).x;
  const x = data.mnist({ seed: c.seed }).train.x;
  if (c.trainSize > x.shape[0]) throw new RangeError(`Expected --train-size <= ${x.shape[0]} (the MNIST training images) but received ${c.trainSize}`);
  return head(x, c.trainSize);
}

/** Per-image sum of squared errors of sigmoid(logits) against x, averaged over images (chunks of 500 rows; nothing recorded). */
function squaredError(model: Module, x: Tensor): number {
  const K = kernels();
  const n = x.shape[0], d = x.shape[1];
  let total = 0;
  noGrad(() => {
    for (let s = 0; s < n; s += 500) {
      const e = Math.min(n, s + 500);
      const xb = new Tensor(x.data.subarray(s * d, e * d), [e - s, d]);
      const y = model.forward(xb);
      K.unary.map('sigmoid', y.data, y.data);
      K.elementwise.binary('sub', y.data, xb.data, y.data, 1, y.size, 'full');
      total += K.reduce.all('sumSquares', y.data, 0);
    }
  });
  return total / n;
}

class AutoencoderRun implements Trainable {
  readonly model: Sequential;
  readonly optimizer: ReturnType<typeof makeOptimizer>;
  readonly batch: number;
  readonly #eval: Tensor;
  readonly #batches: Batches<[Tensor]>;
  readonly #loss = new BCEWithLogitsLoss({ reduction: 'sum' });

  constructor(c: AutoencoderConfig, seed: number, x: Tensor, opt: OptimizerName, lr: number, m: MomentumChoice) {
    this.model = buildAutoencoder(LAYERS[c.dataset], new Generator(seed));
    this.optimizer = makeOptimizer(opt, this.model.parameters(), lr, m);
    this.batch = c.batch;
    this.#eval = head(x, Math.min(c.evalSize, x.shape[0]));
    this.#batches = new Batches(new data.TensorDataset(x), c.batch, seed + 1);
  }

  /** One update on the tape: the loss is the batch's summed cross-entropy over its images' count. */
  step(): number {
    const [xb] = this.#batches.next();
    this.optimizer.zeroGrad(true);
    const S = this.#loss.forward(this.model.forward(xb), xb);
    S.div(this.batch).backward();
    this.optimizer.step();
    return S.item() / this.batch;
  }

  evaluate(): Record<string, number> {
    return { squaredError: atTheta(this.optimizer, () => squaredError(this.model, this.#eval)) };
  }

  extraState(): unknown {
    return { batches: this.#batches.state() };
  }

  loadExtraState(s: unknown): void {
    this.#batches.load((s as { batches: BatchesState }).batches);
  }
}

/** The name of an optimizer's column in the paper's Table 1. */
export const OPTIMIZER_TITLES: Readonly<Record<string, string>> = { sgd: 'SGD', momentum: 'CM', nag: 'NAG' };

/**
 * One run per optimizer, per μmax for momentum and NAG, and per seed. The data (MNIST split or CURVES
 * set) comes from c.seed; a run's seed s sets its initialization (Generator(s)) and its batch order
 * (the DataLoader's generator, Generator(s + 1)). Run ids: autoencoder/<optimizer>[-<μmax>]/s<seed>.
 */
export function autoencoderRuns(c: AutoencoderConfig, lrOf: (o: OptimizerName) => number, seeds: readonly number[] = [c.seed]): RunDef[] {
  let images: Tensor | null = null;
  const x = () => (images ??= loadImages(c));
  const defs: RunDef[] = [];
  for (const o of c.optimizers) {
    const withMu = o === 'momentum' || o === 'nag';
    for (const mu of withMu ? c.muMax : [0]) {
      const group = withMu ? `${OPTIMIZER_TITLES[o]} μmax=${mu}` : (OPTIMIZER_TITLES[o] ?? o);
      const m: MomentumChoice = { muMax: mu, schedule: c.schedule, period: c.period, finalPhase: c.finalPhase, totalSteps: c.updates };
      for (const seed of seeds) {
        defs.push({
          id: `autoencoder/${o}${withMu ? `-${mu}` : ''}/s${seed}`,
          group,
          seed,
          label: `AE ${c.dataset} ${group} seed ${seed}`,
          updates: c.updates,
          evalEvery: c.evalEvery,
          create: () => new AutoencoderRun(c, seed, x(), o, lrOf(o), m),
        });
      }
    }
  }
  return defs;
}
