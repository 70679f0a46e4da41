// Batch normalization in a convolutional network on MNIST, after Ioffe & Szegedy (2015): "for
// convolutional layers, different elements of the same feature map, at different locations, are
// normalized in the same way" (section 3.2: one γ and β per feature map, statistics over m' = m·p·q
// values). The network is a small LeNet-like one:
//   Conv2d(1, c1, 5) → [BatchNorm2d(c1)] → ReLU → MaxPool2d(2)     28×28 → 24×24 → 12×12
//   Conv2d(c1, c2, 5) → [BatchNorm2d(c2)] → ReLU → MaxPool2d(2)    12×12 → 8×8 → 4×4
//   Flatten → Linear(16·c2, 10)
// run as the paper ran its networks (section 4.2.2):
//   baseline   no batch norm, learning rate lr
//   BN         BatchNorm2d after each convolution, lr (the convolutions lose their bias: β replaces it)
//   BN-x5      the same at 5 lr
// Weights: He's N(0, 2/fan_in) (kaimingNormal), biases 0; softmax cross-entropy; plain SGD. Every
// evaluation records the test accuracy: eval mode (BN: running statistics, momentum 0.1), except at update
// 0, evaluated with the batch statistics of the evaluation images (as the batchnorm experiment).
import { kaimingNormal } from '../init/index.js';
import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { Flatten, MaxPool2d } from '../nn/pool.js';
import { ReLU } from '../nn/activation.js';
import { Sequential } from '../nn/sequential.js';
import type { Module } from '../nn/module.js';
import { accuracy, MnistClassifierRun, mnistVariantRuns, type MnistRunConfig, type MnistSets } from './common.js';
import type { RunDef } from './run.js';

export interface CnnConfig extends MnistRunConfig {
  /** Feature maps of the two convolutions. */
  channels: [number, number];
}

export interface CnnVariant {
  id: string;
  name: string;
  bn: boolean;
  lrScale: number;
}

export const CNN_VARIANTS: readonly CnnVariant[] = [
  { id: 'baseline', name: 'baseline', bn: false, lrScale: 1 },
  { id: 'bn', name: 'BN', bn: true, lrScale: 1 },
  { id: 'bn-x5', name: 'BN-x5', bn: true, lrScale: 5 },
];

const SIDE = 28;

/** The network of a variant, its weights drawn from gen. */
export function buildCnn(channels: readonly [number, number], bn: boolean, gen: Generator): Sequential {
  const mods: Module[] = [];
  let inC = 1, side = SIDE;
  for (const c of channels) {
    const conv = new Conv2d(inC, c, 5, { bias: !bn, generator: gen });
    kaimingNormal(conv.weight, { nonlinearity: 'relu', generator: gen });
    mods.push(conv);
    if (bn) mods.push(new BatchNorm2d(c));
    mods.push(new ReLU(), new MaxPool2d(2));
    inC = c;
    side = (side - 4) / 2;
  }
  const lin = new Linear(inC * side * side, 10, { generator: gen });
  kaimingNormal(lin.weight, { nonlinearity: 'linear', generator: gen });
  lin.bias?.data.fill(0);
  mods.push(new Flatten(), lin);
  return new Sequential(...mods);
}

/** (n, 784) rows as (n, 1, 28, 28) images (a view). */
function images(x: Tensor): Tensor {
  return x.reshape([x.shape[0], 1, SIDE, SIDE]);
}

class CnnRun extends MnistClassifierRun {
  constructor(c: CnnConfig, seed: number, d: MnistSets, v: CnnVariant) {
    super(buildCnn(c.channels, v.bn, new Generator(seed)), v.lrScale * c.lr, c.batch, d, seed);
  }

  protected override input(rows: Tensor): Tensor {
    return images(rows);
  }

  protected measure(): Record<string, number> {
    return { accuracy: accuracy(this.model.forward(images(this.sets.testX)), this.sets.testLabels) };
  }
}

/** One run per variant and seed (mnistVariantRuns). Run ids: cnn/<variant>/s<seed>. */
export function cnnRuns(c: CnnConfig, seeds: readonly number[] = [c.seed], variants: readonly CnnVariant[] = CNN_VARIANTS): RunDef[] {
  return mnistVariantRuns('cnn', 'CNN', c, seeds, variants, (seed, d, v) => new CnnRun(c, seed, d, v));
}
