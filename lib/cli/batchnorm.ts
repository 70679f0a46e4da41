// Batch normalization on MNIST, after Ioffe & Szegedy (2015). The network is the paper's MNIST one
// (section 4.1: 784-100-100-100-10, batch 60, SGD), run as the paper's network comparison (section
// 4.2.2, Figure 3) lists its variants:
//   baseline        no batch norm, ReLU, learning rate lr
//   BN              Linear -> BatchNorm1d -> ReLU in every hidden layer, lr
//   BN-x5           the same at 5 lr
//   BN-x30          the same at 30 lr
//   BN-x5-Sigmoid   batch norm with sigmoid units at 5 lr
// plus one control the claim of a higher learning-rate tolerance needs: baseline-x30, the baseline at
// 30 lr. Weights: He's N(0, 2/fan_in) (kaimingNormal), biases 0; softmax cross-entropy. Every
// evaluation records the test accuracy and the 15th, 50th and 85th percentiles, over the test images, of
// one last-hidden-layer unit's input (after BN when there is BN: the paper's Figure 1).
//
// Evaluation uses eval mode (BN: the running statistics, momentum 0.1), except at update 0: the untrained
// running statistics (mean 0, variance 1) say nothing about the network, so update 0 is evaluated with
// the batch statistics of the evaluation images (the running statistics are saved and restored around it).
import { kaimingNormal } from '../init/index.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm1d } from '../nn/batchnorm.js';
import { Linear } from '../nn/linear.js';
import { ReLU, Sigmoid } from '../nn/activation.js';
import { Sequential } from '../nn/sequential.js';
import type { Module } from '../nn/module.js';
import { accuracy, MnistClassifierRun, mnistVariantRuns, percentile, type MnistRunConfig, type MnistSets } from './common.js';
import type { RunDef } from './run.js';

export type BatchnormConfig = MnistRunConfig;

/** The last hidden layer's unit whose input distribution is tracked. */
export const PROBE_UNIT = 0;

/** One network of the comparison. */
export interface BatchnormVariant {
  id: string;
  /** The name in the paper's comparison. */
  name: string;
  bn: boolean;
  activation: 'relu' | 'sigmoid';
  /** Learning rate = lrScale × the configuration's lr. */
  lrScale: number;
}

export const BN_VARIANTS: readonly BatchnormVariant[] = [
  { id: 'baseline', name: 'baseline', bn: false, activation: 'relu', lrScale: 1 },
  { id: 'bn', name: 'BN', bn: true, activation: 'relu', lrScale: 1 },
  { id: 'bn-x5', name: 'BN-x5', bn: true, activation: 'relu', lrScale: 5 },
  { id: 'bn-x30', name: 'BN-x30', bn: true, activation: 'relu', lrScale: 30 },
  { id: 'bn-x5-sigmoid', name: 'BN-x5-Sigmoid', bn: true, activation: 'sigmoid', lrScale: 5 },
  { id: 'baseline-x30', name: 'baseline-x30 (control)', bn: false, activation: 'relu', lrScale: 30 },
];

function build(v: BatchnormVariant, gen: Generator): { model: Sequential; probe: number } {
  const bn = v.bn;
  const mods: Module[] = [];
  let probe = -1;
  const sizes = [784, 100, 100, 100, 10];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new Linear(sizes[i], sizes[i + 1], { generator: gen });
    kaimingNormal(lin.weight, { nonlinearity: 'relu', generator: gen });
    lin.bias?.data.fill(0);
    mods.push(lin);
    if (i + 2 === sizes.length) break;
    if (bn) mods.push(new BatchNorm1d(sizes[i + 1]));
    probe = mods.length - 1;
    mods.push(v.activation === 'sigmoid' ? new Sigmoid() : new ReLU());
  }
  return { model: new Sequential(...mods), probe };
}

class BatchnormRun extends MnistClassifierRun {
  readonly #probe: number;

  constructor(c: BatchnormConfig, seed: number, d: MnistSets, v: BatchnormVariant) {
    const { model, probe } = build(v, new Generator(seed));
    super(model, v.lrScale * c.lr, c.batch, d, seed);
    this.#probe = probe;
  }

  protected measure(): Record<string, number> {
    let h = this.sets.testX;
    let probe: Tensor | null = null;
    this.model.layers.forEach((m, i) => {
      h = m.forward(h);
      if (i === this.#probe) probe = h;
    });
    const n = h.shape[0];
    const p = probe as unknown as Tensor;
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = p.data[i * p.shape[1] + PROBE_UNIT];
    u.sort();
    return { accuracy: accuracy(h, this.sets.testLabels), p15: percentile(u, 15), p50: percentile(u, 50), p85: percentile(u, 85) };
  }
}

/** One run per variant and seed (mnistVariantRuns). Run ids: batchnorm/<variant>/s<seed>. */
export function batchnormRuns(c: BatchnormConfig, seeds: readonly number[] = [c.seed], variants: readonly BatchnormVariant[] = BN_VARIANTS): RunDef[] {
  return mnistVariantRuns('batchnorm', 'BN', c, seeds, variants, (seed, d, v) => new BatchnormRun(c, seed, d, v));
}
