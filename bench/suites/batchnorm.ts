// Batch normalization: forward-train, eval, backward and forward+backward through fg.nn.functional
// (outputs preallocated with the `out` option),
// native vs TypeScript, against the bandwidth roofline (the least traffic each step needs: forward reads
// x and writes y (8 B/element), eval the same, backward reads x and dy and writes dx (12 B/element)).
// The native kernels move more than that floor by design: forward reads x twice (12 B), backward reads
// x and dy twice (20 B). Targets on (32, 64, 56, 56) with 2 threads: forward-train <= 3 ms,
// forward+backward <= 8 ms.
// Run alone: npm run bench -- --only batchnorm [--quick]
import * as fg from '../../lib/index.js';
import { randomInto, timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

const F = fg.nn.functional;
const SHAPES: number[][] = [[256, 1024], [32, 64, 56, 56], [128, 256, 14, 14], [8, 3, 224, 224]];


interface Step {
  name: string;
  /** Least bytes per element the step must move (the roofline). */
  floorBytes: number;
  run(p: Problem): void;
}

interface Problem {
  x: fg.Tensor;
  dy: fg.Tensor;
  w: fg.Tensor;
  b: fg.Tensor;
  rm: fg.Tensor;
  rv: fg.Tensor;
  saved: { mean: fg.Tensor; invstd: fg.Tensor };
  /** Preallocated outputs (the `out` option): the timings are the kernels', not the allocator's. */
  y: fg.Tensor;
  dx: fg.Tensor;
}

const STEPS: Step[] = [
  { name: 'forward-train', floorBytes: 8, run: (p) => void F.batchNormTrain(p.x, p.w, p.b, { out: p.y }) },
  { name: 'eval', floorBytes: 8, run: (p) => void F.batchNormEval(p.x, p.rm, p.rv, p.w, p.b, { out: p.y }) },
  { name: 'backward', floorBytes: 12, run: (p) => void F.batchNormBackward(p.dy, p.x, p.saved.mean, p.saved.invstd, p.w, { out: p.dx }) },
  {
    name: 'forward+backward', floorBytes: 20,
    run: (p) => {
      const r = F.batchNormTrain(p.x, p.w, p.b, { out: p.y });
      F.batchNormBackward(p.dy, p.x, r.mean, r.invstd, p.w, { out: p.dx });
    },
  },
];

function run(ctx: BenchContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const shapes = ctx.quick ? SHAPES.slice(0, 2) : SHAPES;
  const before = fg.getBackend();
  try {
    for (const shape of shapes) {
      const n = shape.reduce((a, c) => a * c, 1), C = shape[1];
      const x = new fg.Tensor(randomInto(new Float32Array(n), 1), shape), dy = new fg.Tensor(randomInto(new Float32Array(n), 2), shape);
      const ch = (s: number, add: number) => new fg.Tensor(randomInto(new Float32Array(C), s).map((v) => v + add), [C]);
      const p: Problem = { x, dy, w: ch(3, 1), b: ch(4, 0), rm: ch(5, 0), rv: ch(6, 1), saved: { mean: ch(7, 0), invstd: ch(8, 1) }, y: fg.Tensor.zeros(shape), dx: fg.Tensor.zeros(shape) };
      const r0 = F.batchNormTrain(x, p.w, p.b);
      p.saved = { mean: r0.mean, invstd: r0.invstd };
      for (const step of STEPS) {
        let nativeMs = NaN;
        for (const backend of ['native', 'js'] as const) {
          if (backend === 'native' && !ctx.native) continue;
          fg.setBackend(backend);
          const ms = timeMedian(() => step.run(p), { reps: backend === 'js' || ctx.quick ? 3 : 9, warmup: 1 });
          if (backend === 'native') nativeMs = ms;
          const row = withBandwidth({ suite: 'batchnorm', case: `${step.name} [${shape.join(', ')}]`, backend, size: n, medianMs: ms, nsPerElement: (ms * 1e6) / n }, step.floorBytes * n, ctx);
          if (backend === 'js' && Number.isFinite(nativeMs)) row.speedupVsJs = ms / nativeMs;
          rows.push(row);
        }
        const floorMs = (step.floorBytes * n) / (ctx.bandwidthGBs * 1e6);
        rows.push({ suite: 'batchnorm', case: `${step.name} [${shape.join(', ')}]`, backend: 'roofline', size: n, medianMs: floorMs, note: `${step.floorBytes} B/element at ${ctx.bandwidthGBs} GB/s` });
      }
    }
  } finally {
    fg.setBackend(before);
  }
  return rows;
}

export const suite: BenchSuite = { name: 'batchnorm', run };
