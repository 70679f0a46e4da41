// fg.data.DataLoader: (1) overlap — with per-batch data work D (random crop + normalize of 28 × 28
// images, in get()) and training work W (an MLP step), an epoch with numWorkers 1 should take about
// max(D, W) per batch, not D + W (target: <= 1.15 × max(D, W)); (2) no tax on in-memory data — an
// MNIST MLP epoch through DataLoader(TensorDataset, numWorkers 0) against today's fg.data.batches loop
// (target: within 1.05x). Figures are ratios within one run, medians of alternating repeats (the
// machine may be busy). The epoch runs with the DataLoader's thread budget (mainThreads 'auto': the
// training thread's kernels on max(1, cores - 1) threads while the worker runs), so W is timed at that
// thread count, the one the epoch trains with; W at the full thread count and the epoch without the
// budget (mainThreads null) are printed beside it to show the trade. The no-tax case runs on 1 thread.
// This file is also the worker dataset's module: its default export builds the augmenting dataset.
// Run alone: npm run bench -- --only data [--quick]
import * as fg from '../../lib/index.js';
import type { BenchContext, BenchRow, BenchSuite } from '../harness.js';

const SIDE = 28, PAD = 4, SRC = SIDE + 2 * PAD, BATCH = 64;

export interface AugmentArgs {
  n: number;
  /** Crop + normalize rounds per sample (the data work per batch scales with it). */
  passes: number;
}

/** n curve images padded to 36 × 36; get(i): `passes` random 28 × 28 crops, each normalized to mean 0, std 1 (the last is returned). */
export default function augmentingDataset(args: AugmentArgs): fg.data.MapDataset<[Float32Array, number]> {
  const src = fg.data.curves({ n: Math.min(args.n, 512), seed: 1 }).x.data;
  const m = Math.min(args.n, 512);
  const padded = new Float32Array(m * SRC * SRC);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < SIDE; r++) padded.set(src.subarray((i * SIDE + r) * SIDE, (i * SIDE + r + 1) * SIDE), i * SRC * SRC + (r + PAD) * SRC + PAD);
  }
  return {
    length: args.n,
    get(i: number, ctx?: fg.data.SampleContext): [Float32Array, number] {
      const img = new Float32Array(SIDE * SIDE);
      const base = (i % m) * SRC * SRC;
      const offs = ctx!.generator.uint32(2 * args.passes);
      for (let p = 0; p < args.passes; p++) {
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
function atThreads<T>(n: number, f: () => T): T {
  const before = fg.getNumThreads();
  fg.setNumThreads(n);
  try {
    return f();
  } finally {
    fg.setNumThreads(before);
  }
}

async function overlap(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 1280 : 2560, batches = n / BATCH, hidden = 512;
  const step = trainer(hidden);
  const full = fg.getNumThreads();
  const spec = (passes: number) => ({ module: __filename, args: { n, passes } satisfies AugmentArgs });
  const mainLoader = (passes: number) => new fg.data.DataLoader<[fg.Tensor, Int32Array]>(spec(passes), { batchSize: BATCH, shuffle: true, generator: new fg.Generator(1) });

  const workers = (passes: number, mainThreads?: null) =>
    new fg.data.DataLoader<[fg.Tensor, Int32Array]>(spec(passes), { batchSize: BATCH, shuffle: true, generator: new fg.Generator(1), numWorkers: 1, persistentWorkers: true, mainThreads });
  // the thread count the epoch trains with (the loader's budget), read inside an epoch
  let epochThreads = 0;
  const probe = workers(1);
  for await (const _ of probe) epochThreads = fg.getNumThreads();
  await probe.close();
  // several epochs per figure (D, W and E alike): with one 40-batch epoch each, E / max(D, W) swung
  // 1.3–2.1 between runs a minute apart on a jittery VM
  const epochs = quick ? 1 : 3;
  // W: training alone on batches already in memory, at `threads` kernel threads
  const held = [...mainLoader(1)];
  const timeW = (threads = epochThreads) =>
    atThreads(threads, () => {
      const t = ms();
      for (let e = 0; e < epochs; e++) for (const [x, y] of held) step(x, y);
      return (ms() - t) / (batches * epochs);
    });
  // D: the data work alone (this thread), with passes chosen so that D ≈ W (the hardest case for overlap).
  // One loader per passes count, built before the clock starts: E's epochs reuse their worker's dataset
  // (persistent workers), so D must not count building it (its factory renders and pads the images,
  // ~30 ms: it added ~0.7 ms to each batch of a 40-batch epoch and made D look larger than it is)
  const dLoaders = new Map<number, fg.data.DataLoader<[fg.Tensor, Int32Array]>>();
  const timeD = (passes: number) => {
    let loader = dLoaders.get(passes);
    if (!loader) dLoaders.set(passes, (loader = mainLoader(passes)));
    void loader.dataset;
    const t = ms();
    for (let e = 0; e < epochs; e++) for (const _ of loader);
    return (ms() - t) / (batches * epochs);
  };
  timeW();
  timeD(1);
  const w0: number[] = [], d1: number[] = [];
  for (let r = 0; r < 3; r++) {
    w0.push(timeW());
    d1.push(timeD(1));
  }
  const passes = Math.max(1, Math.round(median(w0) / median(d1)));
  timeD(passes); // warms the loader with that many passes
  const budget = workers(passes), unbudgeted = workers(passes, null);
  const timeE = async (loader: fg.data.DataLoader<[fg.Tensor, Int32Array]>) => {
    const t = ms();
    for (let e = 0; e < epochs; e++) for await (const [x, y] of loader) step(x, y);
    return (ms() - t) / (batches * epochs);
  };
  await timeE(budget); // starts the workers
  await timeE(unbudgeted);
  const D: number[] = [], W: number[] = [], WF: number[] = [], E: number[] = [], EF: number[] = [];
  for (let r = 0; r < (quick ? 3 : 5); r++) {
    E.push(await timeE(budget));
    D.push(timeD(passes));
    W.push(timeW());
    EF.push(await timeE(unbudgeted));
    WF.push(timeW(full));
  }
  await budget.close();
  await unbudgeted.close();
  const d = median(D), w = median(W), wf = median(WF), e = median(E), ef = median(EF), ratio = e / Math.max(d, w);
  const size = `${n} samples, batch ${BATCH}`, b = fg.getBackend();
  const t = (k: number) => `${k} kernel thread${k === 1 ? '' : 's'}`;
  return [
    { suite: 'data', case: `D: data work per batch (${passes} crop+normalize passes, this thread)`, backend: b, size, medianMs: d },
    { suite: 'data', case: `W: MLP 784-${hidden}-10 step per batch at ${t(epochThreads)} (the epoch's budget)`, backend: b, size, medianMs: w },
    { suite: 'data', case: `W at ${t(full)} (full; no worker running)`, backend: b, size, medianMs: wf, note: `W(${epochThreads}) / W(${full}) = ${(w / wf).toFixed(2)}` },
    { suite: 'data', case: `E: epoch per batch, numWorkers 1 (data in the worker, training here at ${t(epochThreads)})`, backend: b, size, medianMs: e, note: `E / max(D, W) = ${ratio.toFixed(3)} (target <= 1.15; D + W would be ${((d + w) / Math.max(d, w)).toFixed(2)})` },
    { suite: 'data', case: `same epoch without the budget (mainThreads null: training at ${t(full)})`, backend: b, size, medianMs: ef, note: `/ E = ${(ef / e).toFixed(3)}; / max(D, W(${full})) = ${(ef / Math.max(d, wf)).toFixed(3)}` },
  ];
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
  const viaBatches = () => {
    const t = ms();
    for (const { x, indices } of fg.data.batches(train.x, null, { batchSize: BATCH, generator: genA })) {
      const y = new Int32Array(indices.length);
      for (let b = 0; b < y.length; b++) y[b] = labels[indices[b]];
      stepA(x, y);
    }
    return ms() - t;
  };
  const loader = new fg.data.DataLoader<[fg.Tensor, Int32Array]>(new fg.data.TensorDataset(train.x, train.labels), { batchSize: BATCH, shuffle: true, generator: genB });
  const viaLoader = async () => {
    const t = ms();
    for await (const [x, y] of loader) stepB(x, y);
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
    { suite: 'data', case: 'same epoch: for await over DataLoader(TensorDataset), numWorkers 0', backend: fg.getBackend(), size, medianMs: b, note: `DataLoader / batches = ${(b / a).toFixed(3)} (target <= 1.05)` },
  ];
}

export const suite: BenchSuite = {
  name: 'data',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    return [...(await overlap(ctx.quick)), ...(await noTax(ctx.quick))];
  },
};
