// Samplers (torch.utils.data's): which indices an epoch visits, in which order, and how they group
// into batches.
//
// The pluggable interface (what DataLoader's `sampler` option takes, and what a distributed sampler
// implements) is Sampler: an iterable of dataset indices with a `length` (the number of indices one
// iteration yields) and an optional setEpoch(epoch), which fg.train.fit calls before each epoch so a
// sampler can vary its order per epoch. Each [Symbol.iterator]() call is one epoch; it must draw
// whatever randomness it needs when it is called (not lazily), so the order does not depend on when
// the batches are consumed. A batch sampler (`batchSampler` option) is the same with arrays of indices.
import { Generator, generatorOf } from '../random.js';
import { checkBoolean, checkInteger, checkOptions, typeError } from '../validate.js';
import { datasetLength, isMapDataset, type MapDataset } from './dataset.js';

export interface Sampler extends Iterable<number> {
  /** The number of indices one iteration yields. */
  readonly length: number;
  /** Called by fg.train.fit before each epoch (torch's DistributedSampler.set_epoch). */
  setEpoch?(epoch: number): void;
}

export interface BatchSamplerLike extends Iterable<ArrayLike<number>> {
  /** The number of batches one iteration yields. */
  readonly length: number;
  setEpoch?(epoch: number): void;
}

/** True for an object usable as a Sampler (an iterable with a numeric length). */
export function isSampler(s: unknown): s is Sampler {
  return s !== null && typeof s === 'object' && typeof (s as Sampler)[Symbol.iterator] === 'function' && typeof (s as Sampler).length === 'number';
}

function sizeOf(source: MapDataset | number, name: string): number {
  if (typeof source === 'number') {
    checkInteger(source, name, 0);
    return source;
  }
  if (!isMapDataset(source)) throw typeError('a map-style dataset or a number of samples', name, source);
  return datasetLength(source, name);
}

/** 0, 1, ..., n-1 (n: the dataset's length, read at each iteration). */
export class SequentialSampler implements Sampler {
  readonly #source: MapDataset | number;

  constructor(dataSource: MapDataset | number) {
    sizeOf(dataSource, 'dataSource');
    this.#source = dataSource;
  }

  get length(): number {
    return sizeOf(this.#source, 'dataSource');
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (default false). */
  replacement?: boolean;
  /** How many indices per epoch (default: the dataset's length). */
  numSamples?: number;
  /** The Philox generator the order is drawn from (default: the global one). */
  generator?: Generator;
}

/**
 * torch's RandomSampler on a fastgrad Generator (Philox: the same order on every backend, SIMD level
 * and run for the same generator state). Each iteration draws, when it starts:
 *   without replacement: floor(numSamples / n) permutations generator.permutation(n), then the first
 *     numSamples mod n entries of one more (torch's recipe);
 *   with replacement: numSamples draws of generator.integers().below(n).
 */
export class RandomSampler implements Sampler {
  readonly #source: MapDataset | number;
  readonly replacement: boolean;
  readonly #numSamples: number | undefined;
  readonly generator: Generator;

  constructor(dataSource: MapDataset | number, opts: RandomSamplerOptions = {}) {
    checkOptions(opts, 'RandomSampler options', ['replacement', 'numSamples', 'generator']);
    sizeOf(dataSource, 'dataSource');
    const replacement = opts.replacement ?? false;
    checkBoolean(replacement, 'replacement');
    if (opts.numSamples !== undefined) checkInteger(opts.numSamples, 'numSamples', 1);
    this.#source = dataSource;
    this.replacement = replacement;
    this.#numSamples = opts.numSamples;
    this.generator = generatorOf(opts.generator);
  }

  get length(): number {
    return this.#numSamples ?? sizeOf(this.#source, 'dataSource');
  }

  [Symbol.iterator](): Iterator<number> {
    const n = sizeOf(this.#source, 'dataSource'), m = this.length;
    const order = new Uint32Array(m);
    if (n === 0) {
      if (m > 0) throw new RangeError(`Expected a non-empty dataset for RandomSampler with numSamples ${m} but received length 0`);
    } else if (this.replacement) {
      const ints = this.generator.integers();
      for (let i = 0; i < m; i++) order[i] = ints.below(n);
    } else {
      let at = 0;
      for (let k = 0; k < Math.floor(m / n); k++, at += n) order.set(this.generator.permutation(n), at);
      if (at < m) order.set(this.generator.permutation(n).subarray(0, m - at), at);
    }
    return order[Symbol.iterator]();
  }
}

/** torch's BatchSampler: groups a sampler's indices into arrays of batchSize (the last one shorter unless dropLast). */
export class BatchSampler implements BatchSamplerLike {
  readonly sampler: Sampler;
  readonly batchSize: number;
  readonly dropLast: boolean;

  constructor(sampler: Sampler, batchSize: number, dropLast = false) {
    if (!isSampler(sampler)) throw typeError('a sampler (an iterable of indices with a length)', 'sampler', sampler);
    checkInteger(batchSize, 'batchSize', 1);
    checkBoolean(dropLast, 'dropLast');
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }

  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  setEpoch(epoch: number): void {
    this.sampler.setEpoch?.(epoch);
  }

  [Symbol.iterator](): Iterator<number[]> {
    const it = this.sampler[Symbol.iterator](); // draws now (see the top of this file)
    const bs = this.batchSize, dropLast = this.dropLast;
    let done = false;
    return {
      next(): IteratorResult<number[]> {
        if (done) return { done: true, value: undefined };
        const batch: number[] = [];
        while (batch.length < bs) {
          const r = it.next();
          if (r.done) {
            done = true;
            break;
          }
          batch.push(r.value);
        }
        if (batch.length === 0 || (dropLast && batch.length < bs)) {
          done = true;
          return { done: true, value: undefined };
        }
        return { done: false, value: batch };
      },
    };
  }
}
