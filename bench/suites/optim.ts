// Optimizer steps: time per parameter for every algorithm at 1e3 .. 1e7 parameters, native vs
// TypeScript vs the bandwidth roofline (bytes moved / measured bandwidth), and 1000 tensors x 1000
// parameters through the multi-tensor entry point vs one call per tensor.
// Alone: `npm run bench -- --only optim`.
import type { Kernels } from '../../lib/backend/kernels.js';
import { OF, OPTIM_H, optimStateMask, type OptimAlgo } from '../../lib/backend/optim_spec.js';
import { timeMedian, withBandwidth, type BenchContext, type BenchRow, type BenchSuite } from '../harness.js';

interface Config {
  name: string;
  algo: OptimAlgo;
  flags: number;
}

const CONFIGS: Config[] = [
  { name: 'SGD', algo: 'sgd', flags: 0 },
  { name: 'SGD-momentum', algo: 'sgd', flags: OF.MOMENTUM },
  { name: 'Adam', algo: 'adam', flags: 0 },
  { name: 'AdamW', algo: 'adam', flags: OF.DECOUPLED },
  { name: 'Adagrad', algo: 'adagrad', flags: 0 },
  { name: 'RMSprop', algo: 'rmsprop', flags: 0 },
  { name: 'Rprop', algo: 'rprop', flags: 0 },
  { name: 'Adadelta', algo: 'adadelta', flags: 0 },
  { name: 'Adamax', algo: 'adamax', flags: 0 },
  { name: 'NAdam', algo: 'nadam', flags: 0 },
  { name: 'RAdam', algo: 'radam', flags: OF.RECTIFY },
];

const H_BENCH = Float32Array.from([0.9, 0.1, 0.999, 0.001, 0, 1, 1e-3, 0.1, 1e-8, 0.5]);

/** Bytes moved per parameter: read and write p and each state, read g (Adam: 28, SGD-momentum: 20). */
function bytesPerParam(c: Config): number {
  const m = optimStateMask(c.algo, c.flags);
  const states = (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1);
  return 4 * (2 * (1 + states) + 1);
}

interface Tensors {
  params: Float32Array[];
  grads: Float32Array[];
  states: (Float32Array | null)[];
  flags: Int32Array;
  h: Float32Array;
}

function tensors(c: Config, sizes: number[]): Tensors {
  const m = optimStateMask(c.algo, c.flags);
  const h = new Float32Array(sizes.length * OPTIM_H);
  sizes.forEach((_, t) => h.set(H_BENCH, t * OPTIM_H));
  return {
    params: sizes.map((n) => new Float32Array(n).fill(0.5)),
    grads: sizes.map((n) => new Float32Array(n).fill(0.01)),
    states: sizes.flatMap((n) => [0, 1, 2].map((k) => (m & (1 << k) ? new Float32Array(n).fill(0.1) : null))),
    flags: new Int32Array(sizes.length).fill(c.flags),
    h,
  };
}

function stepAll(K: Kernels, c: Config, x: Tensors): void {
  K.optim.step(c.algo, x.flags, x.h, x.params, x.grads, x.states);
}

export const suite: BenchSuite = {
  name: 'optim',
  run(ctx: BenchContext): BenchRow[] {
    const rows: BenchRow[] = [];
    const sizes = ctx.quick ? [1e3, 1e6] : [1e3, 1e5, 1e6, 1e7];
    const only = (ctx as BenchContext & { only?: string[] }).only;
    for (const c of CONFIGS.filter((k) => !only || only.includes(k.name))) {
      for (const n of sizes) {
        const x = tensors(c, [n]);
        const bytes = bytesPerParam(c) * n;
        const rooflineMs = bytes / (ctx.bandwidthGBs * 1e6);
        const backends: [string, Kernels | null][] = [['native', ctx.native], ['js', n <= 1e6 || !ctx.quick ? ctx.js : null]];
        let jsMs = 0;
        for (const [name, K] of backends) {
          if (!K) continue;
          const ms = timeMedian(() => stepAll(K, c, x), { reps: n >= 1e7 ? 5 : 9 });
          if (name === 'js') jsMs = ms;
          rows.push(withBandwidth({ suite: 'optim', case: c.name, backend: name, size: n, medianMs: ms, nsPerElement: (ms * 1e6) / n, note: `roofline ${((rooflineMs * 1e6) / n).toFixed(3)} ns/param` }, bytes, ctx));
        }
        const nat = rows.find((r) => r.case === c.name && r.size === n && r.backend === 'native');
        if (nat && jsMs) nat.speedupVsJs = jsMs / nat.medianMs;
      }
    }
    // 1000 tensors x 1000 parameters: one multi-tensor call vs one call per tensor.
    for (const c of CONFIGS.filter((k) => (k.name === 'Adam' || k.name === 'SGD-momentum') && (!only || only.includes(k.name)))) {
      const sizes = new Array(1000).fill(1000);
      const x = tensors(c, sizes);
      const bytes = bytesPerParam(c) * 1e6;
      for (const [name, K] of [['native', ctx.native], ['js', ctx.js]] as [string, Kernels | null][]) {
        if (!K) continue;
        const multi = timeMedian(() => stepAll(K, c, x), { reps: 7 });
        rows.push(withBandwidth({ suite: 'optim', case: `${c.name} 1000x1000 multi-tensor`, backend: name, size: 1e6, medianMs: multi, nsPerElement: multi }, bytes, ctx));
      }
      if (ctx.native) {
        const K = ctx.native;
        const one = timeMedian(() => {
          for (let t = 0; t < 1000; t++) {
            K.optim.step(c.algo, x.flags.subarray(t, t + 1), x.h.subarray(t * OPTIM_H, (t + 1) * OPTIM_H), [x.params[t]], [x.grads[t]], x.states.slice(3 * t, 3 * t + 3));
          }
        }, { reps: 7 });
        rows.push(withBandwidth({ suite: 'optim', case: `${c.name} 1000x1000 one call per tensor`, backend: 'native', size: 1e6, medianMs: one, nsPerElement: one }, bytes, ctx));
        // through a plan holding every array (what optimizer.step() uses while they stay the same)
        const plan = K.optim.plan(x.params, x.grads, x.states);
        const planned = timeMedian(() => K.optim.stepPlan(plan, c.algo, x.flags, x.h, []), { reps: 7 });
        rows.push(withBandwidth({ suite: 'optim', case: `${c.name} 1000x1000 plan`, backend: 'native', size: 1e6, medianMs: planned, nsPerElement: planned, note: `multi-tensor / plan ${((rows.find((r) => r.case === `${c.name} 1000x1000 multi-tensor` && r.backend === 'native')?.medianMs ?? NaN) / planned).toFixed(2)}` }, bytes, ctx));
      }
    }
    return rows;
  },
};
