// The tape (docs/autograd.md), as ratios measured in one run:
//  - tape overhead per op: a chain of 1,000 ops (mul, add, tanh by turns) on 16-element tensors,
//    forward + backward, µs per op (target <= 2 µs);
//  - the MLP step written from tensor ops (784-512-256-10, batch 128, ReLU, logSoftmax + the picked
//    log-probability of the label, mean, loss.backward(), an SGD update under fg.noGrad) against
//    PyTorch 1.13 doing the same in the same run (bench/torch/mlp_step.py; target ratio <= 1);
//  - the autoencoder training step of bench/suites/nn.ts on the tape (loss.backward()) against the
//    layer-wise step (net.backwardParameters(loss.backward())), alternating (target <= 1.05);
//  - fresh outputs: each op's default path against its { out } path from 1e5 elements (target <= 1.15;
//    a dropped result is not recycled before GC, see docs/memory.md), and the MLP step with the buffer
//    cache on against off.
// Run alone: npm run bench -- --only tape [--quick]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fg from '../../lib/index.js';
import { setCacheLimit } from '../../lib/backend/buffers.js';
import { timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';
import { autoencoder } from './nn.js';

const OPS = 1000;

function tapeChain(): () => void {
  const x = fg.rand([16], { requiresGrad: true }), w = fg.rand([16], { requiresGrad: true }), b = fg.rand([16], { requiresGrad: true });
  return () => {
    let h = x;
    for (let i = 0; i < OPS; i += 3) h = h.mul(w).add(b).tanh();
    h.sum().backward();
    x.grad = w.grad = b.grad = null;
  };
}

function mlpStep(): () => void {
  const g = new fg.Generator(0);
  const x = fg.rand([128, 784], { generator: g });
  const labels = fg.tensor(Array.from({ length: 128 }, (_, i) => (i * 7) % 10), { shape: [128, 1], dtype: 'int32' });
  const p = (shape: number[]) => fg.randn(shape, { generator: g }).mul(0.05).requiresGrad_();
  const w1 = p([784, 512]), b1 = fg.zeros([512], { requiresGrad: true });
  const w2 = p([512, 256]), b2 = fg.zeros([256], { requiresGrad: true });
  const w3 = p([256, 10]), b3 = fg.zeros([10], { requiresGrad: true });
  const params = [w1, b1, w2, b2, w3, b3];
  return () => {
    const h1 = x.matmul(w1).add(b1).relu();
    const h2 = h1.matmul(w2).add(b2).relu();
    const logp = h2.matmul(w3).add(b3).logSoftmax(1);
    const loss = logp.gather(1, labels).mean().neg();
    loss.backward();
    fg.noGrad(() => {
      for (const q of params) {
        q.sub_(q.grad!.mul(0.01));
        q.grad = null;
      }
    });
  };
}

function torchMlpMs(threads: number, reps: number): number | null {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // the anchor's own command only (never in tests)
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, '..', 'torch', 'mlp_step.py'), String(threads), String(reps)], { encoding: 'utf8', env });
  if (r.status !== 0) return null;
  try {
    return (JSON.parse(r.stdout.trim()) as { ms: number }).ms;
  } catch {
    return null;
  }
}

function autoencoderSteps(): { tape: () => void; layerwise: () => void } {
  const make = () => {
    const net = autoencoder([784, 1000, 500, 250, 30, 250, 500, 1000, 784], 1);
    const x = new fg.Tensor(new fg.Generator(2).uniform(new Float32Array(200 * 784)), [200, 784]);
    const loss = new fg.nn.BCEWithLogitsLoss();
    const opt = new fg.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9, nesterov: true });
    return { net, x, loss, opt };
  };
  const a = make(), b = make();
  return {
    tape: () => {
      a.opt.zeroGrad();
      a.loss.forward(a.net.forward(a.x), a.x).backward();
      a.opt.step();
    },
    layerwise: () => {
      b.opt.zeroGrad();
      fg.noGrad(() => b.loss.forward(b.net.forward(b.x), b.x));
      b.net.backwardParameters(b.loss.backward());
      b.opt.step();
    },
  };
}

/** Medians of alternating repeats of a and b: [a ms, b ms]. */
function alternate(a: () => void, b: () => void, reps: number): [number, number] {
  const ta: number[] = [], tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    ta.push(timeMedian(a, { reps: 1, warmup: r === 0 ? 10 : 0, warmupMs: r === 0 ? 300 : 0 }));
    tb.push(timeMedian(b, { reps: 1, warmup: r === 0 ? 10 : 0, warmupMs: r === 0 ? 300 : 0 }));
  }
  const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  return [med(ta), med(tb)];
}

function freshVsOut(n: number, reps: number): BenchRow[] {
  const a = fg.rand([n]), b = fg.rand([n]), out = fg.zeros([n]), r = fg.zeros([]);
  const rows = Math.round(n / 100), a2 = fg.rand([rows, 100]), row = fg.rand([100]), out2 = fg.zeros([rows, 100]);
  const cases: [string, () => void, () => void][] = [
    ['add', () => void fg.ops.add(a, b), () => void fg.ops.add(a, b, { out })],
    ['add (row broadcast)', () => void fg.ops.add(a2, row), () => void fg.ops.add(a2, row, { out: out2 })],
    ['mul (number)', () => void fg.ops.mul(a, 2), () => void fg.ops.mul(a, 2, { out })],
    ['exp', () => void fg.ops.exp(a), () => void fg.ops.exp(a, { out })],
    ['tanh', () => void fg.ops.tanh(a), () => void fg.ops.tanh(a, { out })],
    ['softmax (rows of 100)', () => void fg.ops.softmax(a2, 1), () => void fg.ops.softmax(a2, { dim: 1, out: out2 })],
    ['sum', () => void fg.ops.sum(a), () => void fg.ops.sum(a, { out: r })],
  ];
  return cases.map(([name, fresh, into]) => {
    const [f, o] = alternate(fresh, into, reps);
    return { suite: 'tape', case: `${name}: fresh output / { out }`, backend: fg.getBackend(), size: n, medianMs: f, note: `ratio ${(f / o).toFixed(2)} (out ${o.toFixed(3)} ms; target <= 1.15)` };
  });
}

/** The MLP step with the buffer cache on against off (FASTGRAD_CACHE_MB=0 in effect), alternating. */
function cacheOnOff(reps: number): BenchRow {
  const step = mlpStep();
  const on = () => step();
  const off = () => {
    const prev = setCacheLimit(0);
    try {
      step();
    } finally {
      setCacheLimit(prev);
    }
  };
  const h0 = fg.backendInfo().cache.hits;
  const [a, b] = alternate(on, off, reps);
  const c = fg.backendInfo().cache;
  return { suite: 'tape', case: 'MLP step: buffer cache on / off', backend: fg.getBackend(), size: 128, medianMs: a, note: `off ${b.toFixed(2)} ms: ratio ${(a / b).toFixed(3)}; ${c.hits - h0} cache hits, ${(c.bytes / 2 ** 20).toFixed(1)} MB held` };
}

function run(ctx: BenchContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const chain = tapeChain();
  // warm until V8 has optimised the ~30 functions of an op's forward and backward (the first ~20
  // chains run 10-30x slower in a fresh process): the figure is the steady per-op cost, as torch's is
  const chainMs = timeMedian(chain, { reps: ctx.quick ? 3 : 9, warmup: 30, warmupMs: 500 });
  rows.push({ suite: 'tape', case: `chain of ${OPS} ops on 16 elements, forward + backward`, backend: fg.getBackend(), size: 16, medianMs: chainMs, note: `${((chainMs * 1e3) / OPS).toFixed(2)} µs per op (target <= 2)` });
  const reps = ctx.quick ? 3 : 7;
  const mlp = mlpStep();
  const ours: number[] = [], theirs: number[] = [];
  for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
    ours.push(timeMedian(mlp, { reps, warmup: 10, warmupMs: 300 })); // warm: the buffer cache and V8's optimised code
    const t = torchMlpMs(ctx.threads, reps);
    if (t !== null) theirs.push(t);
  }
  const med = (v: number[]) => v.slice().sort((x, y) => x - y)[v.length >> 1];
  const mOurs = med(ours), mTorch = theirs.length ? med(theirs) : NaN;
  rows.push({ suite: 'tape', case: 'MLP 784-512-256-10 step from tensor ops, batch 128', backend: fg.getBackend(), size: 128, medianMs: mOurs, note: Number.isNaN(mTorch) ? 'PyTorch not available' : `PyTorch 1.13 ${mTorch.toFixed(2)} ms in this run: ratio ${(mOurs / mTorch).toFixed(2)} (target <= 1)` });
  const ae = autoencoderSteps();
  // each sample is 4 steps (one ~15 ms step per sample swung 0.8-1.4x between runs on a jittery VM)
  const times4 = (f: () => void) => () => { for (let i = 0; i < 4; i++) f(); };
  const [tape4, lw4] = alternate(times4(ae.tape), times4(ae.layerwise), ctx.quick ? 5 : 11);
  const tape = tape4 / 4, lw = lw4 / 4;
  rows.push({ suite: 'tape', case: 'autoencoder step on the tape / layer-wise, batch 200', backend: fg.getBackend(), size: 200, medianMs: tape, note: `layer-wise ${lw.toFixed(2)} ms: ratio ${(tape / lw).toFixed(3)} (target <= 1.05)` });
  for (const n of ctx.quick ? [1e5] : [1e5, 1e6]) rows.push(...freshVsOut(n, ctx.quick ? 5 : 11));
  rows.push(cacheOnOff(ctx.quick ? 5 : 11));
  return rows;
}

export const suite: BenchSuite = { name: 'tape', run };
