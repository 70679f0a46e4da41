// Reductions: native vs the TypeScript twin at 1e3, 1e5 and 1e7 elements: full sum, max, variance
// (two passes), sums along axis 0 and axis 1 of a near-square matrix, and the global norm of a list of
// 200 tensors. Target (2 threads): native >= 80% of the measured bandwidth at 1e7.
// Alone: `npm run bench -- --only reduce`.
import type { ReduceKernels } from '../../lib/backend/kernels.js';
import { randomInto, timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Data {
  x: Float32Array;
  rows: number;
  cols: number;
  list: Float32Array[];
  out: Float32Array;
}

interface Case {
  name: string;
  /** Passes over the input (bytes moved = 4 * n * passes). */
  passes: number;
  run(k: ReduceKernels, d: Data): void;
}

const CASES: Case[] = [
  { name: 'sum', passes: 1, run: (k, d) => k.all('sum', d.x, 0) },
  { name: 'max', passes: 1, run: (k, d) => k.all('max', d.x, 0) },
  { name: 'variance', passes: 2, run: (k, d) => k.all('variance', d.x, d.x.length - 1) },
  { name: 'sum axis 0', passes: 1, run: (k, d) => k.axis('sum', d.x, d.rows, d.cols, 0, 0, d.out) },
  { name: 'sum axis 1', passes: 1, run: (k, d) => k.axis('sum', d.x, d.rows, d.cols, 1, 0, d.out) },
  { name: 'normL2List x200', passes: 1, run: (k, d) => k.normL2List(d.list) },
];


function makeData(n: number): Data {
  const x = randomInto(new Float32Array(n), 1);
  const rows = Math.round(Math.sqrt(n) * 0.8), cols = Math.floor(n / rows);
  const list: Float32Array[] = [];
  for (let i = 0, per = Math.floor(n / 200); i < 200; i++) list.push(x.subarray(i * per, (i + 1) * per));
  return { x, rows, cols, list, out: new Float32Array(Math.max(rows, cols)) };
}

function run(ctx: BenchContext): BenchRow[] {
  const sizes = ctx.quick ? [1e3, 1e5, 1e6] : [1e3, 1e5, 1e7];
  const reps = ctx.quick ? 5 : 11;
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const d = makeData(n);
    for (const c of CASES) {
      const axis = c.name.includes('axis');
      const elems = axis ? d.rows * d.cols : n;
      const xd: Data = axis ? { ...d, x: d.x.subarray(0, elems), out: d.out.subarray(0, c.name.endsWith('0') ? d.cols : d.rows) } : d;
      const base = { suite: 'reduce', case: c.name, size: elems };
      const time = (k: ReduceKernels) => timeMedian(() => c.run(k, xd), { reps });
      const jsMs = time(ctx.js.reduce);
      const jsRow = withBandwidth({ ...base, backend: 'js', medianMs: jsMs, nsPerElement: (jsMs * 1e6) / elems }, 4 * elems * c.passes, ctx);
      if (ctx.native) {
        const ms = time(ctx.native.reduce);
        rows.push(withBandwidth({ ...base, backend: 'native', medianMs: ms, nsPerElement: (ms * 1e6) / elems, speedupVsJs: jsMs / ms }, 4 * elems * c.passes, ctx));
      }
      rows.push(jsRow);
    }
  }
  return rows;
}

export const suite: BenchSuite = { name: 'reduce', run };
