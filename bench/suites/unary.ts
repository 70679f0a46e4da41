// Unary kernels: native vs the TypeScript twin at 1e3, 1e5 and 1e7 elements (ns/element, GB/s,
// % of measured bandwidth, native speedup over TypeScript). Maps move 8 bytes per element (read x,
// write y); softmax/logSoftmax rows of 1000 move 20 (x read twice; y written twice and read once).
// Alone: `npm run bench -- --only unary`.
import type { UnaryKernels } from '../../lib/backend/kernels.js';
import { timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Case {
  name: string;
  bytes: number;
  run(k: UnaryKernels, x: Float32Array, y: Float32Array): void;
}

const ROW = 1000;
const map = (op: Parameters<UnaryKernels['map']>[0]): Case => ({ name: op, bytes: 8, run: (k, x, y) => k.map(op, x, y) });
const CASES: Case[] = [
  map('relu'),
  map('exp'),
  map('log'),
  map('sigmoid'),
  map('tanh'),
  { name: 'sigmoidBackward', bytes: 12, run: (k, x, y) => k.backward('sigmoid', x, x, y) },
  { name: `softmax[rows x ${ROW}]`, bytes: 20, run: (k, x, y) => k.softmax(x, y, x.length / ROW, ROW) },
  { name: `logSoftmax[rows x ${ROW}]`, bytes: 16, run: (k, x, y) => k.logSoftmax(x, y, x.length / ROW, ROW) },
];

function inputs(n: number): Float32Array {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 4294967296) * 8 + 0.01; // positive, so log is on its main path too
    if (i & 1) x[i] = -x[i] * 0.5;
  }
  return x;
}

function run(ctx: BenchContext): BenchRow[] {
  const sizes = ctx.quick ? [1e3, 1e5, 1e6] : [1e3, 1e5, 1e7];
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const x = inputs(n);
    const y = new Float32Array(n);
    for (const c of CASES) {
      const xs = c.name === 'log' ? x.map(Math.abs) : x;
      const base = { suite: 'unary', case: c.name, size: n };
      const row = (backend: 'native' | 'js', k: UnaryKernels, reps: number): BenchRow => {
        const ms = timeMedian(() => c.run(k, xs, y), { reps, warmup: 1 });
        return withBandwidth({ ...base, backend, medianMs: ms, nsPerElement: (ms * 1e6) / n }, c.bytes * n, ctx);
      };
      const js = row('js', ctx.js.unary, n >= 1e7 || ctx.quick ? 3 : 7);
      if (ctx.native) {
        const nat = row('native', ctx.native.unary, ctx.quick ? 5 : 11);
        rows.push({ ...nat, speedupVsJs: js.medianMs / nat.medianMs });
      }
      rows.push(js);
    }
  }
  return rows;
}

export const suite: BenchSuite = { name: 'unary', run };
