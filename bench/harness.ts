// Bench machinery shared by every suite in bench/suites/*.ts (bench/run.ts discovers them).
// A suite exports `suite: BenchSuite`; its run() gets a context with the machine's measured
// memory bandwidth and FMA peak (measured once per `npm run bench`, in the same run).
import * as fg from '../lib/index.js';
import type { Kernels } from '../lib/backend/kernels.js';
import { allKernels } from '../lib/backend/select.js';

export interface BenchContext {
  /** Native kernels (null if the addon is missing) and the TypeScript kernels. */
  native: Kernels | null;
  js: Kernels;
  /** Measured in this run by bench/machine.ts: GB/s of the triad stream kernel (median, configured threads); GFLOP/s of the FMA loop at the SIMD level in use. */
  bandwidthGBs: number;
  fmaPeakGFlops: number;
  threads: number;
  /** --quick: fewer sizes and repetitions (npm start). */
  quick: boolean;
}

export interface BenchRow {
  suite: string;
  case: string;
  backend: 'native' | 'js' | 'plain-js' | string;
  /** Problem size (elements, parameters, or M×N×K as a string). */
  size: number | string;
  medianMs: number;
  /** Optional derived figures. */
  nsPerElement?: number;
  gbPerS?: number;
  pctBandwidth?: number;
  gflops?: number;
  pctPeak?: number;
  speedupVsJs?: number;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): BenchRow[] | Promise<BenchRow[]>;
}

/**
 * Median wall time (ms) of fn over `reps` samples. Warm-up: at least `warmup` calls and at least
 * `warmupMs` of calls (so the JIT has optimised a JavaScript loop before it is timed: a 1e3-element
 * loop measured 2.2 ns/element on its first timing and 0.32 on its second without this).
 * Tiny calls are batched so each sample is >= 1 ms.
 */
export function timeMedian(fn: () => void, opts: { reps?: number; warmup?: number; warmupMs?: number } = {}): number {
  const warmup = opts.warmup ?? 2;
  const warmupNs = BigInt(Math.round((opts.warmupMs ?? 20) * 1e6));
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < warmup || process.hrtime.bigint() - w0 < warmupNs; i++) fn();
  // Batch tiny calls so each sample is >= ~1 ms of work.
  let inner = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= 1 || inner >= 1 << 20) break;
    inner *= 4;
  }
  const reps = opts.reps ?? 9;
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6 / inner);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

/** Fills a row's bandwidth figures from bytes moved per call. */
export function withBandwidth(row: BenchRow, bytes: number, ctx: BenchContext): BenchRow {
  const gbs = bytes / (row.medianMs * 1e6);
  return { ...row, gbPerS: gbs, pctBandwidth: (100 * gbs) / ctx.bandwidthGBs };
}

export function kernelsFor(): { js: Kernels; native: Kernels | null } {
  return allKernels();
}

/** Fills arr with a cheap seeded LCG stream in [-0.5, 0.5) (bench data only; not the library's RNG). */
export function randomInto<T extends Float32Array | Float64Array>(arr: T, seed: number): T {
  let s = seed >>> 0;
  for (let i = 0; i < arr.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    arr[i] = s / 4294967296 - 0.5;
  }
  return arr;
}

export { fg };

/**
 * The bench's loaded mode: a child process spinning on one core (a busy neighbour) while `fn` runs.
 * `npm run bench -- --loaded` runs every suite under it; bench/suites/load.ts alternates quiet and loaded
 * rounds itself. The child is killed when fn returns or throws.
 */
export async function withSpinner<T>(fn: () => T | Promise<T>): Promise<T> {
  const stop = startSpinner();
  try {
    return await fn();
  } finally {
    stop();
  }
}

/** Starts the spinning child (see withSpinner); returns the function that stops it. */
export function startSpinner(): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cp = require('node:child_process') as typeof import('node:child_process');
  const child = cp.spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const kill = () => {
    if (child.exitCode === null && !child.killed) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  // let it reach its loop before anything is timed
  const t0 = Date.now();
  while (Date.now() - t0 < 150) {
    /* wait */
  }
  return () => {
    kill();
    process.removeListener('exit', kill);
  };
}

/** The 1-minute load average, for every figure the bench prints. */
export function loadAverage(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:os') as typeof import('node:os')).loadavg()[0];
}
