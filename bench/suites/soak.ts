// The leak soak (bench/soak.ts) as a bench suite: one row per phase, RSS figures in `note`.
// Full plan (1,000,000 small kernel calls, 5,000 training steps, 20,000 async iterations: ~20 s);
// --quick runs a tenth of it. Run alone: npm run soak.
import { describe, FULL, runSoak } from '../soak.js';
import type { BenchContext, BenchRow, BenchSuite } from '../harness.js';

export const suite: BenchSuite = {
  name: 'soak',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const plan = ctx.quick ? { calls: FULL.calls / 10, steps: FULL.steps / 10, asyncIterations: FULL.asyncIterations / 10, tapeSteps: FULL.tapeSteps / 10 } : FULL;
    const rows: BenchRow[] = [];
    const t0 = performance.now();
    const results = await runSoak(plan);
    const ms = performance.now() - t0;
    for (const r of results) {
      rows.push({ suite: 'soak', case: r.phase, backend: ctx.native ? 'native' : 'js', size: r.iterations, medianMs: ms / results.length, note: describe(r) });
    }
    return rows;
  },
};
