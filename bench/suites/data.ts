// fg.data.DataLoader and fg.train.fit. (1) Overlap: with per-batch data work D (random crop + normalize
// of 28 × 28 images, in the dataset's get()) and training work W (an MLP step), an epoch with
// numWorkers 1 should take about max(D, W) per batch, not D + W (target: E <= 1.15 × max(D, W)).
// (2) No tax on in-memory data: an MNIST MLP epoch through DataLoader(TensorDataset, numWorkers 0)
// against today's fg.data.batches loop (target: within 1.05x). (3) fg.train.fit against a hand-written
// loop over the same DataLoader (target: within ~1.05x).
//
// How D, W and E are measured (all in one run, on one persistent worker, alternating; medians):
//   D = the data work of a batch as it runs: an epoch of the same numWorkers-1 loader with an empty
//       loop body (the worker's get() calls, collate and send, and this thread's receive), so D is the
//       pipeline's throughput where it runs, not the same crops timed on the training thread;
//   W = the training step alone, over the epoch's batches already in memory, at the kernel thread count
//       the epoch trains with (the DataLoader's budget, mainThreads 'auto': max(1, cores - 1) kernel
//       threads on this thread while the worker runs; torch gives its workers one intra-op thread and
//       keeps its own for the main process, so on 2 cores the worker has one core and the step the other),
//       with one turn of the event loop per batch, as the epoch's loop resumes from the event loop for
//       each batch: V8 runs its collection tasks (incremental marking started and finalized by task)
//       only in a turn of the event loop, so a synchronous loop of steps defers the collection work its
//       own allocations call for past its end (the step's fresh outputs are ordinary ArrayBuffers, counted
//       as external memory), and that work fell into whichever figure was timed next;
//   E = the epoch with the step (numWorkers 1).
// Every figure ends with one turn of the event loop, so it is charged its own deferred work. The notes
// give per batch: major collections (mark-compacts, by a 'gc' PerformanceObserver) and the CPU of the
// process's other threads (V8's helper threads: concurrent marking; Linux), besides the training
// thread's and the worker's.
// The crop passes per sample are a live setting of the worker's dataset (shared memory), tuned so that
// D ≈ W, the hardest case for overlap (by per-thread CPU time on Linux, by wall time elsewhere); when it
// chose more than one pass, the epoch at 1 pass is printed too (D below W: the step the bottleneck). On Linux the rows' notes add per-thread CPU time per batch
// (/proc/self/task/<tid>/schedstat) of the training thread and the worker, which the machine's load
// does not inflate the way it does wall time. W at the full thread count and the epoch without the
// budget (mainThreads null) are printed beside it to show the trade. The no-tax case runs on 1 thread.
// This file is also the worker dataset's module: its default export builds the augmenting dataset.
// Run alone: npm run bench -- --only data [--quick]
import * as fs from 'node:fs';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import * as fg from '../../lib/index.js';
import type { BenchContext, BenchRow, BenchSuite } from '../harness.js';
import { autoencoder } from './nn.js';

const SIDE = 28, PAD = 4, SRC = SIDE + 2 * PAD, BATCH = 64;

export interface AugmentArgs {
  n: number;
  /** [0]: crop + normalize rounds per sample (the data work per batch scales with it; read at every get()); [1]: written by the dataset, its thread's id (Linux), 0 if unknown. */
  control: Int32Array;
}

/** This thread's id on Linux (its /proc/self/task entry), or 0. */
function threadId(): number {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return 0;
  }
}

/** CPU milliseconds thread `tid` of this process has run (Linux), or NaN. */
function threadCpuMs(tid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU milliseconds all threads of this process have run (Linux), or NaN. */
function processCpuMs(): number {
  try {
    let sum = 0;
    for (const t of fs.readdirSync('/proc/self/task')) sum += threadCpuMs(Number(t));
    return sum;
  } catch {
    return NaN;
  }
}

/** Major garbage collections (mark-compacts) of this thread's heap so far. */
let majorGcs = 0;
function countMajorGcs(): PerformanceObserver {
  const o = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  });
  o.observe({ entryTypes: ['gc'] });
  return o;
}

/** One turn of the event loop (V8's foreground tasks, collection work included, run in it). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** n curve images padded to 36 × 36; get(i): control[0] random 28 × 28 crops, each normalized to mean 0, std 1 (the last is returned). */
export default function augmentingDataset(args: AugmentArgs): fg.data.MapDataset<[Float32Array, number]> {
  const src = fg.data.curves({ n: Math.min(args.n, 512), seed: 1 }).x.data;
  const m = Math.min(args.n, 512);
  const padded = new Float32Array(m * SRC * SRC);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < SIDE; r++) padded.set(src.subarray((i * SIDE + r) * SIDE, (i * SIDE + r + 1) * SIDE), i * SRC * SRC + (r + PAD) * SRC + PAD);
  }
  const control = args.control;
  Atomics.store(control, 1, threadId());
  return {
    length: args.n,
    get(i: number, ctx?: fg.data.SampleContext): [Float32Array, number] {
      const passes = Atomics.load(control, 0);
      const img = new Float32Array(SIDE * SIDE);
      const base = (i % m) * SRC * SRC;
      const offs = ctx!.generator.uint32(2 * passes);
      for (let p = 0; p < passes; p++) {
        const dy = offs[2 * p] % (2 * PAD + 1), dx = offs[2 * p + 1] % (2 * PAD + 1);
        let sum = 0;
        for (let r = 0; r < SIDE; r++) {
          const from = base + (r + dy) * SRC + dx;
          for (let c = 0; c < SIDE; c++) {
            const v = padded[from + c];
            img[r * SIDE + c] = v;
            sum += v;
          }
        }
        const mean = sum / (SIDE * SIDE);
        let sq = 0;
        for (let k = 0; k < img.length; k++) sq += (img[k] - mean) * (img[k] - mean);
        const inv = 1 / Math.sqrt(sq / img.length + 1e-5);
        for (let k = 0; k < img.length; k++) img[k] = (img[k] - mean) * inv;
      }
      return [img, i % 10];
    },
  };
}

function mlp(seed: number, hidden: number): fg.nn.Sequential {
  const g = new fg.Generator(seed);
  return new fg.nn.Sequential(new fg.nn.Linear(784, hidden, { generator: g }), new fg.nn.ReLU(), new fg.nn.Linear(hidden, 10, { generator: g }));
}

function trainer(hidden: number) {
  const model = mlp(3, hidden);
  const lossFn = new fg.nn.CrossEntropyLoss();
  const opt = new fg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  return (x: fg.Tensor, y: Int32Array) => {
    model.zeroGrad();
    lossFn.forward(model.forward(x), y).backward();
    opt.step();
  };
}

const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const ms = () => performance.now();

/** Runs f with this thread's kernels on n threads, then restores the count. */
async function atThreads<T>(n: number, f: () => T | Promise<T>): Promise<T> {
  const before = fg.getNumThreads();
  fg.setNumThreads(n);
  try {
    return await f();
  } finally {
    fg.setNumThreads(before);
  }
}

/** Wall and per-thread CPU per batch of one timed run. */
interface Timing {
  wall: number;
  /** The training thread's CPU (NaN off Linux). */
  main: number;
  /** The worker's CPU (NaN off Linux or when it did not say its id). */
  worker: number;
  /** The CPU of the process's other threads (V8's helper threads; NaN off Linux). */
  other: number;
  /** Major collections of this thread's heap. */
  majors: number;
}

async function overlap(quick: boolean): Promise<BenchRow[]> {
  const gcs = countMajorGcs();
  try {
    return await overlapRun(quick);
  } finally {
    gcs.disconnect();
  }
}

async function overlapRun(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 1280 : 2560, batches = n / BATCH, hidden = 512;
  const step = trainer(hidden);
  const full = fg.getNumThreads();
  const control = new Int32Array(new SharedArrayBuffer(8));
  control[0] = 1;
  const spec = { module: __filename, args: { n, control } satisfies AugmentArgs };
  const workers = (mainThreads?: null) =>
    new fg.data.DataLoader<[fg.Tensor, Int32Array]>(spec, { batchSize: BATCH, shuffle: true, generator: new fg.Generator(1), numWorkers: 1, persistentWorkers: true, mainThreads });
  const budget = workers(), unbudgeted = workers(null);
  // the thread count the epoch trains with (the loader's budget), read inside an epoch; starts the worker
  let epochThreads = 0;
  for await (const _ of budget) epochThreads = fg.getNumThreads();
  const workerTid = Atomics.load(control, 1);
  for await (const _ of unbudgeted);
  // several epochs per figure (D, W and E alike): with one 40-batch epoch each, E / max(D, W) swung
  // 1.3–2.1 between runs a minute apart on a jittery VM
  const epochs = quick ? 1 : 3;
  const timed = async (f: () => unknown): Promise<Timing> => {
    await turn();
    const m0 = threadCpuMs(process.pid), w0 = threadCpuMs(workerTid), a0 = processCpuMs(), g0 = majorGcs, t = ms();
    await f();
    await turn(); // the figure's own deferred work (see the header)
    const per = batches * epochs, main = (threadCpuMs(process.pid) - m0) / per, worker = (threadCpuMs(workerTid) - w0) / per;
    return { wall: (ms() - t) / per, main, worker, other: (processCpuMs() - a0) / per - main - (worker || 0), majors: (majorGcs - g0) / per };
  };
  // W: training alone on batches already in memory, at `threads` kernel threads
  const held: [fg.Tensor, Int32Array][] = [];
  for await (const b of budget) held.push(b);
  const timeW = (threads = epochThreads) =>
    timed(() =>
      atThreads(threads, async () => {
        for (let e = 0; e < epochs; e++) {
          for (const [x, y] of held) {
            step(x, y);
            await turn();
          }
        }
      }),
    );
  // the same steps in one synchronous loop (V8's collection tasks wait until it ends; for reference)
  const timeWSync = () => timed(() => atThreads(epochThreads, () => {
    for (let e = 0; e < epochs; e++) for (const [x, y] of held) step(x, y);
  }));
  // D: the same loader's epoch with no step (the data work as it runs, in the worker)
  const timeD = () =>
    timed(async () => {
      for (let e = 0; e < epochs; e++) for await (const _ of budget);
    });
  const timeE = (loader: fg.data.DataLoader<[fg.Tensor, Int32Array]>) =>
    timed(async () => {
      for (let e = 0; e < epochs; e++) for await (const [x, y] of loader) step(x, y);
    });
  // passes per sample so that D ≈ W: D grows about in proportion to the passes; three rounds of
  // passes × W / D, each moving by at most 4x (a noisy round cannot throw it far). On Linux by CPU time
  // (the worker's per batch against the training thread's in W), which a busy machine disturbs far
  // less than wall time; elsewhere by wall time. (A line through D at 1 and 4 passes was tried: the
  // worker's first timed epochs after W read up to 2x high, and it landed anywhere from 1 to 14 passes.)
  const byCpu = Number.isFinite(threadCpuMs(workerTid)) && Number.isFinite(threadCpuMs(process.pid));
  const wKey: keyof Timing = byCpu ? 'main' : 'wall', dKey: keyof Timing = byCpu ? 'worker' : 'wall';
  await timeW();
  const w0 = median([(await timeW())[wKey], (await timeW())[wKey], (await timeW())[wKey]]);
  let passes = 1;
  for (let round = 0; round < 3; round++) {
    control[0] = passes;
    await timeD();
    const d0 = median([(await timeD())[dKey], (await timeD())[dKey], (await timeD())[dKey]]);
    passes = Math.max(1, Math.round(Math.min(passes * 4, Math.max(passes / 4, (passes * w0) / d0))));
  }
  // D has a base (collate, the first crop) beside its cost per pass, so the rule above tends to land
  // with D above W. The epoch at 1 pass is timed too when the tuning chose more: with D below W there,
  // the step is the bottleneck and the training thread's own receive path lands on it.
  const stepBound = passes > 1;
  control[0] = passes;
  await timeE(budget);
  await timeE(unbudgeted);
  const D: Timing[] = [], W: Timing[] = [], WF: Timing[] = [], E: Timing[] = [], EF: Timing[] = [], WS: Timing[] = [], D1: Timing[] = [], E1: Timing[] = [];
  for (let r = 0; r < (quick ? 3 : 5); r++) {
    if (stepBound) {
      control[0] = 1;
      E1.push(await timeE(budget));
      D1.push(await timeD());
      control[0] = passes;
    }
    E.push(await timeE(budget));
    D.push(await timeD());
    W.push(await timeW());
    EF.push(await timeE(unbudgeted));
    WF.push(await timeW(full));
    WS.push(await timeWSync());
  }
  await budget.close();
  await unbudgeted.close();
  const med = (a: Timing[], k: keyof Timing) => median(a.map((x) => x[k]));
  const d = med(D, 'wall'), w = med(W, 'wall'), wf = med(WF, 'wall'), e = med(E, 'wall'), ef = med(EF, 'wall');
  const cpu = Number.isFinite(med(W, 'main'));
  const f = (v: number) => v.toFixed(2);
  const size = `${n} samples, batch ${BATCH}`, b = fg.getBackend();
  const t = (k: number) => `${k} kernel thread${k === 1 ? '' : 's'}`;
  // mark-compacts are rare events: counted over all repeats, per 1000 batches
  const gcNote = (a: Timing[]) => `; mark-compacts per 1000 batches ${((1000 * a.reduce((p, x) => p + x.majors, 0)) / a.length).toFixed(1)}`;
  const cpuNote = (a: Timing[]) =>
    (cpu ? `CPU ms/batch: training thread ${f(med(a, 'main'))}, worker ${f(med(a, 'worker'))}, other threads ${f(med(a, 'other'))}` : '') + gcNote(a);
  /** E / max(D, W) of an epoch and the data work it ran, with where each thread's CPU went. */
  const overlapNote = (eRuns: Timing[], dRuns: Timing[]) => {
    const ed = med(eRuns, 'wall'), dd = med(dRuns, 'wall');
    return (
      `E / max(D, W) = ${(ed / Math.max(dd, w)).toFixed(3)} (target <= 1.15; D + W would be ${((dd + w) / Math.max(dd, w)).toFixed(2)})` +
      (cpu ? `; ${cpuNote(eRuns)} (training thread / W's ${(med(eRuns, 'main') / med(W, 'main')).toFixed(2)}, worker / D's ${(med(eRuns, 'worker') / med(dRuns, 'worker')).toFixed(2)})` : '')
    );
  };
  return [
    { suite: 'data', case: `D: data work per batch as it runs (${passes} crop+normalize passes per sample, numWorkers 1, no step)`, backend: b, size, medianMs: d, note: cpuNote(D) },
    { suite: 'data', case: `W: MLP 784-${hidden}-10 step per batch at ${t(epochThreads)} (the epoch's budget; an event-loop turn per batch)`, backend: b, size, medianMs: w, note: cpuNote(W) },
    { suite: 'data', case: `W in one synchronous loop (V8's collection tasks deferred past its end; reference)`, backend: b, size, medianMs: med(WS, 'wall'), note: `/ W = ${(med(WS, 'wall') / w).toFixed(3)}; ${cpuNote(WS)}` },
    { suite: 'data', case: `W at ${t(full)} (full; no worker running)`, backend: b, size, medianMs: wf, note: `W(${epochThreads}) / W(${full}) = ${(w / wf).toFixed(2)}` },
    {
      suite: 'data',
      case: `E: epoch per batch, numWorkers 1 (data in the worker, training here at ${t(epochThreads)})`,
      backend: b,
      size,
      medianMs: e,
      note: overlapNote(E, D),
    },
    ...(stepBound
      ? [
          { suite: 'data', case: 'D with 1 crop+normalize pass per sample (the step the bottleneck)', backend: b, size, medianMs: med(D1, 'wall'), note: cpuNote(D1) },
          {
            suite: 'data',
            case: `E with 1 pass: epoch per batch, numWorkers 1, training at ${t(epochThreads)}`,
            backend: b,
            size,
            medianMs: med(E1, 'wall'),
            note: overlapNote(E1, D1),
          },
        ]
      : []),
    { suite: 'data', case: `same epoch without the budget (mainThreads null: training at ${t(full)})`, backend: b, size, medianMs: ef, note: `/ E = ${(ef / e).toFixed(3)}; / max(D, W(${full})) = ${(ef / Math.max(d, wf)).toFixed(3)}` },
  ];
}

/**
 * fg.train.fit against a hand-written loop over the same DataLoader (numWorkers 0, shuffled), on the
 * autoencoder 784-1000-500-250-30 (BCE with logits, Adam, batch 200), 1 kernel thread: the hand loop
 * reads the loss each step (loss.item(), as a loop that logs it does) and takes the layer-wise
 * parameter gradients (model.backwardParameters(loss.backward())), the cheapest form for a chain of
 * built-in layers; a second hand loop on the tape (loss.backward()) for reference. Each timed epoch
 * ends with one turn of the event loop, so each is charged its own deferred work.
 */
async function fitCost(quick: boolean): Promise<BenchRow[]> {
  const threads = fg.getNumThreads();
  fg.setNumThreads(1);
  try {
    const sizes = [784, 1000, 500, 250, 30, 250, 500, 1000, 784], batch = 200, n = quick ? 600 : 1200;
    const x = new fg.Tensor(new fg.Generator(5).uniform(new Float32Array(n * 784)), [n, 784]);
    const ds = new fg.data.TensorDataset(x, x);
    const make = () => {
      const model = autoencoder(sizes, 1);
      return { model, opt: new fg.optim.Adam(model.parameters(), { lr: 1e-3 }), loss: new fg.nn.BCEWithLogitsLoss(), loader: new fg.data.DataLoader<[fg.Tensor, fg.Tensor]>(ds, { batchSize: batch, shuffle: true, generator: new fg.Generator(2) }) };
    };
    const h = make(), tp = make(), ft = make();
    let sink = 0;
    const runs: [string, () => Promise<unknown>][] = [
      ['hand', async () => {
        for await (const [xb, yb] of h.loader) {
          h.model.zeroGrad();
          const l = h.loss.forward(h.model.forward(xb), yb);
          sink += l.item();
          h.model.backwardParameters(h.loss.backward());
          h.opt.step();
        }
      }],
      ['tape', async () => {
        for await (const [xb, yb] of tp.loader) {
          tp.model.zeroGrad();
          const l = tp.loss.forward(tp.model.forward(xb), yb);
          sink += l.item();
          l.backward();
          tp.opt.step();
        }
      }],
      ['fit', () => fg.train.fit(ft.model, ft.loader, { optimizer: ft.opt, loss: ft.loss, epochs: 1, verbose: 0 })],
    ];
    const times = new Map<string, number[]>(runs.map(([k]) => [k, []])), cpus = new Map<string, number[]>(runs.map(([k]) => [k, []]));
    for (const [, r] of runs) await r();
    for (let rep = 0; rep < (quick ? 3 : 7); rep++) {
      const order = rep % 2 ? runs : [...runs].reverse();
      for (const [k, r] of order) {
        const t = ms(), c = threadCpuMs(process.pid);
        await r();
        // and the tasks it left for the event loop (V8's deferred collection work): fit yields to the
        // event loop every ~20 ms (for Ctrl-C), so they run inside its epoch, while a hand loop over a
        // numWorkers-0 loader never yields and would leave them to whatever is timed next
        await new Promise<void>((res) => setImmediate(res));
        times.get(k)!.push(ms() - t);
        cpus.get(k)!.push(threadCpuMs(process.pid) - c);
      }
    }
    void sink;
    const hm = median(times.get('hand')!), tm = median(times.get('tape')!), fm = median(times.get('fit')!);
    // in this thread's CPU (the whole step runs here at 1 kernel thread; a busy machine inflates it far less than wall time)
    const cpu = (k: string) => median(cpus.get(k)!), cpuNote = (k: string) => (Number.isFinite(cpu('hand')) ? `; in this thread's CPU ${(cpu(k) / cpu('hand')).toFixed(3)}` : '');
    const size = `${n} samples, batch ${batch}, 1 kernel thread`, b = fg.getBackend();
    return [
      { suite: 'data', case: 'autoencoder epoch: hand-written loop over a DataLoader (layer-wise backwardParameters, loss.item())', backend: b, size, medianMs: hm },
      { suite: 'data', case: 'same: hand-written loop on the tape (loss.backward())', backend: b, size, medianMs: tm, note: `/ hand = ${(tm / hm).toFixed(3)}${cpuNote('tape')}` },
      { suite: 'data', case: 'same: fg.train.fit (verbose 0)', backend: b, size, medianMs: fm, note: `fit / hand = ${(fm / hm).toFixed(3)} (target <= ~1.05)${cpuNote('fit')}` },
    ];
  } finally {
    fg.setNumThreads(threads);
  }
}

async function noTax(quick: boolean): Promise<BenchRow[]> {
  const threads = fg.getNumThreads();
  fg.setNumThreads(1);
  try {
    return await noTaxAt1(quick);
  } finally {
    fg.setNumThreads(threads);
  }
}

async function noTaxAt1(quick: boolean): Promise<BenchRow[]> {
  const { train } = fg.data.mnist({ seed: 0 });
  const labels = Int32Array.from(train.labels);
  const N = train.x.shape[0], hidden = 256;
  const stepA = trainer(hidden), stepB = trainer(hidden);
  const genA = new fg.Generator(5), genB = new fg.Generator(5);
  const cpuA: number[] = [], cpuB: number[] = [];
  const viaBatches = () => {
    const t = ms(), c = threadCpuMs(process.pid);
    for (const { x, indices } of fg.data.batches(train.x, null, { batchSize: BATCH, generator: genA })) {
      const y = new Int32Array(indices.length);
      for (let b = 0; b < y.length; b++) y[b] = labels[indices[b]];
      stepA(x, y);
    }
    cpuA.push(threadCpuMs(process.pid) - c);
    return ms() - t;
  };
  const loader = new fg.data.DataLoader<[fg.Tensor, Int32Array]>(new fg.data.TensorDataset(train.x, train.labels), { batchSize: BATCH, shuffle: true, generator: genB });
  const viaLoader = async () => {
    const t = ms(), c = threadCpuMs(process.pid);
    for await (const [x, y] of loader) stepB(x, y);
    cpuB.push(threadCpuMs(process.pid) - c);
    return ms() - t;
  };
  viaBatches();
  await viaLoader();
  const A: number[] = [], B: number[] = [];
  for (let r = 0; r < (quick ? 3 : 7); r++) {
    if (r % 2) {
      A.push(viaBatches());
      B.push(await viaLoader());
    } else {
      B.push(await viaLoader());
      A.push(viaBatches());
    }
  }
  const a = median(A), b = median(B);
  const size = `MNIST ${N} samples, batch ${BATCH}`;
  return [
    { suite: 'data', case: `MNIST MLP 784-${hidden}-10 epoch: fg.data.batches loop`, backend: fg.getBackend(), size, medianMs: a },
    { suite: 'data', case: 'same epoch: for await over DataLoader(TensorDataset), numWorkers 0', backend: fg.getBackend(), size, medianMs: b, note: `DataLoader / batches = ${(b / a).toFixed(3)} (target <= 1.05)` + (Number.isFinite(median(cpuA)) ? `; in this thread's CPU ${(median(cpuB.slice(1)) / median(cpuA.slice(1))).toFixed(3)}` : '') },
  ];
}

export const suite: BenchSuite = {
  name: 'data',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    return [...(await overlap(ctx.quick)), ...(await noTax(ctx.quick)), ...(await fitCost(ctx.quick))];
  },
};
