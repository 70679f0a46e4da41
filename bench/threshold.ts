// Measures the parallel threshold (kParallelMinWork in native/parallel.h): times the elementwise add
// kernel split over 1 thread and over 2 threads (no threshold applied: probeAddSplit) at sizes 4K..1M,
// interleaving the two in rounds and taking medians (the machine is noisy), and prints the crossover:
// the smallest size from which on 2 threads are faster at every larger size.
//   node --import tsx bench/threshold.ts [--rounds 15] [--threads 2]
import { nativeAddon } from '../lib/backend/select.js';
import { probeOf } from '../lib/backend/native/probe.js';
import { timeMedian } from './harness.js';

export interface ThresholdPoint {
  size: number;
  oneMs: number;
  manyMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The smallest size from which on the threaded run is faster at every size measured (null if never). */
export function crossover(points: ThresholdPoint[]): number | null {
  let best: number | null = null;
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i].manyMs < points[i].oneMs) best = points[i].size;
    else break;
  }
  return best;
}

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const rounds = opt('--rounds', 15), threads = opt('--threads', 2);
  const p = probeOf(nativeAddon());
  if (!p) throw new Error('the native addon (with probe functions) is not available: run `npm run build:native`');
  const sizes: number[] = [];
  // Half-octave steps from 4K to 1M elements, on multiples of 64 (the split alignment).
  for (let k = 0; k <= 16; k++) sizes.push(Math.round((4096 * 2 ** (k / 2)) / 64) * 64);
  const max = sizes[sizes.length - 1];
  const a = new Float32Array(max).fill(1.5), b = new Float32Array(max).fill(2.5), y = new Float32Array(max);
  const samples = sizes.map(() => ({ one: [] as number[], many: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    sizes.forEach((n, i) => {
      const av = a.subarray(0, n), bv = b.subarray(0, n), yv = y.subarray(0, n);
      samples[i].one.push(timeMedian(() => p.probeAddSplit(av, bv, yv, 1), { reps: 3, warmup: 1 }));
      samples[i].many.push(timeMedian(() => p.probeAddSplit(av, bv, yv, threads), { reps: 3, warmup: 1 }));
    });
  }
  const points: ThresholdPoint[] = sizes.map((size, i) => ({ size, oneMs: median(samples[i].one), manyMs: median(samples[i].many) }));
  console.log(`| elements | 1 thread µs | ${threads} threads µs | speedup |`);
  console.log('| ---: | ---: | ---: | ---: |');
  for (const q of points) console.log(`| ${q.size} | ${(q.oneMs * 1e3).toFixed(2)} | ${(q.manyMs * 1e3).toFixed(2)} | ${(q.oneMs / q.manyMs).toFixed(2)}x |`);
  const c = crossover(points);
  const current = nativeAddon()!.buildInfo().parallelMinWork;
  console.log(c === null ? `\nno crossover up to ${max} elements: ${threads} threads never won` : `\ncrossover: ${c} elements (2^${Math.log2(c).toFixed(1)}); kParallelMinWork is now ${current}`);
}

if (require.main === module) main();
