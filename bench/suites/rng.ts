// RNG fills: uniform and normal (Philox4x32-10, Box–Muller on fixed polynomials), native vs TypeScript.
// Run alone: node --import tsx bench/suites/rng.ts   (FG_BW_GBS, FG_PEAK_GFLOPS, FASTGRAD_NUM_THREADS)
import type { Kernels } from '../../lib/backend/kernels.js';
import { fg, kernelsFor, timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

const KINDS = ['uniform', 'normal'] as const;

function fill(K: Kernels, kind: (typeof KINDS)[number], out: Float32Array): void {
  if (kind === 'uniform') K.rng.uniform(1, 2, 0, 0, 1, out);
  else K.rng.normal(1, 2, 0, 0, 1, out);
}

export const suite: BenchSuite = {
  name: 'rng',
  run(ctx: BenchContext): BenchRow[] {
    const rows: BenchRow[] = [];
    const sizes = ctx.quick ? [1e5] : [1e5, 1e7];
    for (const n of sizes) {
      const out = new Float32Array(n);
      for (const kind of KINDS) {
        const jsMs = timeMedian(() => fill(ctx.js, kind, out), n >= 1e7 ? { reps: 3, warmup: 1 } : {});
        rows.push(withBandwidth({ suite: 'rng', case: kind, backend: 'js', size: n, medianMs: jsMs, nsPerElement: (jsMs * 1e6) / n }, 4 * n, ctx));
        if (ctx.native) {
          const K = ctx.native;
          const ms = timeMedian(() => fill(K, kind, out));
          rows.push(withBandwidth({ suite: 'rng', case: kind, backend: 'native', size: n, medianMs: ms, nsPerElement: (ms * 1e6) / n, speedupVsJs: jsMs / ms, note: `simd ${fg.simdLevel()}, ${ctx.threads} threads` }, 4 * n, ctx));
        }
      }
    }
    return rows;
  },
};

if (require.main === module) {
  const { js, native } = kernelsFor();
  const ctx: BenchContext = {
    js,
    native,
    bandwidthGBs: Number(process.env.FG_BW_GBS ?? 35),
    fmaPeakGFlops: Number(process.env.FG_PEAK_GFLOPS ?? 234),
    threads: fg.getNumThreads(),
    quick: process.argv.includes('--quick'),
  };
  const rows = suite.run(ctx) as BenchRow[];
  console.log('| case | backend | size | median ms | ns/elem | GB/s written | vs js | note |\n|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.case} | ${r.backend} | ${r.size} | ${r.medianMs.toFixed(3)} | ${r.nsPerElement?.toFixed(2)} | ${r.gbPerS?.toFixed(2)} | ${r.speedupVsJs ? r.speedupVsJs.toFixed(1) + 'x' : ''} | ${r.note ?? ''} |`);
  }
}
