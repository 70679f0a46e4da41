// RNG fills: uniform and normal (Philox4x32-10, Box–Muller on fixed polynomials), native vs TypeScript.
// Run alone: npm run bench -- --only rng
import type { Kernels } from '../../lib/backend/kernels.js';
import { fg, timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

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
