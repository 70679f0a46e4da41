// GEMM against OpenBLAS in the same run: GFLOP/s and % of the measured FMA peak of fastgrad's native GEMM,
// and PyTorch 1.13's torch.mm / addmm_ on the same shapes (bench/torch/cases.py through bench/anchor.ts:
// OpenBLAS on its own kernel pick, or its Haswell (AVX2) kernels when fastgrad runs at FASTGRAD_SIMD=avx2;
// the faster of torch at the configured thread count and at 1 thread). Shapes: squares 64..2048; the 24
// GEMMs of the 784-1000-500-250-30 autoencoder at batch 200 (per Linear(in, out), weight stored out x in:
// forward Y = X·Wᵀ, dW = dYᵀ·X accumulated with beta = 1, dX = dY·W; the forward's bias + relu are left
// out so that both sides run the same GEMM); skinny outputs (N <= 32). Outputs are preallocated on both
// sides (`out`), so no allocation is timed. Rounds alternate fastgrad and torch; each figure is the median
// over rounds of per-round medians. `vs OpenBLAS` = fastgrad time / torch time (< 1: fastgrad faster);
// `fastest rounds`: the same ratio of each side's fastest round (steadier on a busy machine).
// The TypeScript twin is timed at 256 and 512.
// Targets (2 threads): no slower than OpenBLAS at every size 64..2048 and on every autoencoder / skinny
// shape; >= 85% of the FMA peak from 512 up.
//
// Alone: `npm run bench -- --only gemm` (FASTGRAD_SIMD=avx2|avx512 to pick the level; --loaded for a busy core).
import type { Kernels } from '../../lib/backend/kernels.js';
import * as fg from '../../lib/index.js';
import { torchCases } from '../anchor.js';
import { loadAverage, timeMedian, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  beta: number;
}

const SQUARE = [64, 128, 256, 512, 1024, 2048];
const TS_SQUARE = [256, 512];
const BATCH = 200;
const ENCODER: [number, number][] = [[784, 1000], [1000, 500], [500, 250], [250, 30]];

function square(s: number): Shape {
  return { name: `square ${s}`, m: s, n: s, k: s, transA: false, transB: false, beta: 0 };
}

/** The three GEMMs of a Linear(inF, outF) layer (weight stored outF x inF) at batch BATCH. */
function linear(inF: number, outF: number): Shape[] {
  const tag = `${inF}->${outF}`;
  return [
    { name: `${tag} forward`, m: BATCH, n: outF, k: inF, transA: false, transB: true, beta: 0 },
    { name: `${tag} dW`, m: outF, n: inF, k: BATCH, transA: true, transB: false, beta: 1 },
    { name: `${tag} dX`, m: BATCH, n: inF, k: outF, transA: false, transB: false, beta: 0 },
  ];
}

/** The autoencoder's 24 GEMMs: the encoder's layers, then the decoder's (the same with in and out swapped). */
const AUTOENCODER: Shape[] = [...ENCODER.flatMap(([i, o]) => linear(i, o)), ...[...ENCODER].reverse().flatMap(([i, o]) => linear(o, i))];

/** Skinny outputs (N <= 32) beyond the autoencoder's: a 10-class head, a 16- and a 1-column product. */
const SKINNY: Shape[] = [
  { name: '784->10 forward', m: BATCH, n: 10, k: 784, transA: false, transB: true, beta: 0 },
  { name: '784->10 dW', m: 10, n: 784, k: BATCH, transA: true, transB: false, beta: 1 },
  { name: '1024x16x1024', m: 1024, n: 16, k: 1024, transA: false, transB: false, beta: 0 },
  { name: 'matrix-vector 1024', m: 1024, n: 1, k: 1024, transA: false, transB: false, beta: 0 },
];

const torchName = (s: Shape) => `gemm_${s.m}_${s.n}_${s.k}_${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}_${s.beta}`;

function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = x / 2 ** 31 - 1;
  }
  return a;
}

/** One GEMM call on preallocated operands, stored as the transposes say. */
function caller(K: Kernels, s: Shape): () => void {
  const a = fill(s.m * s.k, 1), b = fill(s.k * s.n, 2), c = fill(s.m * s.n, 3);
  return () => K.gemm.gemm(a, b, c, s.m, s.n, s.k, s.transA, s.transB, 1, s.beta, null, 'none');
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : NaN);
const flops = (s: Shape) => 2 * s.m * s.n * s.k;

function row(s: Shape, backend: string, ms: number, note?: string): BenchRow {
  return { suite: 'gemm', case: s.name, backend, size: `${s.m}x${s.n}x${s.k}`, medianMs: ms, gflops: flops(s) / (ms * 1e6), note };
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (ctx.native) {
    const K = ctx.native;
    const shapes = [...(ctx.quick ? [64, 256, 1024] : SQUARE).map(square), ...AUTOENCODER, ...SKINNY];
    const calls = shapes.map((s) => caller(K, s));
    const rounds = ctx.quick ? 2 : 3, reps = ctx.quick ? 3 : 5;
    const fgMs = shapes.map(() => [] as number[]), torchMs = shapes.map(() => [] as number[]);
    const names = shapes.map(torchName);
    const loads: number[] = [];
    let torchOk = true;
    for (let r = 0; r < rounds; r++) {
      loads.push(loadAverage());
      const timeFg = () => shapes.forEach((_, i) => fgMs[i].push(timeMedian(calls[i], { reps, warmup: 2 })));
      const timeTorch = () => {
        if (!torchOk) return;
        // the faster of torch at the configured thread count and at one thread, per shape
        const t = [torchCases(ctx.threads, reps, names, fg.simdLevel()), ctx.threads > 1 ? torchCases(1, reps, names, fg.simdLevel()) : null];
        if (!t[0]) {
          torchOk = false;
          return;
        }
        shapes.forEach((_, i) => torchMs[i].push(Math.min(t[0]![names[i]], t[1]?.[names[i]] ?? Infinity)));
      };
      if (r % 2) {
        timeTorch();
        timeFg();
      } else {
        timeFg();
        timeTorch();
      }
    }
    const la = `load ${median(loads).toFixed(1)}`;
    let fgSum = 0, torchSum = 0, aeFlops = 0;
    shapes.forEach((s, i) => {
      const ms = median(fgMs[i]), tms = median(torchMs[i]);
      // on a busy machine the medians swing with the neighbours; the fastest rounds of each side are steadier
      const best = Math.min(...fgMs[i]) / Math.min(...torchMs[i]);
      const notes = [s.beta ? 'beta = 1' : '', Number.isFinite(tms) ? `OpenBLAS ${tms.toPrecision(3)} ms, vs OpenBLAS ${(ms / tms).toFixed(2)} (fastest rounds ${best.toFixed(2)})` : 'no torch anchor', la];
      rows.push(row(s, 'native', ms, notes.filter(Boolean).join('; ')));
      if (AUTOENCODER.includes(s)) {
        fgSum += ms;
        torchSum += tms;
        aeFlops += flops(s);
      }
    });
    const ae: Shape = { name: 'autoencoder step (24 GEMMs)', m: BATCH, n: 0, k: 0, transA: false, transB: false, beta: 0 };
    rows.push({ ...row(ae, 'native', fgSum), gflops: aeFlops / (fgSum * 1e6), size: `batch ${BATCH}`, note: `sum of medians; OpenBLAS ${torchSum.toPrecision(3)} ms, vs OpenBLAS ${(fgSum / torchSum).toFixed(2)}` });
  }
  for (const n of ctx.quick ? [256] : TS_SQUARE) {
    const s = square(n);
    rows.push(row(s, 'js', timeMedian(caller(ctx.js, s), { reps: 3, warmup: 1 }), 'TypeScript twin (exact fma emulation)'));
  }
  return rows;
}

export const suite: BenchSuite = { name: 'gemm', run };
