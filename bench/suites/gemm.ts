// GEMM: GFLOP/s and % of the measured FMA peak, native, for square sizes 128..2048, for the three GEMMs
// of each Linear layer of the 784-1000-500-250-30 autoencoder at batch 200 (forward Y = X·Wᵀ + b with
// relu, dW = dYᵀ·X accumulated with beta = 1, dX = dY·W), and for the TypeScript twin at 256 and 512.
// Targets (2 threads): >= 80% of the FMA peak at 1024 and 2048, >= 60% on the autoencoder shapes,
// TypeScript twin >= 0.5 GFLOP/s at 512.
//
// Alone: `npm run bench -- --only gemm`.
import type { GemmActivation, Kernels } from '../../lib/backend/kernels.js';
import { timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  beta: number;
  bias: boolean;
  activation: GemmActivation;
}

const SQUARE = [128, 256, 512, 1024, 2048];
const TS_SQUARE = [256, 512];
const BATCH = 200;
const LAYERS: [number, number][] = [[784, 1000], [1000, 500], [500, 250], [250, 30]];

function square(s: number): Shape {
  return { name: `square ${s}`, m: s, n: s, k: s, transA: false, transB: false, beta: 0, bias: false, activation: 'none' };
}

/** The three GEMMs of a Linear(inF, outF) layer (weight stored outF x inF) at batch BATCH. */
function linear(inF: number, outF: number): Shape[] {
  const tag = `${inF}->${outF}`;
  return [
    { name: `${tag} forward`, m: BATCH, n: outF, k: inF, transA: false, transB: true, beta: 0, bias: true, activation: 'relu' },
    { name: `${tag} dW`, m: outF, n: inF, k: BATCH, transA: true, transB: false, beta: 1, bias: false, activation: 'none' },
    { name: `${tag} dX`, m: BATCH, n: inF, k: outF, transA: false, transB: false, beta: 0, bias: false, activation: 'none' },
  ];
}

/** Operands of a shape, stored as the transposes say. */
function operands(s: Shape) {
  const fill = (n: number, seed: number) => {
    const a = new Float32Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      a[i] = x / 2 ** 31 - 1;
    }
    return a;
  };
  return { a: fill(s.m * s.k, 1), b: fill(s.k * s.n, 2), c: fill(s.m * s.n, 3), bias: s.bias ? fill(s.n, 4) : null };
}

interface Measured {
  ms: number;
  gflops: number;
  /** GFLOP per second of process CPU time (all threads): per-core efficiency, robust to other processes
   * taking the cores (time spent descheduled does not count; OpenMP spin-waiting does). */
  cpuGflops?: number;
}

function measure(K: Kernels, s: Shape, reps: number): Measured {
  const x = operands(s);
  const call = () => K.gemm.gemm(x.a, x.b, x.c, s.m, s.n, s.k, s.transA, s.transB, 1, s.beta, x.bias, s.activation);
  const ms = timeMedian(call, { reps, warmup: reps > 3 ? 2 : 1 });
  const flops = 2 * s.m * s.n * s.k;
  // CPU time over at least ~200 ms of calls (process.cpuUsage has millisecond-scale granularity)
  const runs = Math.max(reps, Math.ceil(200 / Math.max(ms, 1e-3)));
  const u0 = process.cpuUsage();
  for (let r = 0; r < runs; r++) call();
  const u = process.cpuUsage(u0);
  const cpuS = (u.user + u.system) / 1e6;
  return { ms, gflops: flops / (ms * 1e6), cpuGflops: cpuS > 0 ? (flops * runs) / cpuS / 1e9 : undefined };
}

function row(s: Shape, backend: string, m: Measured, ctx: BenchContext, note?: string): BenchRow {
  const cpu = m.cpuGflops === undefined ? '' : `${m.cpuGflops.toFixed(1)} GFLOP per CPU-second`;
  return {
    suite: 'gemm',
    case: s.name,
    backend,
    size: `${s.m}x${s.n}x${s.k}`,
    medianMs: m.ms,
    gflops: m.gflops,
    pctPeak: (100 * m.gflops) / ctx.fmaPeakGFlops,
    note: [note, cpu].filter(Boolean).join('; ') || undefined,
  };
}

export const suite: BenchSuite = {
  name: 'gemm',
  run(ctx: BenchContext): BenchRow[] {
    const rows: BenchRow[] = [];
    const reps = ctx.quick ? 3 : 9;
    if (ctx.native) {
      const N = ctx.native;
      for (const s of ctx.quick ? [256, 1024] : SQUARE) rows.push(row(square(s), 'native', measure(N, square(s), reps), ctx));
      let flops = 0, ms = 0;
      for (const [i, o] of LAYERS) {
        for (const s of linear(i, o)) {
          const m = measure(N, s, reps);
          rows.push(row(s, 'native', m, ctx, s.name.endsWith('forward') ? 'bias + relu fused' : s.beta ? 'beta = 1' : undefined));
          flops += 2 * s.m * s.n * s.k;
          ms += m.ms;
        }
      }
      // the decoder (30-250-500-1000-784) has the same shapes with inF and outF swapped
      for (const [i, o] of LAYERS) {
        for (const s of linear(o, i)) {
          flops += 2 * s.m * s.n * s.k;
          ms += measure(N, s, reps).ms;
        }
      }
      const all: Shape = { ...square(0), name: 'autoencoder step (24 GEMMs)', m: BATCH, n: 0, k: 0 };
      rows.push({ ...row(all, 'native', { ms, gflops: flops / (ms * 1e6) }, ctx, 'sum of medians'), size: `batch ${BATCH}` });
    }
    for (const s of ctx.quick ? [256] : TS_SQUARE) rows.push(row(square(s), 'js', measure(ctx.js, square(s), 3), ctx, 'TypeScript twin (exact fma emulation)'));
    return rows;
  },
};
