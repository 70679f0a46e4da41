// Elementwise kernels: native vs the TypeScript twin vs a plain JavaScript loop doing the same math in
// doubles (Float64Array), at 1e3, 1e5 and 1e7 elements. Targets (2 threads): native >= 80% of the
// measured bandwidth at 1e7; native never slower than TypeScript; TypeScript within 1.5x of the plain loop.
import type { ElementwiseKernels } from '../../lib/backend/kernels.js';
import { randomInto, timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Arrays {
  a: Float32Array;
  b: Float32Array;
  y: Float32Array;
}

interface Case {
  name: string;
  /** Bytes read + written per element (float32 arrays; the plain loop moves twice as many). */
  bytes: number;
  run(k: ElementwiseKernels, d: Arrays): void;
  plain(a: Float64Array, b: Float64Array, y: Float64Array): void;
}

const S = 0.75;
const ALPHA = 1e-3;
const CASES: Case[] = [
  {
    name: 'add', bytes: 12,
    run: (k, d) => k.binary('add', d.a, d.b, d.y, 1, d.a.length, 'full'),
    plain: (a, b, y) => { for (let i = 0, n = a.length; i < n; i++) y[i] = a[i] + b[i]; },
  },
  {
    name: 'mul', bytes: 12,
    run: (k, d) => k.binary('mul', d.a, d.b, d.y, 1, d.a.length, 'full'),
    plain: (a, b, y) => { for (let i = 0, n = a.length; i < n; i++) y[i] = a[i] * b[i]; },
  },
  {
    name: 'axpy', bytes: 12,
    run: (k, d) => k.axpy(ALPHA, d.a, d.y),
    plain: (a, _b, y) => { for (let i = 0, n = a.length; i < n; i++) y[i] = y[i] + ALPHA * a[i]; },
  },
  {
    name: 'scale', bytes: 8,
    run: (k, d) => k.scalar('mul', d.a, S, d.y),
    plain: (a, _b, y) => { for (let i = 0, n = a.length; i < n; i++) y[i] = a[i] * S; },
  },
  {
    name: 'clamp', bytes: 8,
    run: (k, d) => k.clamp(d.a, -0.5, 0.5, d.y),
    plain: (a, _b, y) => {
      for (let i = 0, n = a.length; i < n; i++) {
        const v = a[i];
        const t = v < -0.5 ? -0.5 : v;
        y[i] = t > 0.5 ? 0.5 : t;
      }
    },
  },
  {
    name: 'copy', bytes: 8,
    run: (k, d) => k.copy(d.a, d.y),
    plain: (a, _b, y) => { for (let i = 0, n = a.length; i < n; i++) y[i] = a[i]; },
  },
];


function run(ctx: BenchContext): BenchRow[] {
  const sizes = ctx.quick ? [1e3, 1e5, 1e6] : [1e3, 1e5, 1e7];
  const reps = ctx.quick ? 5 : 11;
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const d: Arrays = { a: randomInto(new Float32Array(n), 1), b: randomInto(new Float32Array(n), 2).map((v) => v + 1), y: new Float32Array(n) };
    const a64 = Float64Array.from(d.a), b64 = Float64Array.from(d.b), y64 = new Float64Array(n);
    for (const c of CASES) {
      const base = { suite: 'elementwise', case: c.name, size: n };
      const time = (fn: () => void) => timeMedian(fn, { reps });
      if (ctx.native) {
        const k = ctx.native.elementwise;
        rows.push(withBandwidth({ ...base, backend: 'native', medianMs: time(() => c.run(k, d)) }, c.bytes * n, ctx));
      }
      const kj = ctx.js.elementwise;
      rows.push(withBandwidth({ ...base, backend: 'js', medianMs: time(() => c.run(kj, d)) }, c.bytes * n, ctx));
      const plainMs = time(() => c.plain(a64, b64, y64));
      rows.push(withBandwidth({ ...base, backend: 'plain-js', medianMs: plainMs, note: 'Float64Array loop' }, 2 * c.bytes * n, ctx));
    }
  }
  return annotate(rows);
}

/** Notes each TypeScript row with its ratio to the plain double loop (target <= 1.5x). */
function annotate(rows: BenchRow[]): BenchRow[] {
  const plain = new Map(rows.filter((r) => r.backend === 'plain-js').map((r) => [`${r.case}|${r.size}`, r.medianMs]));
  return rows.map((r) => {
    const p = plain.get(`${r.case}|${r.size}`);
    return r.backend === 'js' && p ? { ...r, note: `${(r.medianMs / p).toFixed(2)}x plain loop` } : r;
  });
}

export const suite: BenchSuite = { name: 'elementwise', run };
