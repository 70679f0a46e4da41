// DistributedSampler (torch.utils.data.distributed.DistributedSampler): each rank iterates its own
// share of a dataset's indices; with shuffle, one permutation per epoch (seed + epoch) that is the same
// on every rank, so the shares are disjoint and cover the dataset. Call setEpoch(e) before each epoch
// (fg.train.fit does). It is an fg.data Sampler: pass it as DataLoader's `sampler` option.
import type { Sampler } from '../data/sampler.js';
import { Generator } from '../random.js';
import { checkBoolean, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';
import { getRank, getWorldSize, isInitialized } from './process_group.js';

export interface DistributedSamplerOptions {
  /** Default: the process group's world size. */
  numReplicas?: number;
  /** Default: the process group's rank. */
  rank?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Default 0; the same on every rank. */
  seed?: number;
  /**
   * Default false: pad with indices from the start so every rank gets ceil(n / numReplicas); true: drop
   * the tail so every rank gets floor(n / numReplicas).
   */
  dropLast?: boolean;
}

export class DistributedSampler implements Sampler {
  readonly datasetLength: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices this rank gets per epoch. */
  readonly numSamples: number;
  /** numSamples * numReplicas. */
  readonly totalSize: number;
  #epoch = 0;

  /** dataset: its length, or anything with a numeric `length` (a map-style fg.data dataset). */
  constructor(dataset: number | { length: number }, options: DistributedSamplerOptions = {}) {
    checkOptions(options, 'DistributedSampler options', ['numReplicas', 'rank', 'shuffle', 'seed', 'dropLast']);
    const n = typeof dataset === 'number' ? dataset : dataset !== null && typeof dataset === 'object' ? dataset.length : undefined;
    if (typeof n !== 'number') throw typeError('a length or an object with a length', 'dataset', dataset);
    checkInteger(n, 'dataset length');
    const numReplicas = options.numReplicas ?? (isInitialized() ? getWorldSize() : undefined);
    if (numReplicas === undefined) throw new RangeError('DistributedSampler: numReplicas was not given and no process group is initialized');
    checkInteger(numReplicas, 'numReplicas', 1);
    const rank = options.rank ?? (isInitialized() ? getRank() : undefined);
    if (rank === undefined) throw new RangeError('DistributedSampler: rank was not given and no process group is initialized');
    if (typeof rank !== 'number') throw typeError('a number', 'rank', rank);
    if (!Number.isInteger(rank) || rank < 0 || rank >= numReplicas) throw rangeError(`an integer in [0, ${numReplicas - 1}]`, 'rank', rank);
    const shuffle = options.shuffle ?? true;
    checkBoolean(shuffle, 'shuffle');
    const seed = options.seed ?? 0;
    checkInteger(seed, 'seed');
    const dropLast = options.dropLast ?? false;
    checkBoolean(dropLast, 'dropLast');
    this.datasetLength = n;
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.numSamples = dropLast && n % numReplicas !== 0 ? Math.max(0, Math.ceil((n - numReplicas) / numReplicas)) : Math.ceil(n / numReplicas);
    this.totalSize = this.numSamples * numReplicas;
  }

  /** Indices per epoch on this rank (torch's __len__). */
  get length(): number {
    return this.numSamples;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Selects the epoch's permutation (seed + epoch); call it with the same epoch on every rank. */
  setEpoch(epoch: number): void {
    checkInteger(epoch, 'epoch');
    this.#epoch = epoch;
  }

  /** This rank's indices for the current epoch: every numReplicas-th of the (padded) order, from rank. */
  indices(): number[] {
    const n = this.datasetLength;
    let order: number[];
    if (this.shuffle) order = Array.from(new Generator(this.seed + this.#epoch).permutation(n));
    else order = Array.from({ length: n }, (_, i) => i);
    if (!this.dropLast) {
      const pad = this.totalSize - order.length;
      for (let i = 0; i < pad && n > 0; i++) order.push(order[i % n]);
    } else {
      order.length = this.totalSize;
    }
    const mine: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) mine.push(order[i]);
    return mine;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}
