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
// The output layer is torch's default Linear in both. Evaluation: MSE on a fixed set of --eval-size
// sequences (drawn once from seed + 2), at NAG's theta.
import { kernels } from '../backend/select.js';
import { echoState, normal } from '../init/index.js';
import { Generator, type GeneratorState } from '../random.js';
import { Tensor } from '../tensor.js';
import { Linear } from '../nn/linear.js';
import { MSELoss } from '../nn/loss.js';
import { Module } from '../nn/module.js';
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

/** RNN (batch-first) followed by a linear read-out of the last hidden state. */
export class AdditionNet extends Module {
  readonly rnn: RNN;
  readonly out: Linear;
  #T = 0;
  #N = 0;

  constructor(hidden: number, gen: Generator) {
    super();
    this.rnn = this.registerModule('rnn', new RNN(2, hidden, { batchFirst: true, generator: gen }));
    this.out = this.registerModule('out', new Linear(hidden, 1, { generator: gen }));
  }

  forward(x: Tensor): Tensor {
    this.rnn.forward(x);
    [this.#N, this.#T] = [x.shape[0], x.shape[1]];
    return this.out.forward(this.rnn.hN as Tensor);
  }

  backward(dy: Tensor): Tensor {
    const dh = this.out.backward(dy);
    const H = this.rnn.hiddenSize, N = this.#N, T = this.#T;
    const dOut = Tensor.zeros([N, T, H]);
    for (let i = 0; i < N; i++) dOut.data.set(dh.data.subarray(i * H, (i + 1) * H), (i * T + T - 1) * H);
    return this.rnn.backward(dOut);
  }
}

class RnnRun implements Trainable {
  readonly model: AdditionNet;
  readonly optimizer: ReturnType<typeof makeOptimizer>;
  readonly batch: number;
  readonly #c: RnnConfig;
  readonly #data: Generator;
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
    this.#c = c;
    this.#data = new Generator(seed + 1);
    this.#eval = additionProblem(new Generator(seed + 2), c.evalSize, c.seqLen);
  }

  step(): number {
    const { x, y } = additionProblem(this.#data, this.batch, this.#c.seqLen);
    const loss = this.#loss.forward(this.model.forward(x), y).data[0];
    this.optimizer.zeroGrad();
    this.model.backwardParameters(this.#loss.backward());
    if (this.#c.clip > 0) clipGradNorm(this.model.parameters(), this.#c.clip);
    this.optimizer.step();
    return loss;
  }

  evaluate(): Record<string, number> {
    return atTheta(this.optimizer, () => {
      const p = this.model.forward(this.#eval.x);
      const d = new Float32Array(p.size);
      kernels().elementwise.binary('sub', p.data, this.#eval.y.data, d, 1, d.length, 'full');
      return { mse: kernels().reduce.all('sumSquares', d, 0) / d.length };
    });
  }

  extraState(): unknown {
    return { data: this.#data.getState() };
  }

  loadExtraState(s: unknown): void {
    this.#data.setState((s as { data: GeneratorState }).data);
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
