// Shared test machinery: seeded data, specials, every native configuration (SIMD level × threads),
// and a bit-exact comparison that reports seed, kernel, level, threads and the first differing index.
import assert from 'node:assert/strict';
import * as fg from '../../lib/index.js';
import { allKernels } from '../../lib/backend/select.js';
import type { Kernels } from '../../lib/backend/kernels.js';

export const SIZES = [0, 1, 7, 15, 16, 17, 63, 64, 65, 4095, 4096, 4097, 100003] as const;
export const THREADS = [1, 2, 3] as const;
export const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1e-40, -3e-39, 1e38, -1e38, 1e-38, -1e-38, 3.4028234663852886e38, 1, -1];

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomOptions {
  lo?: number;
  hi?: number;
  /** Fraction of elements replaced by SPECIALS (0 = none). */
  specials?: number;
}

export function randomF32(n: number, seed: number, o: RandomOptions = {}): Float32Array {
  const r = rng(seed);
  const lo = o.lo ?? -2, hi = o.hi ?? 2, sp = o.specials ?? 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = sp > 0 && r() < sp ? SPECIALS[Math.floor(r() * SPECIALS.length)] : lo + (hi - lo) * r();
  return a;
}

const u32 = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Index of the first element whose bits differ (any NaN equals any NaN), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = u32(a), ub = u32(b);
  for (let i = 0; i < a.length; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}

export interface Context {
  kernel: string;
  seed?: number;
  level?: string;
  threads?: number;
  size?: number;
  output?: string;
}

export function assertSameBits(actual: Float32Array, expected: Float32Array, ctx: Context): void {
  const i = firstBitDifference(actual, expected);
  if (i >= 0) {
    const hex = (x: number) => (Number.isNaN(x) ? 'NaN' : `0x${u32(Float32Array.of(x))[0].toString(16).padStart(8, '0')}`);
    assert.fail(
      `bit mismatch: kernel=${ctx.kernel} output=${ctx.output ?? '0'} seed=${ctx.seed} level=${ctx.level} threads=${ctx.threads} size=${ctx.size} ` +
        `first differing index ${i}: native ${actual[i]} (${hex(actual[i])}) vs js ${expected[i]} (${hex(expected[i])})` +
        (actual.length !== expected.length ? ` (lengths ${actual.length} vs ${expected.length})` : ''),
    );
  }
}

export function nativeKernelsOrNull(): Kernels | null {
  return allKernels().native;
}

export function jsKernels(): Kernels {
  return allKernels().js;
}

/** SIMD levels this machine's addon can run (empty without the addon). */
export function simdLevels(): string[] {
  return fg.backendInfo().simdLevels;
}

/** Runs fn at every SIMD level × thread count, restoring the previous settings afterwards. */
export function forEachNativeConfig(fn: (level: string, threads: number, K: Kernels) => void): void {
  const K = nativeKernelsOrNull();
  if (!K) return;
  const prevThreads = fg.getNumThreads();
  const prevLevel = fg.simdLevel();
  try {
    for (const level of simdLevels()) {
      assert.equal(fg.setSimdLevel(level), level);
      for (const t of THREADS) {
        fg.setNumThreads(t);
        fn(level, t, K);
      }
    }
  } finally {
    fg.setSimdLevel(prevLevel);
    fg.setNumThreads(prevThreads);
  }
}

export type Outputs = Float32Array | readonly Float32Array[];

/**
 * The conformance loop: for every size and seed, build inputs, run `run` on the JS kernels and on
 * native at every level × threads (each on fresh copies of the inputs), and compare every output bit for bit.
 */
export function conform<I>(
  kernel: string,
  make: (n: number, seed: number) => I,
  run: (K: Kernels, inputs: I) => Outputs,
  opts: { sizes?: readonly number[]; seeds?: readonly number[]; copy?: (i: I) => I } = {},
): number {
  const sizes = opts.sizes ?? SIZES;
  const seeds = opts.seeds ?? [1, 2];
  const copy = opts.copy ?? deepCopy;
  let comparisons = 0;
  for (const n of sizes) {
    for (const seed of seeds) {
      const inputs = make(n, seed);
      const want = asList(run(jsKernels(), copy(inputs)));
      forEachNativeConfig((level, threads, K) => {
        const got = asList(run(K, copy(inputs)));
        assert.equal(got.length, want.length);
        for (let o = 0; o < want.length; o++) {
          assertSameBits(got[o], want[o], { kernel, seed, level, threads, size: n, output: String(o) });
          comparisons++;
        }
      });
    }
  }
  return comparisons;
}

function asList(o: Outputs): readonly Float32Array[] {
  return o instanceof Float32Array ? [o] : o;
}

function deepCopy<I>(x: I): I {
  if (x instanceof Float32Array) return x.slice() as I;
  if (Array.isArray(x)) return x.map(deepCopy) as I;
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = deepCopy(v);
    return o as I;
  }
  return x;
}

/** Asserts that fn throws `type` with a message matching `re`, and that `buffers` are unchanged. */
export function assertRejects(fn: () => unknown, type: typeof TypeError | typeof RangeError | typeof Error, re: RegExp, buffers: Float32Array[] = []): void {
  const before = buffers.map((b) => b.slice());
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, re);
    return true;
  });
  buffers.forEach((b, i) => assert.equal(firstBitDifference(b, before[i]), -1, `buffer ${i} was changed by a rejected call`));
}

/** True if the native addon is present; tests that need it fail (not skip) under CI when it is missing. */
export function requireNative(): Kernels {
  const K = nativeKernelsOrNull();
  if (!K) {
    if (process.env.FASTGRAD_ALLOW_NO_NATIVE === '1') return jsKernels();
    throw new Error(`native addon missing: ${fg.backendInfo().reason} (set FASTGRAD_ALLOW_NO_NATIVE=1 to run JS-only)`);
  }
  return K;
}

/** Runs fn on the TypeScript backend, then on the native one (which must be present: requireNative), and restores the backend. */
export function eachBackend(fn: (name: 'js' | 'native') => void): void {
  const prev = fg.getBackend();
  try {
    for (const name of ['js', 'native'] as const) {
      if (name === 'native') requireNative();
      fg.setBackend(name);
      fn(name);
    }
  } finally {
    fg.setBackend(prev);
  }
}

/** |a − b| <= atol + rtol·|b| element by element (torch-style closeness; the tolerances are the caller's). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, atol: number, rtol: number): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], b = expected[i];
    assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${what}[${i}]: ${a} vs expected ${b} (tolerance ${atol} + ${rtol}·|b|)`);
  }
}

/** Central differences of f at v (float64, v changed in place and restored). */
export function numericGrad(f: () => number, v: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i];
    v[i] = old + h;
    const fp = f();
    v[i] = old - h;
    const fm = f();
    v[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
