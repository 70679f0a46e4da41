// Leak soak: many small native kernel calls, training steps (layer-wise and on the tape) and async calls;
// RSS after warm-up must grow by less than 5 MB. Run: npm run soak [-- --calls N --steps N --async N --tape N]
// (also the `soak` bench suite: bench/suites/soak.ts).
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as fg from '../lib/index.js';
import { smallNet } from '../test/support/train.js';

export interface SoakResult {
  phase: string;
  iterations: number;
  rssWarmMB: number;
  rssEndMB: number;
  /** Fitted growth over the measured iterations (see soak()). */
  growthMB: number;
  ok: boolean;
}

const LIMIT_MB = 5;
/**
 * Warm-up iterations, as a share of the measured ones, run before the baseline RSS is taken. V8 and
 * malloc grow their heaps in one-off steps during the first ~100k small calls (measured: RSS flat
 * within 0.1 MB per family over 500k calls once past the step, but an 8 MB step after a 31k-iteration
 * warm-up of the mixed loop; 10% of 5,000 training steps likewise still saw a 6 MB step).
 */
const WARM_FRACTION = 0.5;
/**
 * Resident anonymous memory (RssAnon of /proc/self/status on Linux: the heaps, without file-backed
 * pages such as the mapped code of node and the addon, which come and go with page-cache pressure from
 * other processes); process.memoryUsage().rss elsewhere.
 */
function rssMB(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss / 2 ** 20;
}
/** global.gc, or (without --expose-gc, e.g. inside `npm run bench`) one obtained through the V8 flag. */
function findGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
const gc = findGc();

/**
 * RSS once garbage is gone: two full GCs with pauses between them, because V8 frees ArrayBuffer
 * backing stores on a background thread after a GC (without the pauses, samples swung by ±8 MB with
 * up to 15 MB of dead buffers still counted).
 */
async function settledRssMB(): Promise<number> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 30));
  }
  return rssMB();
}

/** Settled-RSS samples taken over the measured iterations (the first one right after warm-up). */
const SAMPLES = 11;

/** Least-squares slope of ys against 0..n-1, times n-1: the growth a straight-line fit sees over the run. */
function fittedGrowth(ys: readonly number[]): number {
  const n = ys.length, mx = (n - 1) / 2, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  ys.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  });
  return (sxy / sxx) * (n - 1);
}

/**
 * Runs body(i) (awaited if it returns a Promise) WARM_FRACTION · iterations times as warm-up, then
 * `iterations` times with SAMPLES settled-RSS samples spread over them. The growth is the straight-line
 * fit's rise over the measured run: a leak grows RSS steadily and shows in full, while the one-off
 * steps in which V8 and malloc enlarge their heaps (measured: 5-13 MB, at random points, in runs whose
 * per-family loops stayed flat within 0.1 MB over 500k calls) weigh only by how much they tilt the fit.
 */
export async function soak(phase: string, iterations: number, body: (i: number) => unknown, warmup = Math.floor(iterations * WARM_FRACTION)): Promise<SoakResult> {
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = body(i);
      if (r instanceof Promise) await r; // sync bodies run without a microtask per iteration
    }
  };
  await run(-Math.max(1, warmup), 0);
  const ys = [await settledRssMB()];
  for (let k = 1; k < SAMPLES; k++) {
    await run(Math.floor(((k - 1) * iterations) / (SAMPLES - 1)), Math.floor((k * iterations) / (SAMPLES - 1)));
    ys.push(await settledRssMB());
  }
  const growth = fittedGrowth(ys);
  if (process.env.FG_SOAK_TRACE) console.log(phase, ys.map((y) => y.toFixed(1)).join(' '));
  return { phase, iterations, rssWarmMB: ys[0], rssEndMB: ys[SAMPLES - 1], growthMB: growth, ok: growth < LIMIT_MB };
}

/** Kernel calls per kernelCalls() iteration. */
export const CALLS_PER_ITERATION = 8;

/**
 * One small call into each family per iteration, with fresh output tensors (exercises GC of views):
 * elementwise (add, mul, clamp), unary (tanh), reduce (sum), GEMM (matmul), batch norm (stats + affine),
 * and an optimizer step: 8 kernel calls.
 */
export function kernelCalls(iterations: number): Promise<SoakResult> {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
  const row = fg.Tensor.from([1, 2, 3, 4], [4]);
  const p = new fg.Parameter(Float32Array.from([0.5, -0.5, 0.25, 1]), [4]);
  p.grad = fg.Tensor.from([0.1, 0.2, -0.1, 0.3], [4]);
  const opt = new fg.optim.SGD([p], { lr: 1e-3, momentum: 0.9 });
  return soak('small kernel calls', iterations, (i) => {
    const y = fg.ops.add(a, row);
    fg.ops.mul(y, 0.5, { out: y });
    fg.ops.clamp(y, -1, 1 + (i & 1), { out: y });
    fg.ops.tanh(y, { out: y });
    fg.ops.sum(y);
    fg.ops.matmul(y, a, { transB: true });
    fg.nn.functional.batchNormTrain(y);
    opt.step();
  });
}

/**
 * Warm-up steps of the training phase. Measured (settled RssAnon every 5,000 steps): 42 → 78 → 95 →
 * 97 → 97 … 97 MB up to 40,000 steps, with the JS heap (8.2 MB), external memory and ArrayBuffers flat
 * throughout, and the same shape on the TypeScript backend (45 → 58 → 74 → 72 → 72): V8's own one-off
 * growth (compiled code, heap pages), which levels off by about 15,000 steps, not the addon's.
 */
const TRAINING_WARMUP = 15_000;

/** Training steps of a small fg.nn network (Linear, BatchNorm1d, Tanh, Linear, MSE, Adam). */
export function trainingSteps(steps: number): Promise<SoakResult> {
  const net = smallNet(1);
  return soak('training steps', steps, () => net.step(), Math.max(TRAINING_WARMUP, Math.floor(steps * WARM_FRACTION)));
}

/**
 * Training steps on the tape: a network written from tensor ops (matmul, broadcast bias, tanh, a lazy
 * transpose, logSoftmax, gather, mean), loss.backward(), an SGD update under fg.noGrad. Covers the
 * graph being freed after backward and the buffer cache's recycling (docs/memory.md); the cache must
 * also stay within its limit.
 */
export function tapeSteps(steps: number): Promise<SoakResult> {
  const g = new fg.Generator(3);
  const x = fg.rand([16, 32], { generator: g });
  const labels = fg.tensor(Array.from({ length: 16 }, (_, i) => i % 10), { shape: [16, 1], dtype: 'int32' });
  const p = (shape: number[]) => fg.randn(shape, { generator: g }).mul(0.1).requiresGrad_();
  const w1 = p([32, 64]), b1 = fg.zeros([64], { requiresGrad: true }), w2 = p([10, 64]);
  const params = [w1, b1, w2];
  return soak('tape training steps', steps, () => {
    const h = x.matmul(w1).add(b1).tanh();
    const loss = h.matmul(w2.t()).logSoftmax(1).gather(1, labels).mean().neg();
    loss.backward();
    fg.noGrad(() => {
      for (const q of params) {
        q.sub_(q.grad!.mul(0.01));
        q.grad = null;
      }
    });
    const c = fg.backendInfo().cache;
    if (c.bytes > c.limitBytes) throw new Error(`the buffer cache holds ${c.bytes} bytes, over its limit ${c.limitBytes}`);
  }, Math.max(TRAINING_WARMUP, Math.floor(steps * WARM_FRACTION)));
}

/** Promise-returning kernels: every call creates and frees a native AsyncWorker and its references. */
export function asyncCalls(iterations: number): Promise<SoakResult> {
  const a = fg.Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
  const net = smallNet(2);
  // Give every libuv pool thread work first: a pool thread's first kernel allocates its per-thread
  // state once (a malloc arena, the GEMM packing workspace), a bounded step that is not a leak.
  const prewarm = () => Promise.all(Array.from({ length: 16 }, () => Promise.all([fg.ops.matmulAsync(a, a, { transB: true }), fg.nn.functional.batchNormTrainAsync(a)])));
  return prewarm().then(() => soak('async calls', iterations, async () => {
    await fg.ops.matmulAsync(a, a, { transB: true });
    await fg.nn.functional.batchNormTrainAsync(a);
    await net.stepAsync();
  }));
}

export interface SoakPlan {
  calls: number;
  steps: number;
  asyncIterations: number;
  tapeSteps: number;
}

export const FULL: SoakPlan = { calls: 1_000_000, steps: 5000, asyncIterations: 20_000, tapeSteps: 10_000 };

export async function runSoak(plan: SoakPlan): Promise<SoakResult[]> {
  return [await kernelCalls(Math.ceil(plan.calls / CALLS_PER_ITERATION)), await trainingSteps(plan.steps), await asyncCalls(plan.asyncIterations), await tapeSteps(plan.tapeSteps)];
}

export function describe(r: SoakResult): string {
  return `${r.ok ? 'ok  ' : 'FAIL'} ${r.phase}: ${r.iterations} iterations, RSS ${r.rssWarmMB.toFixed(1)} -> ${r.rssEndMB.toFixed(1)} MB, fitted growth ${r.growthMB.toFixed(2)} MB (limit ${LIMIT_MB})`;
}

async function main(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const plan = { calls: arg('--calls', FULL.calls), steps: arg('--steps', FULL.steps), asyncIterations: arg('--async', FULL.asyncIterations), tapeSteps: arg('--tape', FULL.tapeSteps) };
  console.log(`backend ${fg.getBackend()} (${fg.simdLevel()}), ${fg.getNumThreads()} threads; ${plan.calls} kernel calls (${CALLS_PER_ITERATION} per iteration), ${plan.steps} training steps, ${plan.asyncIterations} async iterations, ${plan.tapeSteps} tape training steps`);
  const t0 = performance.now();
  const results = await runSoak(plan);
  for (const r of results) console.log(describe(r));
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!results.every((r) => r.ok)) process.exitCode = 1;
}

if (require.main === module) void main();
