// Small calls: the fixed cost of a native call per kernel family, and the size from which the native
// kernel beats its TypeScript twin (lib/ops/core.ts SMALL dispatches below 256 elements to TypeScript).
// Times native and TypeScript at sizes 1 .. 16K (powers of 4 and 256), interleaved in rounds, medians;
// prints, per family, the native time at 1 element (the fixed cost: N-API, argument checks, the
// adapter in lib/backend/native, no thread start below the parallel threshold) and the crossover: the
// smallest size from which native is faster at every larger size measured.
//   node --import tsx bench/crossover.ts [--rounds 5]
import type { Kernels } from '../lib/backend/kernels.js';
import { allKernels } from '../lib/backend/select.js';
import { OPTIM_H } from '../lib/backend/optim_spec.js';
import { loadAverage, randomInto, timeMedian } from './harness.js';
import { crossover } from './threshold.js';
import { cpuModel } from './machine.js';

const SIZES = [1, 4, 16, 64, 256, 1024, 4096, 16384];
const N = SIZES[SIZES.length - 1];
const x = randomInto(new Float32Array(N), 1).map((v) => v + 1), y = randomInto(new Float32Array(N), 2), o = new Float32Array(N), s = new Float32Array(N);
const h = new Float32Array(OPTIM_H);
h.set([0.9, 0.1, 0.999, 0.001, 0, 1, 1e-3, 1, 1e-8]);
const flags = new Int32Array([0]);

/** The optimizer plan (what optimizer.step() calls) over the same arrays as 'Adam step', per backend and size. */
const plans = new Map<string, ReturnType<Kernels['optim']['plan']>>();
function planFor(K: Kernels, n: number): ReturnType<Kernels['optim']['plan']> {
  const key = `${K.name} ${n}`;
  let p = plans.get(key);
  if (!p) plans.set(key, (p = K.optim.plan([o.subarray(0, n)], [y.subarray(0, n)], [s.subarray(0, n), x.subarray(0, n), null])));
  return p;
}

/** family -> a call on the first n elements */
const FAMILIES: Record<string, (K: Kernels, n: number) => void> = {
  'elementwise add': (K, n) => K.elementwise.binary('add', x.subarray(0, n), y.subarray(0, n), o.subarray(0, n), 1, n, 'full'),
  'elementwise mul scalar': (K, n) => K.elementwise.scalar('mul', x.subarray(0, n), 2, o.subarray(0, n)),
  'unary relu': (K, n) => K.unary.map('relu', y.subarray(0, n), o.subarray(0, n)),
  'unary exp': (K, n) => K.unary.map('exp', y.subarray(0, n), o.subarray(0, n)),
  'unary tanh': (K, n) => K.unary.map('tanh', y.subarray(0, n), o.subarray(0, n)),
  'softmax (rows of 16)': (K, n) => K.unary.softmax(y.subarray(0, n), o.subarray(0, n), Math.max(1, n >> 4), Math.min(n, 16)),
  'reduce sum': (K, n) => void K.reduce.all('sum', y.subarray(0, n), 1),
  'reduce max': (K, n) => void K.reduce.all('max', y.subarray(0, n), 1),
  'Adam step': (K, n) => K.optim.step('adam', flags, h, [o.subarray(0, n)], [y.subarray(0, n)], [s.subarray(0, n), x.subarray(0, n), null]),
  'Adam step, plan': (K, n) => K.optim.stepPlan(planFor(K, n), 'adam', flags, h, []),
  'gemm (square, n = elements of C)': (K, n) => {
    const d = Math.max(1, Math.round(Math.sqrt(n)));
    K.gemm.gemm(x.subarray(0, d * d), y.subarray(0, d * d), o.subarray(0, d * d), d, d, d, false, false, 1, 0, null, 'none');
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function main(): void {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  const { js, native } = allKernels();
  if (!native) throw new Error('the native addon is not available: run `npm run build:native`');
  console.log(`CPU: ${cpuModel()}; load average ${loadAverage().toFixed(2)}; medians of ${rounds} interleaved rounds`);
  console.log('\n| family | native µs at 1 element | TS µs at 1 | native beats TS from | native/TS at 256 | at 1024 |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, call] of Object.entries(FAMILIES)) {
    const t = SIZES.map(() => ({ nat: [] as number[], js: [] as number[] }));
    for (let r = 0; r < rounds; r++)
      SIZES.forEach((n, k) => {
        t[k].nat.push(timeMedian(() => call(native, n), { reps: 3, warmup: 1, warmupMs: 5 }));
        t[k].js.push(timeMedian(() => call(js, n), { reps: 3, warmup: 1, warmupMs: 5 }));
      });
    const pts = SIZES.map((size, k) => ({ size, oneMs: median(t[k].js), manyMs: median(t[k].nat) }));
    const c = crossover(pts);
    const at = (n: number) => {
      const p = pts.find((q) => q.size === n)!;
      return (p.manyMs / p.oneMs).toFixed(2);
    };
    console.log(`| ${name} | ${(pts[0].manyMs * 1e3).toFixed(2)} | ${(pts[0].oneMs * 1e3).toFixed(2)} | ${c ?? 'never'} | ${at(256)} | ${at(1024)} |`);
  }
  console.log(`\nload average at the end ${loadAverage().toFixed(2)}`);
}

if (require.main === module) main();
