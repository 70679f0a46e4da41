// fg.data datasets, samplers, collate and the DataLoader: seeded orders against fixed expected values,
// the same batches bit for bit with 0, 1 and 4 workers (a hash of every batch), worker errors, crashes
// and early breaks, iterable (stream) datasets, and bad arguments.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { test } from 'node:test';
import * as fg from '../lib/index.js';
import { collateWith, defaultCollate, pack, unpack } from '../lib/data/collate.js';
import { SharedBatchMemory, sharedBatchLimit } from '../lib/data/shared.js';
import { assertSameBits } from './support/harness.js';

const FIXTURE = path.join(__dirname, 'support', 'dataloader-datasets.ts');
type XY = [fg.Tensor, Int32Array];

function hashBatch(b: unknown): string {
  const h = createHash('sha256');
  const walk = (v: unknown): void => {
    if (v instanceof fg.Tensor) {
      h.update(`T${v.shape.join('x')}`);
      h.update(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
    } else if (ArrayBuffer.isView(v)) {
      h.update(v.constructor.name);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (Array.isArray(v)) {
      h.update('[');
      v.forEach(walk);
      h.update(']');
    } else h.update(JSON.stringify(v));
  };
  walk(b);
  return h.digest('hex');
}

async function collectHashes(loader: AsyncIterable<unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of loader) out.push(hashBatch(b));
  return out;
}

function onBothBackends(f: () => void): void {
  const before = fg.getBackend();
  try {
    for (const b of ['js', 'native'] as const) {
      if (b === 'native' && !fg.backendInfo().nativeAvailable) continue;
      fg.setBackend(b);
      f();
    }
  } finally {
    fg.setBackend(before);
  }
}

// ------------------------------------------------------------------------------------------ samplers
test('RandomSampler: a fixed expected order from a seeded Philox generator, on both backends, a new order each epoch', () => {
  onBothBackends(() => {
    const s = new fg.data.RandomSampler(10, { generator: new fg.Generator(0) });
    assert.equal(s.length, 10);
    assert.deepEqual([...s], [0, 2, 6, 3, 5, 7, 9, 4, 8, 1]);
    assert.deepEqual([...s], [3, 8, 2, 4, 9, 0, 1, 7, 6, 5]);
    assert.deepEqual([...new fg.data.RandomSampler(4, { generator: new fg.Generator(1), replacement: true, numSamples: 10 })], [0, 0, 0, 3, 3, 2, 3, 3, 0, 1]);
    // numSamples > n without replacement: whole permutations, then the head of one more
    const g = new fg.Generator(2), want = [...g.permutation(3), ...g.permutation(3), g.permutation(3)[0]];
    assert.deepEqual([...new fg.data.RandomSampler(3, { generator: new fg.Generator(2), numSamples: 7 })], want);
  });
});

test('RandomSampler draws its order when iteration starts, from the generator it was given', () => {
  const g = new fg.Generator(9);
  const s = new fg.data.RandomSampler(6, { generator: g });
  const it = s[Symbol.iterator]();
  g.uint32(8); // drawing after the iterator started does not change its order
  const got = [];
  for (let r = it.next(); !r.done; r = it.next()) got.push(r.value);
  assert.deepEqual(got, [...new fg.Generator(9).permutation(6)]);
});

test('SequentialSampler and BatchSampler (dropLast), and their errors', () => {
  assert.deepEqual([...new fg.data.SequentialSampler(4)], [0, 1, 2, 3]);
  const seq = new fg.data.SequentialSampler({ length: 5, get: () => 0 });
  assert.deepEqual([...new fg.data.BatchSampler(seq, 2)], [[0, 1], [2, 3], [4]]);
  assert.equal(new fg.data.BatchSampler(seq, 2).length, 3);
  assert.deepEqual([...new fg.data.BatchSampler(seq, 2, true)], [[0, 1], [2, 3]]);
  assert.equal(new fg.data.BatchSampler(seq, 2, true).length, 2);
  assert.deepEqual([...new fg.data.BatchSampler(new fg.data.SequentialSampler(0), 3)], []);
  assert.throws(() => new fg.data.BatchSampler(seq, 0), /Expected an integer >= 1 for batchSize but received number 0/);
  assert.throws(() => new fg.data.BatchSampler({ length: 2 } as never, 2), /Expected a sampler \(an iterable of indices with a length\) for sampler but received an object/);
  assert.throws(() => new fg.data.RandomSampler(3, { numSamples: 0 }), RangeError);
  assert.throws(() => new fg.data.RandomSampler(3, { seed: 1 } as never), /Unknown option 'seed'/);
  assert.throws(() => [...new fg.data.RandomSampler(0, { numSamples: 2 })], /non-empty dataset/);
});

// ------------------------------------------------------------------------------------------ datasets
test('TensorDataset: samples are rows (labels as numbers), getItems gathers a collated batch', () => {
  const x = fg.Tensor.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [4, 3]);
  const labels = Uint8Array.of(3, 1, 4, 1);
  const ds = new fg.data.TensorDataset(x, labels);
  assert.equal(ds.length, 4);
  const [xi, yi] = ds.get(2) as [fg.Tensor, number];
  assert.deepEqual(xi.shape, [3]);
  assert.deepEqual(Array.from(xi.data), [6, 7, 8]);
  assert.equal(yi, 4);
  const [xb, yb] = ds.getItems([3, 0]) as XY;
  assert.deepEqual(xb.shape, [2, 3]);
  assert.deepEqual(Array.from(xb.data), [9, 10, 11, 0, 1, 2]);
  assert.ok(yb instanceof Int32Array);
  assert.deepEqual(Array.from(yb), [1, 3]);
  // the batch path and the per-sample path (defaultCollate) agree
  assert.equal(hashBatch(fg.data.defaultCollate([ds.get(3), ds.get(0)])), hashBatch([xb, yb]));
  assert.throws(() => ds.get(4), /Expected an integer index in \[0, 3\] for index but received number 4/);
  assert.throws(() => new fg.data.TensorDataset(x, Uint8Array.of(1, 2)), /Expected 4 rows \(as tensors\[0\]\) for tensors\[1\]/);
  assert.throws(() => new fg.data.TensorDataset(x, [1, 2, 3, 4] as never), TypeError);
  assert.throws(() => new fg.data.TensorDataset(), TypeError);
});

test('Subset and randomSplit (lengths or fractions; seeded; disjoint and complete)', () => {
  const x = fg.Tensor.from(Array.from({ length: 10 }, (_, i) => i), [10, 1]);
  const ds = new fg.data.TensorDataset(x);
  const sub = new fg.data.Subset(ds, [7, 2]);
  assert.equal(sub.length, 2);
  assert.deepEqual(Array.from((sub.get(0) as fg.Tensor[])[0].data), [7]);
  assert.deepEqual(Array.from((sub.getItems!([1, 0]) as fg.Tensor[])[0].data), [2, 7]);
  assert.throws(() => new fg.data.Subset(ds, [10]), RangeError);

  const [a, b] = fg.data.randomSplit(ds, [7, 3], { generator: new fg.Generator(4) });
  const perm = new fg.Generator(4).permutation(10);
  assert.deepEqual(Array.from(a.indices), Array.from(perm.subarray(0, 7)));
  assert.deepEqual(Array.from(b.indices), Array.from(perm.subarray(7)));
  const parts = fg.data.randomSplit(ds, [0.5, 0.25, 0.25], { generator: new fg.Generator(4) });
  assert.deepEqual(parts.map((p) => p.length), [6, 2, 2]); // floor: 5, 2, 2; the remainder goes to the first subsets (torch)
  assert.deepEqual(parts.flatMap((p) => Array.from(p.indices)).sort((p, q) => p - q), Array.from({ length: 10 }, (_, i) => i));
  assert.throws(() => fg.data.randomSplit(ds, [5, 4]), /Expected lengths summing to the dataset's length 10/);
  assert.throws(() => fg.data.randomSplit(ds, [5, 5], { seed: 1 } as never), /Unknown option 'seed'/);
});

test('defaultCollate: tensors stack, float arrays become tensors, numbers and integer arrays become Int32Arrays, tuples and objects recurse', () => {
  const s = (i: number) => ({ img: fg.Tensor.from([i, i + 1], [1, 2]), feat: Float64Array.of(i / 3), label: i, tags: Uint8Array.of(i, 1), name: `s${i}` });
  const b = fg.data.defaultCollate([s(1), s(2)]) as Record<string, unknown>;
  assert.deepEqual((b.img as fg.Tensor).shape, [2, 1, 2]);
  assert.deepEqual(Array.from((b.img as fg.Tensor).data), [1, 2, 2, 3]);
  assert.deepEqual((b.feat as fg.Tensor).shape, [2, 1]);
  assert.deepEqual(Array.from((b.feat as fg.Tensor).data), [Math.fround(1 / 3), Math.fround(2 / 3)]);
  assert.ok(b.label instanceof Int32Array);
  assert.deepEqual(Array.from(b.label as Int32Array), [1, 2]);
  assert.deepEqual(Array.from(b.tags as Int32Array), [1, 1, 2, 1]);
  assert.deepEqual(b.name, ['s1', 's2']);
  const [x, y] = fg.data.defaultCollate([[Float32Array.of(1, 2), 0], [Float32Array.of(3, 4), 9]]) as XY;
  assert.deepEqual(x.shape, [2, 2]);
  assert.deepEqual(Array.from(y), [0, 9]);
  const ints = fg.data.defaultCollate([new fg.Tensor<'int32'>(Int32Array.of(1, 2), [2]), new fg.Tensor<'int32'>(Int32Array.of(3, 4), [2])]) as fg.Tensor;
  assert.equal(ints.dtype, 'int32');
  assert.deepEqual(ints.shape, [2, 2]);
  assert.deepEqual(Array.from(ints.data), [1, 2, 3, 4]);
  assert.throws(() => fg.data.defaultCollate([ints, fg.Tensor.zeros([2, 2])]), /Expected every sample's value to match sample 0's/);
  const intCol = new fg.data.TensorDataset(new fg.Tensor<'int32'>(Int32Array.of(5, 6, 7), [3, 1])).getItems([2, 0]) as fg.Tensor[];
  assert.equal(intCol[0].dtype, 'int32');
  assert.deepEqual(Array.from(intCol[0].data), [7, 5]);
  assert.throws(() => fg.data.defaultCollate([0.5]), /Expected an int32 class label \(a number\) for sample 0's value but received number 0.5/);
  assert.throws(() => fg.data.defaultCollate([fg.Tensor.zeros([2]), fg.Tensor.zeros([3])]), /sample 1's has shape \[3\]/);
  assert.throws(() => fg.data.defaultCollate([[1, 2], [1]]), RangeError);
  assert.throws(() => fg.data.defaultCollate([new Map()]), TypeError);
  assert.throws(() => fg.data.defaultCollate([]), TypeError);
});

// ------------------------------------------------------------------------------- DataLoader, 0 workers
test('DataLoader (numWorkers 0): sync and async iteration give the same batches; seed then order from the generator', async () => {
  const n = 11;
  const x = fg.Tensor.from(Array.from({ length: n * 2 }, (_, i) => i), [n, 2]);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const ds = new fg.data.TensorDataset(x, labels);
  const opts = () => ({ batchSize: 4, shuffle: true, generator: new fg.Generator(3) });
  const sync = [...new fg.data.DataLoader<XY>(ds, opts())];
  assert.equal(sync.length, 3);
  const g = new fg.Generator(3);
  g.uint32(2); // the epoch seed comes first
  const order = Array.from(g.permutation(n));
  sync.forEach(([xb, yb], k) => {
    const idx = order.slice(4 * k, 4 * k + 4);
    assert.deepEqual(Array.from(xb.data), idx.flatMap((i) => [2 * i, 2 * i + 1]));
    assert.deepEqual(Array.from(yb), idx.map((i) => i % 3));
  });
  const asyncHashes = await collectHashes(new fg.data.DataLoader(ds, opts()));
  assert.deepEqual(asyncHashes, sync.map(hashBatch));
  // a dataset without getItems goes through get + defaultCollate: the same batches
  const plain = { length: n, get: (i: number) => ds.get(i) };
  assert.deepEqual([...new fg.data.DataLoader(plain, opts())].map(hashBatch), sync.map(hashBatch));
  // dropLast, no shuffle, length
  const dl = new fg.data.DataLoader<XY>(ds, { batchSize: 4, dropLast: true });
  assert.equal(dl.length, 2);
  assert.deepEqual([...dl].map(([, y]) => Array.from(y)), [[0, 1, 2, 0], [1, 2, 0, 1]]);
  // batchSize 1 default
  assert.equal(new fg.data.DataLoader(ds).length, n);
});

test('DataLoader: iterate({ skip }) gives the tail of the same epoch; a custom collate and batchSampler', async () => {
  const ds = new fg.data.TensorDataset(fg.Tensor.from(Array.from({ length: 20 }, (_, i) => i), [20, 1]));
  const mk = () => new fg.data.DataLoader(ds, { batchSize: 3, shuffle: true, generator: new fg.Generator(11) });
  const all = await collectHashes(mk());
  const tail: string[] = [];
  for await (const b of mk().iterate({ skip: 4 })) tail.push(hashBatch(b));
  assert.deepEqual(tail, all.slice(4));

  const sums = [...new fg.data.DataLoader(ds, { batchSize: 5, collate: (s) => s.length })];
  assert.deepEqual(sums, [5, 5, 5, 5]);
  const bs = { length: 2, *[Symbol.iterator]() { yield [0, 19]; yield [5]; } };
  const got = [...new fg.data.DataLoader<fg.Tensor[]>(ds, { batchSampler: bs })].map((b) => Array.from(b[0].data));
  assert.deepEqual(got, [[0, 19], [5]]);
});

test('DataLoader: a pluggable sampler (iterable of indices with length and setEpoch)', () => {
  const seen: number[] = [];
  const sampler = {
    epoch: 0,
    get length() {
      return 3;
    },
    setEpoch(e: number) {
      this.epoch = e;
      seen.push(e);
    },
    *[Symbol.iterator]() {
      yield* [2, 0, 1].map((i) => (i + this.epoch) % 3);
    },
  };
  const ds = new fg.data.TensorDataset(fg.Tensor.from([10, 11, 12], [3, 1]));
  const loader = new fg.data.DataLoader<fg.Tensor[]>(ds, { sampler, batchSize: 2 });
  assert.equal(loader.length, 2);
  assert.deepEqual([...loader].map((b) => Array.from(b[0].data)), [[12, 10], [11]]);
  loader.setEpoch(1);
  assert.deepEqual(seen, [1]);
  assert.deepEqual([...loader].map((b) => Array.from(b[0].data)), [[10, 11], [12]]);
  assert.equal(loader.sampler, sampler);
});

test('DataLoader: an iterable (stream) dataset, sync and async, with dropLast', async () => {
  async function* stream() {
    for (let i = 0; i < 7; i++) yield [Float32Array.of(i, -i), i % 2];
  }
  const got: [number[], number[]][] = [];
  for await (const [x, y] of new fg.data.DataLoader<XY>(stream(), { batchSize: 3 })) got.push([Array.from(x.data), Array.from(y)]);
  assert.deepEqual(got.map((g) => g[1]), [[0, 1, 0], [1, 0, 1], [0]]);
  assert.deepEqual(got[2][0], [6, -6]);
  const arr = Array.from({ length: 7 }, (_, i) => [Float32Array.of(i), i]);
  assert.equal([...new fg.data.DataLoader(arr, { batchSize: 3, dropLast: true })].length, 2);
  class Stream extends fg.data.IterableDataset<number> {
    *[Symbol.iterator]() {
      yield* [1, 2, 3];
    }
  }
  assert.deepEqual([...new fg.data.DataLoader<Int32Array>(new Stream(), { batchSize: 2 })].map((b) => Array.from(b)), [[1, 2], [3]]);
  assert.throws(() => new fg.data.DataLoader(stream(), { shuffle: true }), /no shuffle, sampler or batchSampler with an iterable dataset/);
  assert.throws(() => new fg.data.DataLoader(new Stream()).length, /no length/);
});

test('DataLoader: bad options are TypeErrors / RangeErrors naming the option', () => {
  const ds = new fg.data.TensorDataset(fg.Tensor.zeros([4, 1]));
  assert.throws(() => new fg.data.DataLoader(ds, { batchSize: 0 }), /Expected an integer >= 1 for batchSize but received number 0/);
  assert.throws(() => new fg.data.DataLoader(ds, { numWorkers: -1 }), /for numWorkers but received number -1/);
  assert.throws(() => new fg.data.DataLoader(ds, { prefetchFactor: 0 }), /prefetchFactor/);
  assert.throws(() => new fg.data.DataLoader(ds, { shufle: true } as never), /Unknown option 'shufle'/);
  assert.throws(() => new fg.data.DataLoader(ds, { shuffle: 1 } as never), /Expected a boolean for shuffle but received number 1/);
  assert.throws(() => new fg.data.DataLoader(ds, { sampler: new fg.data.SequentialSampler(4), shuffle: true }), /either sampler or shuffle/);
  assert.throws(() => new fg.data.DataLoader(ds, { numWorkers: 2 }), /a dataset named by a module/);
  assert.throws(() => new fg.data.DataLoader(42 as never), /Expected a map-style dataset/);
  assert.throws(() => new fg.data.DataLoader(ds, { collate: 3 } as never), /for collate/);
  assert.throws(() => [...new fg.data.DataLoader({ module: FIXTURE, args: { n: 4 } }, { numWorkers: 1 })], /numWorkers 0 for synchronous iteration/);
  assert.throws(() => [...new fg.data.DataLoader({ length: 2, get: async () => 1 })], /returned a Promise; iterate with for await/);
});

test('sampleContext: each position has its own stream, the same wherever it is built', () => {
  const a = fg.data.sampleContext([1, 2], 5).generator.uniform(new Float32Array(6));
  const b = fg.data.sampleContext([1, 2], 5).generator.uniform(new Float32Array(6));
  const c = fg.data.sampleContext([1, 2], 6).generator.uniform(new Float32Array(6));
  assertSameBits(b, a, { kernel: 'sampleContext' });
  assert.notDeepEqual(Array.from(c), Array.from(a));
});

// ---------------------------------------------------------------------------------------- workers
test('workers: the same batches bit for bit with 0, 1 and 4 workers (random augmentation included), for two epochs', async () => {
  const spec = { module: FIXTURE, args: { n: 37, dim: 7, augment: true } };
  const run = async (numWorkers: number) => {
    const loader = new fg.data.DataLoader(spec, { batchSize: 5, shuffle: true, generator: new fg.Generator(21), numWorkers, persistentWorkers: true });
    const epochs = [await collectHashes(loader), await collectHashes(loader)];
    await loader.close();
    return epochs;
  };
  const ref = await run(0);
  assert.equal(ref[0].length, 8);
  assert.notDeepEqual(ref[0], ref[1]);
  assert.deepEqual(await run(1), ref, '1 worker');
  assert.deepEqual(await run(4), ref, '4 workers');
  // skipping the head of an epoch in workers: the same tail, the skipped batches never requested
  const skipper = new fg.data.DataLoader(spec, { batchSize: 5, shuffle: true, generator: new fg.Generator(21), numWorkers: 2 });
  const tail: string[] = [];
  for await (const b of skipper.iterate({ skip: 5 })) tail.push(hashBatch(b));
  assert.deepEqual(tail, ref[0].slice(5));
  // a module given as a file: URL, and a custom collate (run on this thread over the transferred samples)
  const sizes: number[] = [];
  const loader = new fg.data.DataLoader(
    { module: new URL(`file://${FIXTURE}`), args: { n: 9 } },
    { batchSize: 4, numWorkers: 2, collate: (s) => s.map((v) => (v as [Float32Array, number])[1]) },
  );
  for await (const b of loader) sizes.push(...(b as number[]));
  assert.deepEqual(sizes, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('workers: a throwing get() rejects the iteration naming the worker and the index', async () => {
  const loader = new fg.data.DataLoader({ module: FIXTURE, args: { n: 40, throwAt: 13 } }, { batchSize: 4, numWorkers: 2 });
  let batches = 0;
  await assert.rejects(
    async () => {
      for await (const _ of loader) batches++;
    },
    (e: Error) => /^DataLoader worker 1: dataset\.get\(13\) threw RangeError: fixture: sample 13 is unreadable$/.test(e.message) && (e as unknown as { index: number }).index === 13,
  );
  assert.equal(batches, 3); // batches 0..2 arrive in order before batch 3 (worker 3 mod 2 = 1) fails
  // the same dataset on this thread: the original error
  await assert.rejects(async () => {
    for await (const _ of new fg.data.DataLoader({ module: FIXTURE, args: { n: 40, throwAt: 13 } }, { batchSize: 4 }));
  }, /^RangeError: fixture: sample 13 is unreadable$/);
});

test('workers: a crashed worker (exit, uncaught error, failing module) is an error, not a hang', async () => {
  const drain = async (args: object, numWorkers = 2) => {
    for await (const _ of new fg.data.DataLoader({ module: FIXTURE, args }, { batchSize: 4, numWorkers }));
  };
  await assert.rejects(drain({ n: 40, exitAt: 9 }), /^Error: DataLoader worker 0 exited unexpectedly \(exit code 7\)$/);
  await assert.rejects(drain({ n: 40, uncaughtAt: 1 }, 1), /DataLoader worker 0 crashed: fixture: uncaught in the worker/);
  await assert.rejects(
    async () => {
      for await (const _ of new fg.data.DataLoader({ module: path.join(__dirname, 'support', 'no-such-dataset.ts') }, { numWorkers: 1 }));
    },
    /Cannot find module/,
  );
});

test('workers: breaking out of the loop stops the workers', async () => {
  const heartbeat = new Int32Array(new SharedArrayBuffer(4));
  const loader = new fg.data.DataLoader({ module: FIXTURE, args: { n: 400, heartbeat } }, { batchSize: 4, numWorkers: 2 });
  let k = 0;
  for await (const _ of loader) if (++k === 3) break;
  assert.equal(k, 3);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(50);
  const a = Atomics.load(heartbeat, 0);
  assert.ok(a > 0, 'the workers ran');
  await sleep(150);
  assert.equal(Atomics.load(heartbeat, 0), a, 'no worker is still running');
});

// ------------------------------------------------------------------- iterable datasets in workers
const STREAM = path.join(__dirname, 'support', 'dataloader-stream.ts');

async function labelsOf(loader: AsyncIterable<unknown>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader) out.push(Array.from((b as XY)[1]));
  return out;
}

test('workers: an iterable dataset sharded with getWorkerInfo(), each worker batching its own stream, round-robin (torch order)', async () => {
  const stream = (args: object, opts: fg.data.DataLoaderOptions) => new fg.data.DataLoader({ module: STREAM, args }, opts);
  // 2 workers: worker 0 reads 0 2 4 6 8, worker 1 reads 1 3 5 7 9
  assert.deepEqual(await labelsOf(stream({ n: 10, shard: true }, { batchSize: 3, numWorkers: 2 })), [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]);
  // 3 workers with uneven streams: an exhausted worker leaves the rotation
  assert.deepEqual(await labelsOf(stream({ n: 10, shard: true }, { batchSize: 3, numWorkers: 3 })), [[0, 3, 6], [1, 4, 7], [2, 5, 8], [9]]);
  // an async stream; dropLast drops each worker's short last batch
  assert.deepEqual(await labelsOf(stream({ n: 10, shard: true, async: true }, { batchSize: 2, numWorkers: 3, dropLast: true })), [[0, 3], [1, 4], [2, 5], [6, 9]]);
  // without sharding every worker reads the whole stream (as torch warns): duplicates
  assert.deepEqual(await labelsOf(stream({ n: 4 }, { batchSize: 4, numWorkers: 2 })), [[0, 1, 2, 3], [0, 1, 2, 3]]);
  // the samples arrive whole (transferred tensors), and numWorkers 0 reads the module's stream on this thread
  const first: XY[] = [];
  for await (const b of stream({ n: 10, shard: true }, { batchSize: 2, numWorkers: 2 })) first.push(b as XY);
  assert.deepEqual(first[1][0].shape, [2, 2]);
  assert.deepEqual(Array.from(first[1][0].data), [1, -1, 3, -3]);
  assert.deepEqual(await labelsOf(stream({ n: 5, shard: true }, { batchSize: 2 })), [[0, 1], [2, 3], [4]]);
  assert.equal(fg.data.getWorkerInfo(), null);
  // persistent workers: each epoch is a new pass over every worker's stream
  const persistent = stream({ n: 6, shard: true }, { batchSize: 2, numWorkers: 2, persistentWorkers: true });
  const e0 = await labelsOf(persistent), e1 = await labelsOf(persistent);
  await persistent.close();
  assert.deepEqual(e0, [[0, 2], [1, 3], [4], [5]]);
  assert.deepEqual(e1, e0);
  // a stream has no indices
  await assert.rejects(labelsOf(stream({ n: 4 }, { batchSize: 2, numWorkers: 1, shuffle: true })), /no shuffle, sampler or batchSampler with an iterable dataset/);
  assert.throws(() => stream({ n: 4 }, { numWorkers: 1 }).length, /An iterable dataset has no length/);
  assert.throws(() => new fg.data.DataLoader([[1], [2]], { numWorkers: 1 }), /a dataset named by a module.*but received an iterable object/);
});

test("workers: getWorkerInfo().seed is the epoch's base seed plus the worker id, new each epoch, repeated by the loader's generator (torch's seed)", async () => {
  const seedsOf = async (loader: fg.data.DataLoader<unknown>) => {
    const out: { worker: number; built: number; pass: number }[] = [];
    for await (const b of loader) {
      const x = (b as XY)[0].data, whole = (k: number) => x[k] + x[k + 1] * 2 ** 16 + x[k + 2] * 2 ** 32 + x[k + 3] * 2 ** 48;
      out.push({ worker: x[0] % 2, built: whole(2), pass: whole(6) });
    }
    return out;
  };
  const loader = (seed: number, persistentWorkers = false) =>
    new fg.data.DataLoader({ module: STREAM, args: { n: 4, shard: true, seeds: true } }, { batchSize: 1, numWorkers: 2, generator: new fg.Generator(seed), persistentWorkers });
  const a = loader(7), a0 = await seedsOf(a), a1 = await seedsOf(a);
  const b = loader(7), b0 = await seedsOf(b), b1 = await seedsOf(b);
  assert.deepEqual(b0, a0); // the same generator, the same seeds
  assert.deepEqual(b1, a1);
  for (const epoch of [a0, a1]) {
    const w0 = epoch.find((s) => s.worker === 0)!, w1 = epoch.find((s) => s.worker === 1)!;
    assert.equal(w1.pass, w0.pass + 1); // base + id
    assert.equal(w0.built, w0.pass); // the dataset was built in this epoch's workers
    assert.ok(Number.isSafeInteger(w0.pass) && w0.pass >= 0, String(w0.pass));
  }
  assert.notEqual(a1[0].pass, a0[0].pass); // a new base seed each epoch
  assert.notEqual((await seedsOf(loader(8)))[0].pass, a0[0].pass);
  // persistent workers: the dataset is built once, each pass sees its epoch's seed
  const p = loader(7, true), p0 = await seedsOf(p), p1 = await seedsOf(p);
  await p.close();
  assert.deepEqual(p0, a0);
  assert.deepEqual(p1.map((s) => s.pass), a1.map((s) => s.pass));
  assert.deepEqual(p1.map((s) => s.built), a0.map((s) => s.built));
});

test('workers: a stream that throws rejects the iteration naming the worker and the sample of its stream', async () => {
  const loader = new fg.data.DataLoader({ module: STREAM, args: { n: 10, shard: true, throwAt: 3 } }, { batchSize: 1, numWorkers: 2 });
  const seen: number[][] = [];
  await assert.rejects(
    async () => {
      for await (const b of loader) seen.push(Array.from((b as XY)[1]));
    },
    (e: Error) =>
      /^DataLoader worker 1: the dataset's iterator \(sample 1 of this worker's stream\) threw RangeError: fixture: stream sample 3 is unreadable$/.test(e.message) &&
      (e as unknown as { workerId: number }).workerId === 1,
  );
  assert.deepEqual(seen, [[0], [1], [2]]);
});

// ------------------------------------------------------------------------------ batchSize null
test('DataLoader batchSize null (unbatched): one sample per item, in the sampler order, the same with workers', async () => {
  const n = 7;
  const ds = new fg.data.TensorDataset(fg.Tensor.from(Array.from({ length: 2 * n }, (_, i) => i), [n, 2]), Int32Array.from({ length: n }, (_, i) => 10 + i));
  const loader = new fg.data.DataLoader<[fg.Tensor, number]>(ds, { batchSize: null, shuffle: true, generator: new fg.Generator(5) });
  assert.equal(loader.batchSize, null);
  assert.equal(loader.length, n);
  const items = [...loader];
  const g = new fg.Generator(5);
  g.uint32(2);
  const order = Array.from(g.permutation(n));
  assert.deepEqual(items.map(([, y]) => y), order.map((i) => 10 + i)); // a number, not an Int32Array [1]
  assert.deepEqual(items[0][0].shape, [2]);
  assert.deepEqual(Array.from(items[0][0].data), [2 * order[0], 2 * order[0] + 1]);
  // collate sees one sample
  assert.deepEqual([...new fg.data.DataLoader(ds, { batchSize: null, collate: (s) => (s as unknown as [fg.Tensor, number])[1] })], [10, 11, 12, 13, 14, 15, 16]);
  // workers: the same items, bit for bit (random augmentation included)
  const spec = { module: FIXTURE, args: { n: 9, augment: true } };
  const mk = (numWorkers: number) => new fg.data.DataLoader(spec, { batchSize: null, shuffle: true, generator: new fg.Generator(8), numWorkers });
  const ref = await collectHashes(mk(0));
  assert.equal(ref.length, 9);
  assert.deepEqual(await collectHashes(mk(3)), ref);
  // a stream, unbatched, on this thread and in workers
  assert.deepEqual([...new fg.data.DataLoader([5, 6, 7], { batchSize: null })], [5, 6, 7]);
  const streamed: number[] = [];
  for await (const s of new fg.data.DataLoader({ module: STREAM, args: { n: 5, shard: true } }, { batchSize: null, numWorkers: 2 })) streamed.push((s as [Float32Array, number])[1]);
  assert.deepEqual(streamed, [0, 1, 2, 3, 4]);
  assert.throws(() => new fg.data.DataLoader(ds, { batchSize: null, dropLast: true }), /Expected dropLast false with batchSize null/);
});

// -------------------------------------------------------------------------------------- timeout
test('workers: timeout — a get() that hangs (busy or a Promise that never settles) rejects naming the worker and the index, and stops the workers', async () => {
  const heartbeat = new Int32Array(new SharedArrayBuffer(4));
  const loader = new fg.data.DataLoader({ module: FIXTURE, args: { n: 40, hangAt: 13, heartbeat } }, { batchSize: 4, numWorkers: 2, timeout: 1500 });
  assert.equal(loader.timeout, 1500);
  let batches = 0;
  await assert.rejects(
    async () => {
      for await (const _ of loader) batches++;
    },
    (e: Error) =>
      /^DataLoader worker 1 timed out after 1500 ms in dataset\.get\(13\)$/.test(e.message) &&
      (e as unknown as { workerId: number }).workerId === 1 &&
      (e as unknown as { index: number }).index === 13,
  );
  assert.equal(batches, 3);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(30);
  const a = Atomics.load(heartbeat, 0);
  await sleep(150);
  assert.equal(Atomics.load(heartbeat, 0), a, 'no worker is still running');

  await assert.rejects(
    async () => {
      for await (const _ of new fg.data.DataLoader({ module: FIXTURE, args: { n: 12, hangAsyncAt: 6 } }, { batchSize: 4, numWorkers: 1, timeout: 400 }));
    },
    /^Error: DataLoader worker 0 timed out after 400 ms in dataset\.get\(6\)$/,
  );
  await assert.rejects(
    async () => {
      for await (const _ of new fg.data.DataLoader({ module: STREAM, args: { n: 10, shard: true, async: true, hangAt: 3 } }, { batchSize: 1, numWorkers: 2, timeout: 400 }));
    },
    /^Error: DataLoader worker 1 timed out after 400 ms waiting for sample 1 of its stream from the dataset's iterator$/,
  );
  // slow but within the limit: no error
  const slow: number[][] = [];
  for await (const b of new fg.data.DataLoader({ module: FIXTURE, args: { n: 6, spinMs: 5 } }, { batchSize: 3, numWorkers: 2, timeout: 10_000 })) slow.push(Array.from((b as XY)[1]));
  assert.deepEqual(slow, [[0, 1, 2], [3, 4, 5]]);
  // bad values
  const ds = new fg.data.TensorDataset(fg.Tensor.zeros([4, 1]));
  assert.throws(() => new fg.data.DataLoader(ds, { timeout: 100 }), /Expected numWorkers > 0 with a timeout but received numWorkers 0 and timeout 100/);
  assert.throws(() => new fg.data.DataLoader({ module: FIXTURE, args: { n: 4 } }, { numWorkers: 1, timeout: -1 }), RangeError);
  assert.throws(() => new fg.data.DataLoader({ module: FIXTURE, args: { n: 4 } }, { numWorkers: 1, timeout: '5' as never }), TypeError);
});

test('DataLoader.iterateSync({ skip }): the tail of the same epoch, synchronously', () => {
  const ds = new fg.data.TensorDataset(fg.Tensor.from(Array.from({ length: 20 }, (_, i) => i), [20, 1]));
  const mk = () => new fg.data.DataLoader<fg.Tensor[]>(ds, { batchSize: 3, shuffle: true, generator: new fg.Generator(11) });
  const all = [...mk()].map(hashBatch);
  assert.deepEqual([...mk().iterateSync({ skip: 4 })].map(hashBatch), all.slice(4));
  assert.deepEqual([...mk().iterateSync()].map(hashBatch), all);
  assert.throws(() => mk().iterateSync({ skip: -1 }), /skip/);
});

test('workers: initTimeout — a dataset factory that never finishes (in a worker: a Promise or a busy loop; on the main thread) rejects naming where, not a hang', async () => {
  const drain = async (args: object, opts: fg.data.DataLoaderOptions) => {
    for await (const _ of new fg.data.DataLoader({ module: FIXTURE, args }, { batchSize: 4, ...opts }));
  };
  const where = (w: number, ms: number) => new RegExp(`^DataLoader worker ${w} timed out after ${ms} ms building its dataset \\(loading .*dataloader-datasets\\.ts and running its factory\\)$`);
  // worker 0 builds its dataset (a fresh thread compiling the module: seconds on a busy 2-core machine) while worker 1 hangs
  await assert.rejects(drain({ n: 16, hangInit: { worker: 1 } }, { numWorkers: 2, initTimeout: 8000 }), (e: Error) => where(1, 8000).test(e.message) && (e as unknown as { workerId: number }).workerId === 1);
  await assert.rejects(drain({ n: 16, hangInit: { worker: 0, busy: true } }, { numWorkers: 1, initTimeout: 3000 }), (e: Error) => where(0, 3000).test(e.message));
  // with nothing keeping the worker's thread alive, a Promise that never settles ends the thread: an error even without initTimeout
  await assert.rejects(
    drain({ n: 16, hangInit: { worker: 0, idle: true } }, { numWorkers: 1 }),
    /^Error: DataLoader worker 0 exited unexpectedly before building its dataset: the factory's Promise never settled and nothing kept the thread alive \(exit code 0\)$/,
  );
  // the per-batch timeout alone does not count the build (as before), but the two combine
  await assert.rejects(drain({ n: 16, hangInit: { worker: 0 } }, { numWorkers: 1, timeout: 200, initTimeout: 3000 }), (e: Error) => where(0, 3000).test(e.message));
  await assert.rejects(
    drain({ n: 16, hangInit: { main: true } }, { numWorkers: 1, initTimeout: 300 }),
    /^Error: DataLoader timed out after 300 ms building its dataset on the main thread \(loading .*dataloader-datasets\.ts and running its factory\)$/,
  );
  // a factory within the limit: the batches as usual
  const ok: number[][] = [];
  for await (const b of new fg.data.DataLoader({ module: FIXTURE, args: { n: 6 } }, { batchSize: 3, numWorkers: 2, initTimeout: 60_000 })) ok.push(Array.from((b as XY)[1]));
  assert.deepEqual(ok, [[0, 1, 2], [3, 4, 5]]);
  const ds = new fg.data.TensorDataset(fg.Tensor.zeros([4, 1]));
  assert.throws(() => new fg.data.DataLoader(ds, { initTimeout: 100 }), /Expected numWorkers > 0 with an initTimeout but received numWorkers 0 and initTimeout 100/);
  assert.throws(() => new fg.data.DataLoader({ module: FIXTURE, args: { n: 4 } }, { numWorkers: 1, initTimeout: -1 }), /Expected a number of milliseconds >= 0 for initTimeout but received number -1/);
});

test('workers: the thread budget — the training thread runs max(1, cores - numWorkers) kernel threads while the workers run, restored after (an early break too); workers run 1', async () => {
  const before = fg.getNumThreads();
  const envBefore = process.env.FASTGRAD_NUM_THREADS;
  const cores = fg.backendInfo().hardwareThreads;
  try {
    fg.setNumThreads(3);
    process.env.FASTGRAD_NUM_THREADS = '3'; // the workers' environment says 3: they still run 1
    const during = async (opts: fg.data.DataLoaderOptions, stopAt = Infinity, inLoop?: () => void) => {
      const threadsSeen = new Int32Array(new SharedArrayBuffer(4 * (opts.numWorkers ?? 1)));
      const seen: number[] = [];
      for await (const _ of new fg.data.DataLoader({ module: FIXTURE, args: { n: 12, threadsSeen } }, { batchSize: 4, ...opts })) {
        seen.push(fg.getNumThreads());
        inLoop?.();
        if (seen.length === stopAt) break;
      }
      return { seen, workers: Array.from(threadsSeen) };
    };
    const capped = (w: number) => Math.min(3, Math.max(1, cores - w));
    let r = await during({ numWorkers: 1 });
    assert.deepEqual(r.seen, [capped(1), capped(1), capped(1)]);
    assert.deepEqual(r.workers, [1]);
    assert.equal(fg.getNumThreads(), 3);
    r = await during({ numWorkers: 2 });
    assert.deepEqual(r.seen, [capped(2), capped(2), capped(2)]);
    assert.deepEqual(r.workers, [1, 1]); // both built their dataset: worker 1 made batch 1
    r = await during({ numWorkers: 2 }, 1);
    assert.deepEqual(r.seen, [capped(2)]);
    assert.equal(fg.getNumThreads(), 3, 'restored after a break');
    r = await during({ numWorkers: 1, mainThreads: 2 });
    assert.deepEqual(r.seen, [2, 2, 2]);
    r = await during({ numWorkers: 1, mainThreads: 8 });
    assert.deepEqual(r.seen, [3, 3, 3], 'a cap never raises the count');
    r = await during({ numWorkers: 1, mainThreads: null });
    assert.deepEqual(r.seen, [3, 3, 3]);
    // setNumThreads inside the loop: capped while the workers run, in full after
    r = await during({ numWorkers: 1, mainThreads: 1 }, Infinity, () => fg.setNumThreads(4));
    assert.deepEqual(r.seen, [1, 1, 1]);
    assert.equal(fg.getNumThreads(), 4);
    // numWorkers 0: nothing changes
    const sync: number[] = [];
    for (const _ of new fg.data.DataLoader(new fg.data.TensorDataset(fg.Tensor.zeros([8, 1])), { batchSize: 4 })) sync.push(fg.getNumThreads());
    assert.deepEqual(sync, [4, 4]);
    assert.throws(() => new fg.data.DataLoader(new fg.data.TensorDataset(fg.Tensor.zeros([4, 1])), { mainThreads: 1 }), /Expected numWorkers > 0 with mainThreads but received numWorkers 0 and mainThreads 1/);
    assert.throws(() => new fg.data.DataLoader({ module: FIXTURE, args: { n: 4 } }, { numWorkers: 1, mainThreads: 0 }), /Expected an integer in \[1, 1024\] for mainThreads but received number 0/);
  } finally {
    if (envBefore === undefined) delete process.env.FASTGRAD_NUM_THREADS;
    else process.env.FASTGRAD_NUM_THREADS = envBefore;
    fg.setNumThreads(before);
  }
});

test('workers: batches come in fresh shared memory, stay intact while the caller keeps them, and fall back to transferred arrays past the limit; the same bits either way', async () => {
  const spec = { module: FIXTURE, args: { n: 64, dim: 300, augment: true } };
  const opts = { batchSize: 8, shuffle: true, generator: new fg.Generator(5), persistentWorkers: true };
  const ref = new fg.data.DataLoader<XY>(spec, opts);
  const refHashes = [await collectHashes(ref), await collectHashes(ref), await collectHashes(ref)];
  const kinds = (b: XY) => [b[0].data.buffer.constructor.name, b[1].buffer.constructor.name].join('/');
  const keepAll = async (limit: number) => {
    const before = sharedBatchLimit();
    sharedBatchLimit(limit);
    try {
      const loader = new fg.data.DataLoader<XY>(spec, { ...opts, generator: new fg.Generator(5), numWorkers: 2 });
      const kept: XY[][] = [];
      for (let e = 0; e < 3; e++) {
        const epoch: XY[] = [];
        for await (const b of loader) {
          epoch.push(b);
          new Float32Array(1 << 16).fill(e); // garbage: collections while batches are held
        }
        kept.push(epoch);
      }
      await loader.close();
      return kept;
    } finally {
      sharedBatchLimit(before);
    }
  };
  // default limit: every batch (x and labels) in its own shared memory, intact after later epochs
  const shared = await keepAll(sharedBatchLimit());
  assert.deepEqual(shared.map((e) => e.map(hashBatch)), refHashes);
  for (const b of shared.flat()) assert.equal(kinds(b), 'SharedArrayBuffer/SharedArrayBuffer');
  assert.equal(new Set(shared.flat().map((b) => b[0].data.buffer)).size, 24, 'no two batches share memory');
  // limit 0: transferred ordinary arrays
  const transferred = await keepAll(0);
  assert.deepEqual(transferred.map((e) => e.map(hashBatch)), refHashes);
  for (const b of transferred.flat()) assert.equal(kinds(b), 'ArrayBuffer/ArrayBuffer');
  // a limit of a few batches: shared until a thread's account is full, then transferred; same bits
  const batchBytes = 8 * 300 * 4 + 8 * 4;
  const mixed = await keepAll(3 * batchBytes);
  assert.deepEqual(mixed.map((e) => e.map(hashBatch)), refHashes);
  const mixedKinds = new Set(mixed.flat().map((b) => b[0].data.buffer.constructor.name));
  assert.deepEqual([...mixedKinds].sort(), ['ArrayBuffer', 'SharedArrayBuffer']);
  // a kept batch from shared memory trains like any tensor (native kernels read it)
  const lin = new fg.nn.Linear(300, 4, { generator: new fg.Generator(1) });
  const [x] = shared[0][0];
  assertSameBits(lin.forward(x).data, lin.forward(new fg.Tensor(Float32Array.from(x.data), x.shape)).data, { kernel: 'Linear on a shared-memory batch' });
});

test('pack: fresh shared memory is shared once, a dataset\'s own shared memory and views are copied, owned arrays are transferred', () => {
  const fresh = new Set<ArrayBufferLike>();
  const isFresh = (b: ArrayBufferLike) => fresh.delete(b);
  const mine = new Float32Array(new SharedArrayBuffer(16));
  fresh.add(mine.buffer);
  const datasets = new Float32Array(new SharedArrayBuffer(16)); // the dataset's memory, not made for this batch
  const view = new Int32Array(8).subarray(2, 4);
  const owned = new Int32Array(3);
  const { message, transfer } = pack([new fg.Tensor(mine, [2, 2]), datasets, view, owned], isFresh);
  const [t, d, v, o] = message as [{ data: Float32Array }, Float32Array, Int32Array, Int32Array];
  assert.equal(t.data, mine, 'fresh shared memory is sent as it is');
  assert.notEqual(d, datasets);
  assert.ok(!(d.buffer instanceof SharedArrayBuffer), "the dataset's shared memory is copied");
  assert.notEqual(v, view);
  assert.equal(o, owned);
  assert.deepEqual(new Set(transfer), new Set([d.buffer, v.buffer, o.buffer]));
  // a second pack of the same shared array copies it (it was sent already)
  const again = pack([mine], isFresh).message as [Float32Array];
  assert.notEqual(again[0], mine);
  const seen: ArrayBufferView[] = [];
  const back = unpack(message, (a) => seen.push(a)) as [fg.Tensor, Float32Array, Int32Array, Int32Array];
  assert.deepEqual(back[0].shape, [2, 2]);
  assert.equal(back[0].data, mine);
  assert.deepEqual(seen, [mine]);
});

test('collate into shared batch memory: the same bits as the default collate, for tensors, float and integer arrays (converted as set() converts) and labels', () => {
  const g = new fg.Generator(4);
  const B = 5;
  const samples = Array.from({ length: B }, (_, b) => ({
    t: new fg.Tensor(g.normal(new Float32Array(6), 0, 1), [2, 3]),
    f32: g.normal(new Float32Array(7), 0, 1),
    f64: Float64Array.from(g.normal(new Float32Array(7), 0, 1), (v) => v / 3), // rounded to binary32
    u8: Uint8Array.from([b, 250, 7]),
    i16: Int16Array.from([-b, 300]),
    u32: Uint32Array.from([2 ** 32 - 1 - b]), // wraps to int32, as Int32Array.set does
    label: b % 3,
  }));
  const mem = new SharedBatchMemory(1 << 20);
  const shared = collateWith(samples, mem) as Record<string, fg.Tensor | Int32Array>;
  const plain = defaultCollate(samples) as Record<string, fg.Tensor | Int32Array>;
  for (const k of Object.keys(plain)) {
    const a = shared[k], p = plain[k];
    const ad = a instanceof fg.Tensor ? a.data : a, pd = p instanceof fg.Tensor ? p.data : p;
    assert.ok(ad.buffer instanceof SharedArrayBuffer, `${k} in shared memory`);
    assert.ok(!(pd.buffer instanceof SharedArrayBuffer), `${k} ordinary`);
    assert.equal(ad.constructor, pd.constructor, k);
    if (a instanceof fg.Tensor) assert.deepEqual(a.shape, (p as fg.Tensor).shape, k);
    if (ad instanceof Float32Array) assertSameBits(ad, pd as Float32Array, { kernel: 'collate into shared memory', output: k });
    else assert.deepEqual(Array.from(ad), Array.from(pd), k);
  }
  assert.equal((plain.u32 as Int32Array)[0], -1);
});
