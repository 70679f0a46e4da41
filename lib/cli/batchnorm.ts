// The MNIST experiment of Ioffe & Szegedy (2015), "Batch Normalization", section 4.1: 784-100-100-100-10,
// sigmoid hidden units, weights initialized to N(0, 1) (small random Gaussian values relative to the
// sigmoid's range would hide the effect; unit variance is the classic hard case), biases 0, softmax
// cross-entropy, SGD with mini-batches of 60. Three runs: no batch norm; batch norm before every
// hidden sigmoid (Linear -> BatchNorm1d -> Sigmoid); batch norm with 5x the learning rate. Every
// evaluation records the test accuracy (eval mode: BN uses its running statistics) and the 15th, 50th
// and 85th percentiles, over the test images, of one last-hidden-layer unit's input (the sigmoid's
// argument, after BN when there is BN).
import * as data from '../data/index.js';
import { normal } from '../init/index.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/select.js';
import { BatchNorm1d } from '../nn/batchnorm.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import { Linear } from '../nn/linear.js';
import { Sigmoid } from '../nn/activation.js';
import { Sequential } from '../nn/sequential.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/index.js';
import { head, percentile, rows, Sampler } from './common.js';
import type { RunDef, Trainable } from './run.js';

export interface BatchnormConfig {
  lr: number;
  batch: number;
  updates: number;
  evalEvery: number;
  trainSize: number;
  evalSize: number;
  seed: number;
}

/** The last hidden layer's unit whose input distribution is tracked. */
export const PROBE_UNIT = 0;

function build(bn: boolean, gen: Generator): { model: Sequential; probe: number } {
  const mods: Module[] = [];
  let probe = -1;
  const sizes = [784, 100, 100, 100, 10];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new Linear(sizes[i], sizes[i + 1], { generator: gen });
    normal(lin.weight, { std: 1, generator: gen });
    lin.bias?.data.fill(0);
    mods.push(lin);
    if (i + 2 === sizes.length) break;
    if (bn) mods.push(new BatchNorm1d(sizes[i + 1]));
    probe = mods.length - 1;
    mods.push(new Sigmoid());
  }
  return { model: new Sequential(...mods), probe };
}

interface MnistSets {
  x: Tensor;
  labels: Uint8Array;
  testX: Tensor;
  testLabels: Uint8Array;
}

class BatchnormRun implements Trainable {
  readonly model: Sequential;
  readonly optimizer: SGD;
  readonly batch: number;
  readonly #probe: number;
  readonly #d: MnistSets;
  readonly #sampler: Sampler;
  readonly #loss = new CrossEntropyLoss();

  constructor(c: BatchnormConfig, d: MnistSets, bn: boolean, lr: number) {
    const { model, probe } = build(bn, new Generator(c.seed));
    this.model = model;
    this.#probe = probe;
    this.optimizer = new SGD(model.parameters(), { lr });
    this.batch = c.batch;
    this.#d = d;
    this.#sampler = new Sampler(d.x.shape[0], c.batch, c.seed + 1);
  }

  step(): number {
    const idx = this.#sampler.next();
    const xb = rows(this.#d.x, idx);
    const t = Int32Array.from(idx, (i) => this.#d.labels[i]);
    const loss = this.#loss.forward(this.model.forward(xb), t).data[0];
    this.optimizer.zeroGrad();
    this.model.backwardParameters(this.#loss.backward());
    this.optimizer.step();
    return loss;
  }

  evaluate(): Record<string, number> {
    this.model.eval();
    try {
      let h = this.#d.testX;
      let probe: Tensor | null = null;
      this.model.modules.forEach((m, i) => {
        h = m.forward(h);
        if (i === this.#probe) probe = h;
      });
      const n = h.shape[0];
      const pred = new Float32Array(n);
      kernels().reduce.axis('argmax', h.data, n, 10, 1, 0, pred);
      let correct = 0;
      for (let i = 0; i < n; i++) if (pred[i] === this.#d.testLabels[i]) correct++;
      const p = probe as unknown as Tensor;
      const u = new Float64Array(n);
      for (let i = 0; i < n; i++) u[i] = p.data[i * p.shape[1] + PROBE_UNIT];
      u.sort();
      return { accuracy: correct / n, p15: percentile(u, 15), p50: percentile(u, 50), p85: percentile(u, 85) };
    } finally {
      this.model.train();
    }
  }

  extraState(): unknown {
    return { sampler: this.#sampler.state() };
  }

  loadExtraState(s: unknown): void {
    this.#sampler.load((s as { sampler: ReturnType<Sampler['state']> }).sampler);
  }
}

export function batchnormRuns(c: BatchnormConfig): RunDef[] {
  let sets: MnistSets | null = null;
  const d = (): MnistSets => {
    if (sets) return sets;
    const m = data.mnist({ seed: c.seed });
    if (c.trainSize > m.train.x.shape[0]) throw new RangeError(`Expected --train-size <= ${m.train.x.shape[0]} but received ${c.trainSize}`);
    const ne = Math.min(c.evalSize, m.test.x.shape[0]);
    sets = { x: head(m.train.x, c.trainSize), labels: m.train.labels, testX: head(m.test.x, ne), testLabels: m.test.labels.subarray(0, ne) };
    return sets;
  };
  const run = (id: string, label: string, bn: boolean, lr: number): RunDef => ({
    id: `batchnorm/${id}`, label, updates: c.updates, evalEvery: c.evalEvery, create: () => new BatchnormRun(c, d(), bn, lr),
  });
  return [run('baseline', 'BN: without', false, c.lr), run('bn', 'BN: with', true, c.lr), run('bn-x5', 'BN: with, 5x lr', true, 5 * c.lr)];
}
