// Run by test/fuzz.test.ts in a child process (a crash kills only this process and the test sees it).
// Throws random argument lists at every function the addon exports (enumerated at run time, so
// families added later are covered) and checks each call returns or throws an Error (TypeError,
// RangeError or Error). SIMD level and thread count are restored after every call.
// Prints one JSON line of statistics; exits 1 with the fast-check report (seed, counterexample) on failure.
//   FG_FUZZ_SEED, FG_FUZZ_RUNS, FG_FUZZ_MS tune it; FG_FUZZ_TRACE=1 prints the phases.
import fc from 'fast-check';
import { nativeAddon, backendInfo } from '../../lib/backend/select.js';

type AnyFn = (...args: unknown[]) => unknown;

const addon = nativeAddon() as unknown as Record<string, unknown> | null;
if (!addon) {
  console.error(`fuzz: native addon missing: ${backendInfo().reason}`);
  process.exit(2);
}
// FG_FUZZ_SKIP=a,b leaves functions out (only to look past a known failure while diagnosing).
const skip = new Set((process.env.FG_FUZZ_SKIP ?? '').split(',').filter(Boolean));
const names = Object.keys(addon)
  .filter((k) => typeof addon[k] === 'function' && !skip.has(k))
  .sort();
const call = (name: string, ...args: unknown[]) => (addon[name] as AnyFn)(...args);
const level0 = call('simdLevel') as string;
const threads0 = call('getNumThreads') as number;

/** Argument descriptions: built into values inside the property so views can share one buffer per call. */
type Desc =
  | { k: 'value'; v: unknown }
  | { k: 'L' }
  | { k: 'f32L'; fill: number }
  | { k: 'subL'; off: number }
  | { k: 'listL'; n: number; odd: boolean }
  | { k: 'f32'; n: number; fill: number }
  | { k: 'f64'; n: number }
  | { k: 'i32'; n: number }
  | { k: 'sub'; off: number; n: number }
  | { k: 'shared'; n: number }
  | { k: 'detached'; n: number }
  | { k: 'resizable'; n: number }
  | { k: 'array'; n: number };

// Sizes chosen so random lists often agree (rows * cols = length) and so pass the checks and run kernels.
const len = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 7, 16, 17, 64, 65), fc.integer({ min: 0, max: 300 }));
const numbers = fc.oneof(
  fc.constantFrom(0, -0, 1, 2, 3, 4, 7, 16, 17, 64, 65, -1, 0.5, 1.5, NaN, Infinity, -Infinity, 1e300, -1e300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e15, 1e10, 2 ** 62, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.integer({ min: -10, max: 70000 }),
  fc.double(),
);
// Each call has a common length L: arrays of length L, views of length L into one buffer and the number L
// make consistent argument lists likely, so kernels run (on aliased and overlapping views too).
const desc: fc.Arbitrary<Desc> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ k: 'L' as const }) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3).map((v) => ({ k: 'value' as const, v })) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('f32L' as const), fill: fc.constantFrom(0, 1, -2.5, NaN, Infinity, 1e-40) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('subL' as const), off: fc.constantFrom(0, 0, 1, 3, 16, 64) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('listL' as const), n: fc.integer({ min: 0, max: 3 }), odd: fc.boolean() }) },
  { weight: 4, arbitrary: numbers.map((v) => ({ k: 'value' as const, v })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constantFrom(undefined, null, true, false, '', 'auto', 'scalar', 'avx2', 'avx512', 'neon', 'add', {}, [], [1, 2, 3], { length: 4 }, () => 1, Symbol('s'), 10n),
        fc.string({ maxLength: 8 }),
      )
      .map((v) => ({ k: 'value' as const, v })),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('f32' as const), n: len, fill: fc.constantFrom(0, 1, -2.5, NaN, Infinity, 1e-40) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('f64' as const), n: len }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('i32' as const), n: len }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('sub' as const), off: fc.integer({ min: 0, max: 64 }), n: fc.integer({ min: 0, max: 128 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shared' as const), n: len }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('detached' as const), n: len }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('resizable' as const), n: len }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('array' as const), n: fc.integer({ min: 0, max: 8 }) }) },
);

function build(d: Desc, pool: Float32Array, L: number): unknown {
  switch (d.k) {
    case 'value':
      return d.v;
    case 'L':
      return L;
    case 'f32L':
      return new Float32Array(L).fill(d.fill);
    case 'subL':
      return pool.subarray(d.off, d.off + L);
    case 'listL': {
      // A list of tensors' data (e.g. a global norm over parameters); `odd` slips in a wrong element.
      const list: unknown[] = Array.from({ length: d.n }, (_, i) => (i === 0 ? pool.subarray(0, L) : new Float32Array(L).fill(i)));
      if (d.odd) list.push(d.n % 2 ? new Float64Array(L) : 'x');
      return list;
    }
    case 'f32':
      return new Float32Array(d.n).fill(d.fill);
    case 'f64':
      return new Float64Array(d.n).fill(1);
    case 'i32':
      return new Int32Array(d.n).fill(1);
    case 'sub':
      // Views of one buffer per call: partial overlaps, exact aliases, disjoint neighbours.
      return pool.subarray(d.off, d.off + d.n);
    case 'shared':
      return new Float32Array(new SharedArrayBuffer(4 * d.n)).fill(1);
    case 'detached': {
      const buf = new ArrayBuffer(4 * d.n);
      const view = new Float32Array(buf);
      structuredClone(buf, { transfer: [buf] }); // detaches buf
      return view;
    }
    case 'resizable': {
      const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
      return new Float32Array(new Ctor(4 * d.n, { maxByteLength: 4 * d.n + 64 })).fill(1);
    }
    case 'array':
      return Array.from({ length: d.n }, (_, i) => i);
  }
}

const stats = { calls: 0, returned: 0, TypeError: 0, RangeError: 0, Error: 0, perFunction: {} as Record<string, { calls: number; returned: number }> };
for (const n of names) stats.perFunction[n] = { calls: 0, returned: 0 };

/** The thread count calls run with (1 in the systematic phases, the default in the random one). */
let baseThreads = threads0;
function restore(): void {
  call('setSimdLevel', level0);
  call('setNumThreads', baseThreads);
}

function record(name: string, thunk: () => unknown): void {
  stats.calls++;
  stats.perFunction[name].calls++;
  try {
    thunk();
    stats.returned++;
    stats.perFunction[name].returned++;
  } catch (e) {
    if (e instanceof TypeError) stats.TypeError++;
    else if (e instanceof RangeError) stats.RangeError++;
    else if (e instanceof Error) stats.Error++;
    else throw new Error(`${name} threw a non-Error: ${String(e)}`);
    if (!e.message) throw new Error(`${name} threw ${e.name} without a message`);
  } finally {
    restore();
  }
}

// Phase 1, signature discovery: a depth-first search over short argument lists drawn from a small
// alphabet finds, for each function, lists that pass every check (so phase 2 can mutate them into
// near-valid calls that reach the kernels). Checks run in argument order and name the argument, so a
// new argument that leaves the failing name unchanged was refused and its branch is pruned.
const ALPHABET: Desc[] = [
  { k: 'f32L', fill: 1 },
  { k: 'L' },
  { k: 'value', v: 0 },
  { k: 'value', v: 1 },
  { k: 'value', v: 'auto' },
  { k: 'listL', n: 2, odd: false },
];
const DISCOVERY_L = 16;
const failingName = (e: unknown) => {
  const m = e instanceof Error ? e.message : String(e);
  return /\bfor (\S+) but received/.exec(m)?.[1] ?? m;
};

function discover(name: string): Desc[][] {
  const found: Desc[][] = [];
  const pool = new Float32Array(192);
  const attempt = (descs: Desc[]): string | null => {
    let failed: string | null = null;
    record(name, () => {
      try {
        return call(name, ...descs.map((d) => build(d, pool, DISCOVERY_L)));
      } catch (e) {
        failed = failingName(e);
        throw e;
      }
    });
    return failed;
  };
  const walk = (prefix: Desc[], fail: string) => {
    if (prefix.length >= 9 || found.length >= 8) return;
    for (const d of ALPHABET) {
      const next = [...prefix, d];
      const f = attempt(next);
      if (f === null) found.push(next);
      else if (f !== fail) walk(next, f);
    }
  };
  const f0 = attempt([]);
  if (f0 === null) found.push([]);
  else walk([], f0);
  return found;
}

// Phase 1b, huge dimensions: in every discovered list, one numeric argument set to a huge value and
// another to each small value or huge one, with arrays of length 0 and 1. A size such as rows = 1e15
// with cols = 0 must be refused or finish at once: never a giant allocation, a read out of bounds or a
// loop over 1e15 empty rows (the parent's timeout turns a hang into a failure).
const HUGE = [1e15, 2 ** 53 - 1, 2 ** 32, 2 ** 31 - 1];
const OTHER = [0, 1, 2, 3, ...HUGE];
function hugeDims(name: string, sigs: Desc[][]): void {
  const pool = new Float32Array(192);
  for (const sig of sigs) {
    const numeric = sig.flatMap((d, i) => (d.k === 'L' || (d.k === 'value' && typeof d.v === 'number') ? [i] : []));
    for (const L of [0, 1])
      for (const i of numeric)
        for (const h of HUGE)
          for (const j of numeric)
            for (const o of j === i ? [h] : OTHER) {
              const args = sig.map((d) => build(d, pool, L));
              args[i] = h;
              args[j] = o;
              record(name, () => call(name, ...args));
            }
  }
}

// Phase 2 mutates the discovered lists (each argument replaced by a random one with probability 1/3,
// the common length varied, arguments dropped or added); phase 3 is pure random lists.
const mutated = (sigs: Record<string, Desc[][]>) =>
  fc
    .constantFrom(...names.filter((n) => sigs[n].length > 0))
    .chain((name) =>
      fc.record({
        name: fc.constant(name),
        base: fc.constantFrom(...sigs[name]),
        repl: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: desc }), { minLength: 10, maxLength: 10 }),
        extra: fc.array(desc, { maxLength: 1 }),
        drop: fc.boolean(),
      }),
    )
    .map(({ name, base, repl, extra, drop }) => ({ name, descs: [...base.map((d, i) => repl[i] ?? d).slice(0, drop ? -1 : undefined), ...extra] }));

const randomCall = fc.record({ name: fc.constantFrom(...names), descs: fc.array(desc, { maxLength: 8 }) });

const property = (sigs: Record<string, Desc[][]>) =>
  fc.property(fc.oneof(mutated(sigs), randomCall), fc.constantFrom(0, 1, 3, 4, 16, 17, 64, 100), ({ name, descs }, L) => {
    const pool = new Float32Array(192).fill(0.5);
    const args = descs.map((d) => build(d, pool, L));
    record(name, () => call(name, ...args));
  });

const t0 = Date.now();
/** FG_FUZZ_TRACE=1: phase and function on stderr (to find which call hangs). */
const trace = (what: string) => {
  if (process.env.FG_FUZZ_TRACE === '1') process.stderr.write(`fuzz: ${what} (${Date.now() - t0} ms)\n`);
};
const seed = Number(process.env.FG_FUZZ_SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.FG_FUZZ_RUNS ?? 1000000);
const ms = Number(process.env.FG_FUZZ_MS ?? 15000);
const signatures: Record<string, Desc[][]> = {};
try {
  // Discovery and huge dimensions on one thread: functions that always start a thread team would make
  // them slow under load.
  baseThreads = 1;
  restore();
  for (const n of names) {
    trace(`discover ${n}`);
    signatures[n] = discover(n);
  }
  for (const n of names) {
    trace(`huge dimensions ${n}: ${signatures[n].length} signatures`);
    hugeDims(n, signatures[n].slice(0, 3));
  }
  trace('random');
  baseThreads = threads0;
  restore();
  fc.assert(property(signatures), { seed, numRuns, interruptAfterTimeLimit: ms, markInterruptAsFailure: false });
} catch (e) {
  console.error(`fuzz failed (seed ${seed}): ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
restore();
const discovered = Object.fromEntries(names.map((n) => [n, signatures[n].length]));
console.log(JSON.stringify({ seed, ms: Date.now() - t0, names, discovered, simd: call('simdLevel'), threads: call('getNumThreads'), ...stats }));
