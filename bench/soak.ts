// Leak soak: many small native kernel calls (and, where the library has them, training steps);
// RSS after warm-up must grow by less than 5 MB. Run: node --expose-gc --import tsx bench/soak.ts [--calls N]
import * as fg from '../lib/index.js';

export interface SoakResult {
  phase: string;
  iterations: number;
  rssWarmMB: number;
  rssEndMB: number;
  growthMB: number;
  ok: boolean;
}

const LIMIT_MB = 5;
const rssMB = () => process.memoryUsage().rss / 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Runs body(i) for `iterations`; warm-up is the first 10%; RSS is sampled after a GC at both ends. */
export function soak(phase: string, iterations: number, body: (i: number) => void): SoakResult {
  const warm = Math.max(1, Math.floor(iterations / 10));
  for (let i = 0; i < warm; i++) body(i);
  gc();
  const rssWarm = rssMB();
  for (let i = warm; i < iterations; i++) body(i);
  gc();
  const rssEnd = rssMB();
  const growth = rssEnd - rssWarm;
  return { phase, iterations, rssWarmMB: rssWarm, rssEndMB: rssEnd, growthMB: growth, ok: growth < LIMIT_MB };
}

/** One small call into every elementwise kernel per iteration, with fresh output tensors (exercises GC of views). */
export function kernelCalls(iterations: number): SoakResult {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
  const row = fg.Tensor.from([1, 2, 3, 4], [4]);
  return soak('small kernel calls', iterations, (i) => {
    const y = fg.ops.add(a, row);
    fg.ops.mul(y, 0.5, { out: y });
    fg.ops.clamp(y, -1, 1 + (i & 1), { out: y });
  });
}

function main(): void {
  const argCalls = process.argv.indexOf('--calls');
  const calls = argCalls > 0 ? Number(process.argv[argCalls + 1]) : 1_000_000;
  const results = [kernelCalls(Math.ceil(calls / 3))];
  console.log(`backend ${fg.getBackend()} (${fg.simdLevel()}), ${fg.getNumThreads()} threads`);
  for (const r of results) {
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.phase}: ${r.iterations} iterations (x3 kernel calls), RSS ${r.rssWarmMB.toFixed(1)} -> ${r.rssEndMB.toFixed(1)} MB (growth ${r.growthMB.toFixed(2)} MB, limit ${LIMIT_MB})`);
  }
  if (!results.every((r) => r.ok)) process.exitCode = 1;
}

if (require.main === module) main();
