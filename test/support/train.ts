// A small network trained on fixed data, for the worker_threads and soak checks: Linear → BatchNorm1d
// → Tanh → Linear, MSE loss, Adam (fg.nn + fg.optim: the GEMM, batch-norm, unary, elementwise, reduce
// and optimizer kernels every step). Deterministic for a seed.
import * as fg from '../../lib/index.js';
import { randomF32 } from './harness.js';

export interface SmallNet {
  /** One training step; returns the loss before it. */
  step(): number;
  /** The same step with the optimizer's kernels off the event loop (optimizer.stepAsync). */
  stepAsync(): Promise<number>;
  params: fg.Parameter[];
}

export function smallNet(seed: number, N = 64, C = 16, H = 32): SmallNet {
  const g = new fg.Generator(seed);
  const net = new fg.nn.Sequential(new fg.nn.Linear(C, H, { generator: g }), new fg.nn.BatchNorm1d(H), new fg.nn.Tanh(), new fg.nn.Linear(H, C, { generator: g }));
  const x = new fg.Tensor(randomF32(N * C, seed), [N, C]);
  const y = new fg.Tensor(randomF32(N * C, seed + 1, { lo: -0.9, hi: 0.9 }), [N, C]);
  const lossFn = new fg.nn.MSELoss();
  const params = net.parameters();
  const opt = new fg.optim.Adam(params, { lr: 0.01 });
  const forwardBackward = () => {
    opt.zeroGrad();
    const loss = lossFn.forward(net.forward(x), y).data[0];
    net.backward(lossFn.backward());
    return loss;
  };
  return {
    params,
    step() {
      const loss = forwardBackward();
      opt.step();
      return loss;
    },
    async stepAsync() {
      const loss = forwardBackward();
      await opt.stepAsync();
      return loss;
    },
  };
}

/** Trains `steps` steps; returns the losses and copies of the final parameters. */
export function trainSmall(seed: number, steps: number): { losses: number[]; params: Float32Array[] } {
  const net = smallNet(seed);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(net.step());
  return { losses, params: net.params.map((p) => p.data.slice()) };
}
