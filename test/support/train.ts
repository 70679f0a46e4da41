// A small network trained on fixed data, for the worker_threads, fault and soak checks (until fg.nn
// has layers): z = BN(P ⊙ X; w, b), a = tanh(z), loss = ½Σ(a − T)², Adam on P, w and b. Exercises the
// elementwise, unary, reduce, batch-norm and optimizer kernels. Deterministic for a seed.
import * as fg from '../../lib/index.js';
import { randomF32 } from './harness.js';

export interface SmallNet {
  /** One training step; returns the loss before it. */
  step(): number;
  /** One training step with the batch-norm passes and the optimizer step off the event loop. */
  stepAsync(): Promise<number>;
  params: fg.Parameter[];
}

export function smallNet(seed: number, N = 64, C = 16): SmallNet {
  const F = fg.nn.functional;
  const X = new fg.Tensor(randomF32(N * C, seed), [N, C]);
  const T = new fg.Tensor(randomF32(N * C, seed + 1, { lo: -0.9, hi: 0.9 }), [N, C]);
  const P = new fg.Parameter(randomF32(N * C, seed + 2), [N, C]);
  const w = new fg.Parameter(new Float32Array(C).fill(1), [C]);
  const b = new fg.Parameter(new Float32Array(C), [C]);
  const opt = new fg.optim.Adam([P, w, b], { lr: 0.01 });
  const forward = (z: fg.Tensor) => {
    const a = fg.ops.tanh(z);
    const da = fg.ops.sub(a, T);
    return { loss: fg.ops.sumSquares(da).data[0] / 2, dz: fg.ops.tanhBackward(a, da) };
  };
  const setGrads = (dx: fg.Tensor, dw: fg.Tensor | null, db: fg.Tensor | null) => {
    P.grad = fg.ops.mul(dx, X);
    w.grad = dw;
    b.grad = db;
  };
  return {
    params: [P, w, b],
    step() {
      const xin = fg.ops.mul(P, X);
      const f = F.batchNormTrain(xin, w, b);
      const { loss, dz } = forward(f.y);
      const g = F.batchNormBackward(dz, xin, f.mean, f.invstd, w);
      setGrads(g.dx, g.dweight, g.dbias);
      opt.step();
      return loss;
    },
    async stepAsync() {
      const xin = fg.ops.mul(P, X);
      const f = await F.batchNormTrainAsync(xin, w, b);
      const { loss, dz } = forward(f.y);
      const g = await F.batchNormBackwardAsync(dz, xin, f.mean, f.invstd, w);
      setGrads(g.dx, g.dweight, g.dbias);
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
