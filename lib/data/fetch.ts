// One batch from a map-style dataset: the same code on the main thread (numWorkers 0) and in every
// worker, so a batch's bits do not depend on where it was made.
import { Generator, RNG_ALGORITHM } from '../random.js';
import { collateWith, defaultCollate, type BatchMemory } from './collate.js';
import type { MapDataset, SampleContext } from './dataset.js';

/**
 * Blocks of the loader's epoch stream reserved for each sample: sample position p's generator starts
 * at counter p × 2^20 (4 Mi words each; positions up to 2^33 per epoch).
 */
export const SAMPLE_BLOCKS = 2 ** 20;

/** What an epoch of the loader shares with every batch: the two key words drawn from the loader's generator. */
export type EpochSeed = readonly [number, number];

class Context implements SampleContext {
  #gen: Generator | null = null;

  constructor(readonly seed: EpochSeed, readonly position: number) {}

  get generator(): Generator {
    this.#gen ??= new Generator(0).setState({ algorithm: RNG_ALGORITHM, key: [this.seed[0], this.seed[1]], counter: this.position * SAMPLE_BLOCKS });
    return this.#gen;
  }
}

/** The sample's generator as a dataset would get it (for tests and for code that draws outside get()). */
export function sampleContext(seed: EpochSeed, position: number): SampleContext {
  return new Context(seed, position);
}

/** An error thrown by the dataset, with the index whose get() (or getItems()) threw. */
export class SampleError extends Error {
  constructor(readonly index: number | readonly number[], readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'SampleError';
  }
}

/**
 * How a batch is put together: the default collate (getItems when the dataset has it), the samples as a
 * list (a collate function runs on the main thread), or 'none': batchSize null (torch's unbatched mode),
 * the one sample itself.
 */
export type CollateMode = 'default' | 'list' | 'none';

/**
 * What a thread is doing, for a timeout's message (worker.ts writes it to shared memory before each
 * step, pool.ts reads it when a batch is late): idle, in get(index), in getItems, in collate, or
 * pulling sample `index` of its stream.
 */
export const Step = { Idle: 0, Get: 1, GetItems: 2, Collate: 3, Stream: 4 } as const;
export type Step = (typeof Step)[keyof typeof Step];

/** Called before each step of making a batch (see Step). */
export type Track = (step: Step, index: number) => void;

function getOne(dataset: MapDataset, index: number, seed: EpochSeed, position: number): unknown {
  try {
    const v = dataset.get(index, new Context(seed, position));
    if (v !== null && typeof (v as PromiseLike<unknown>)?.then === 'function') {
      const p = Promise.resolve(v).catch((e) => {
        throw new SampleError(index, e);
      });
      p.catch(() => {}); // awaited in order by fetchBatch; a later sample's rejection is not unhandled meanwhile
      return p;
    }
    return v;
  } catch (e) {
    throw new SampleError(index, e);
  }
}

/** Samples as a batch: defaultCollate (its arrays from `mem` if given) in mode 'default', the list in 'list', the one sample in 'none'. */
export function finishBatch(samples: unknown[], mode: CollateMode, track?: Track, mem?: BatchMemory): unknown {
  if (mode === 'list') return samples;
  if (mode === 'none') return samples[0];
  track?.(Step.Collate, 0);
  return mem ? collateWith(samples, mem) : defaultCollate(samples);
}

/**
 * The batch of `indices` (their positions in the epoch start at `position`): samples from get(), or
 * the batch from getItems() when mode is 'default' and the dataset has it; then finishBatch. A Promise
 * when some get() returned one and `allowAsync` (the samples are awaited in order, so a hang is
 * reported at the first sample not done); otherwise a TypeError. `track` hears each step; the default
 * collate takes its arrays from `mem` when given.
 */
export function fetchBatch(dataset: MapDataset, indices: ArrayLike<number>, position: number, seed: EpochSeed, mode: CollateMode, allowAsync: boolean, track?: Track, mem?: BatchMemory): unknown {
  if (mode === 'default' && typeof dataset.getItems === 'function') {
    track?.(Step.GetItems, 0);
    try {
      return dataset.getItems(indices);
    } catch (e) {
      throw new SampleError(Array.from(indices), e);
    }
  }
  const samples: unknown[] = new Array(indices.length);
  let pending = false;
  for (let j = 0; j < indices.length; j++) {
    track?.(Step.Get, indices[j]);
    samples[j] = getOne(dataset, indices[j], seed, position + j);
    if (samples[j] instanceof Promise) pending = true;
  }
  if (!pending) return finishBatch(samples, mode, track, mem);
  if (!allowAsync) {
    throw new TypeError('Expected dataset.get() to return a sample for synchronous iteration but it returned a Promise; iterate with for await');
  }
  return (async () => {
    for (let j = 0; j < samples.length; j++) {
      if (!(samples[j] instanceof Promise)) continue;
      track?.(Step.Get, indices[j]);
      samples[j] = await samples[j];
    }
    return finishBatch(samples, mode, track, mem);
  })();
}
