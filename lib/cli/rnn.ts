// Echo-state initialization of a tanh RNN (Sutskever et al. 2013, section 4; Jaeger) on the addition
// problem (Hochreiter & Schmidhuber 1997): each sequence has T steps of two inputs, a value U(0, 1) and
// a marker that is 1 at exactly two steps (one in the first half, one in the second) and 0 elsewhere;
// the target is the sum of the two marked values, read from the last hidden state by a linear unit.
// Predicting the mean (1) gives MSE ≈ 1/6; solving it gives MSE near 0.
//
// Two runs, both trained with NAG (look-ahead) and gradient-norm clipping:
//   esn    recurrent weights: fg.init.echoState (15 nonzero N(0, 1) incoming weights per unit, scaled
//          to spectral radius 1.1); input weights N(0, 0.001²); biases 0
//   naive  torch's default: every weight and bias U(−1/√H, 1/√H)
// The output layer is torch's default Linear in both. Training sequences are an endless stream
// (AdditionStream, drawn from seed + 1) batched by a DataLoader; gradients come from the tape
// (loss.backward(); the RNN layer is one tape node with its backward through time). Evaluation: MSE
// on a fixed set of --eval-size sequences (drawn once from seed + 2), at NAG's theta.
import { kernels } from '../backend/select.js';
import { noGrad } from '../autograd/grad_mode.js';
import { DataLoader } from '../data/loader.js';
import { IterableDataset } from '../data/dataset.js';
import { echoState, normal } from '../init/index.js';
import { Generator, type GeneratorState } from '../random.js';
import { Tensor } from '../tensor.js';
import { Linear } from '../nn/linear.js';
import { MSELoss } from '../nn/loss.js';
import { Module, onTape, tapeLayerwise } from '../nn/module.js';
import { RNN } from '../nn/rnn.js';
import { clipGradNorm } from '../optim/index.js';
import { atTheta, makeOptimizer } from './common.js';
import type { RunDef, Trainable } from './run.js';

export interface RnnConfig {
  seqLen: number;
  hidden: number;
  lr: number;
  muMax: number;
  schedule: 'sutskever' | 'constant';
  clip: number;
  batch: number;
  updates: number;
  evalEvery: number;
  evalSize: number;
  seed: number;
}

/** n addition-problem sequences: x (n, T, 2) and targets (n, 1). */
export function additionProblem(gen: Generator, n: number, T: number): { x: Tensor; y: Tensor } {
  const u = gen.uniform(new Float32Array(n * T));
  const ints = gen.integers();
  const half = Math.floor(T / 2);
  const x = new Float32Array(n * T * 2), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = ints.below(half), b = half + ints.below(T - half);
    for (let t = 0; t < T; t++) x[(i * T + t) * 2] = u[i * T + t];
    x[(i * T + a) * 2 + 1] = 1;
    x[(i * T + b) * 2 + 1] = 1;
    y[i] = Math.fround(u[i * T + a] + u[i * T + b]);
  }
  return { x: new Tensor(x, [n, T, 2]), y: new Tensor(y, [n, 1]) };
}

/**
 * The addition problem as a stream: each sample is [x (T, 2), target (1)], drawn from `generator` as it
 * is read (additionProblem with n = 1), so the generator's state after k samples says where the stream is.
 */
export class AdditionStream extends IterableDataset<[Tensor, Float32Array]> {
  constructor(readonly generator: Generator, readonly seqLen: number) {
    super();
  }

  *[Symbol.iterator](): Iterator<[Tensor, Float32Array]> {
    for (;;) {
      const { x, y } = additionProblem(this.generator, 1, this.seqLen);
      yield [x.reshape([this.seqLen, 2]), y.data];
    }
  }
}

/** RNN (batch-first) followed by a linear read-out of the last hidden state; on the tape (no backward of its own). */
export class AdditionNet extends Module {
  readonly rnn: RNN;
  readonly out: Linear;

  constructor(hidden: number, gen: Generator) {
    super();
    this.rnn = this.registerModule('rnn', new RNN(2, hidden, { batchFirst: true, generator: gen }));
    this.out = this.registerModule('out', new Linear(hidden, 1, { generator: gen }));
  }

  forward(x: Tensor): Tensor {
    const y = this.rnn.forward(x);
    // the RNN layer joins the tape as one node running its backward through time (when it does not record itself)
    const seq = onTape(this.rnn) ? y : tapeLayerwise(this.rnn, x, y);
    const [N, T] = [x.shape[0], x.shape[1]];
    return this.out.forward(seq.narrow(1, T - 1, 1).reshape([N, this.rnn.hiddenSize]));
  }
}

class RnnRun implements Trainable {
  readonly model: AdditionNet;
  readonly optimizer: ReturnType<typeof makeOptimizer>;
  readonly batch: number;
  readonly #data: Generator;
  readonly #loader: DataLoader<[Tensor, Tensor]>;
  #batches: Iterator<[Tensor, Tensor]> | null = null;
  readonly #clip: number;
  readonly #eval: { x: Tensor; y: Tensor };
  readonly #loss = new MSELoss();

  constructor(c: RnnConfig, seed: number, esn: boolean) {
    const gen = new Generator(seed);
    this.model = new AdditionNet(c.hidden, gen);
    if (esn) {
      const r = this.model.rnn;
      echoState(r.weightHh, { spectralRadius: 1.1, k: 15, generator: gen });
      normal(r.weightIh, { std: 0.001, generator: gen });
      r.biasIh?.data.fill(0);
      r.biasHh?.data.fill(0);
    }
    this.optimizer = makeOptimizer('nag', this.model.parameters(), c.lr, { muMax: c.muMax, schedule: c.schedule, finalPhase: 0, totalSteps: c.updates });
    this.batch = c.batch;
    this.#clip = c.clip;
    this.#data = new Generator(seed + 1);
    this.#loader = new DataLoader(new AdditionStream(this.#data, c.seqLen), { batchSize: c.batch });
    this.#eval = additionProblem(new Generator(seed + 2), c.evalSize, c.seqLen);
  }

  /** One update on the tape; the loader reads exactly one batch of the stream. */
  step(): number {
    this.#batches ??= this.#loader[Symbol.iterator]();
    const [x, y] = this.#batches.next().value as [Tensor, Tensor];
    this.optimizer.zeroGrad(true);
    const loss = this.#loss.forward(this.model.forward(x), y);
    loss.backward();
    if (this.#clip > 0) clipGradNorm(this.model.parameters(), this.#clip);
    this.optimizer.step();
    return loss.item();
  }

  evaluate(): Record<string, number> {
    return noGrad(() => atTheta(this.optimizer, () => {
      const p = this.model.forward(this.#eval.x);
      const d = new Float32Array(p.size);
      kernels().elementwise.binary('sub', p.data, this.#eval.y.data, d, 1, d.length, 'full');
      return { mse: kernels().reduce.all('sumSquares', d, 0) / d.length };
    }));
  }

  extraState(): unknown {
    return { data: this.#data.getState() };
  }

  /** The stream continues from the saved generator state (a new pass of the loader over it). */
  loadExtraState(s: unknown): void {
    this.#data.setState((s as { data: GeneratorState }).data);
    this.#batches = null;
  }
}

/** Echo-state and naive runs per seed s: weights from Generator(s), training sequences Generator(s + 1), evaluation set Generator(s + 2). */
export function rnnRuns(c: RnnConfig, seeds: readonly number[] = [c.seed]): RunDef[] {
  return [true, false].flatMap((esn) => seeds.map((seed): RunDef => ({
    id: `rnn/${esn ? 'esn' : 'naive'}/s${seed}`,
    group: esn ? 'echo-state init' : 'naive init',
    seed,
    label: `RNN ${esn ? 'echo-state init' : 'naive init'} seed ${seed}`,
    updates: c.updates,
    evalEvery: c.evalEvery,
    create: () => new RnnRun(c, seed, esn),
  })));
}
