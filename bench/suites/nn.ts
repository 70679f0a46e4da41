// fg.nn: Linear forward+backward at the deep-autoencoder sizes (batch 200), and one full training step
// of the 784-1000-500-250-30-250-500-1000-784 autoencoder (Hinton & Salakhutdinov 2006 shape: sigmoid
// after every hidden layer except the linear 30-unit code; logits out): forward, BCE-with-logits loss
// against the input, backward (no dx for the first layer), SGD step with Nesterov momentum 0.9
// (fg.optim.SGD), after zeroGrad.
// Target: <= 45 ms per step with 2 threads (PyTorch 1.13 + OpenBLAS, 2 threads: 58.6 ms on the
// reference machine).
// Run alone: npm run bench -- --only nn [--quick]
import * as fg from '../../lib/index.js';
import { timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

const BATCH = 200;
const ENCODER = [784, 1000, 500, 250, 30];
const AUTOENCODER = [...ENCODER, ...ENCODER.slice(0, -1).reverse()];

function uniform01(n: number, seed: number): Float32Array {
  return new fg.Generator(seed).uniform(new Float32Array(n));
}

/** The autoencoder: Linear layers with Sigmoid after each except the code layer and the output. */
export function autoencoder(sizes: readonly number[], seed: number): fg.nn.Sequential {
  const g = new fg.Generator(seed);
  const layers: fg.nn.Module[] = [];
  const code = sizes.indexOf(Math.min(...sizes));
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new fg.nn.Linear(sizes[i], sizes[i + 1], { generator: g }));
    if (i + 1 !== code && i + 2 !== sizes.length) layers.push(new fg.nn.Sigmoid());
  }
  return new fg.nn.Sequential(...layers);
}

function linearRows(ctx: BenchContext, backend: 'native' | 'js'): BenchRow[] {
  const rows: BenchRow[] = [];
  for (let i = 0; i + 1 < ENCODER.length; i++) {
    const [inF, outF] = [ENCODER[i], ENCODER[i + 1]];
    if (backend === 'js' && inF * outF > 125000) continue; // seconds per call in TypeScript
    const lin = new fg.nn.Linear(inF, outF, { generator: new fg.Generator(i) });
    const x = new fg.Tensor(uniform01(BATCH * inF, 10 + i), [BATCH, inF]);
    const dy = new fg.Tensor(uniform01(BATCH * outF, 20 + i), [BATCH, outF]);
    const ms = timeMedian(() => {
      lin.forward(x);
      lin.backward(dy);
    }, { reps: backend === 'js' || ctx.quick ? 3 : 9, warmup: 1 });
    const gflops = (6 * BATCH * inF * outF) / (ms * 1e6);
    rows.push({ suite: 'nn', case: `Linear(${inF}, ${outF}) forward+backward, batch ${BATCH}`, backend, size: `${BATCH}x${inF}x${outF}`, medianMs: ms, gflops, pctPeak: (100 * gflops) / ctx.fmaPeakGFlops });
  }
  return rows;
}

function trainStepRow(ctx: BenchContext, backend: 'native' | 'js'): BenchRow {
  const net = autoencoder(AUTOENCODER, 1);
  const x = new fg.Tensor(uniform01(BATCH * 784, 2), [BATCH, 784]);
  const loss = new fg.nn.BCEWithLogitsLoss();
  const opt = new fg.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9, nesterov: true });
  const step = () => {
    opt.zeroGrad();
    loss.forward(net.forward(x), x);
    net.backwardParameters(loss.backward());
    opt.step();
  };
  const ms = timeMedian(step, { reps: backend === 'js' || ctx.quick ? 3 : 9, warmup: 2 });
  let macs = 0;
  for (let i = 0; i + 1 < AUTOENCODER.length; i++) macs += AUTOENCODER[i] * AUTOENCODER[i + 1];
  const flops = 2 * BATCH * macs * 3 - 2 * BATCH * AUTOENCODER[0] * AUTOENCODER[1]; // forward, dW, dx (none for layer 1)
  const gflops = flops / (ms * 1e6);
  return {
    suite: 'nn', case: `autoencoder ${AUTOENCODER.join('-')} training step, batch ${BATCH}`, backend, size: `${macs} weights`, medianMs: ms,
    gflops, pctPeak: (100 * gflops) / ctx.fmaPeakGFlops, note: 'SGD nesterov 0.9; target <= 45 ms (2 threads), PyTorch 1.13: 58.6 ms',
  };
}

function run(ctx: BenchContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const before = fg.getBackend();
  try {
    for (const backend of ['native', 'js'] as const) {
      if (backend === 'native' && !ctx.native) continue;
      if (backend === 'js' && ctx.quick) continue;
      fg.setBackend(backend);
      rows.push(...linearRows(ctx, backend));
      if (backend === 'native') rows.push(trainStepRow(ctx, backend));
    }
  } finally {
    fg.setBackend(before);
  }
  return rows;
}

export const suite: BenchSuite = { name: 'nn', run };
