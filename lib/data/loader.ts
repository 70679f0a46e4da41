// fg.data.DataLoader: torch's DataLoader over map-style datasets (in this thread or in worker threads)
// and iterable-style ones (streams).
//
// One iteration is one epoch. When it starts it (1) draws the epoch seed, two words of one Philox block,
// from the loader's generator (torch's base_seed; every sample's SampleContext.generator derives from
// it), then (2) iterates the batch sampler, which draws its order (RandomSampler: a permutation) from
// the same generator. Batch k of the epoch is built from the same indices, positions and seed whether
// this thread or worker k mod numWorkers builds it, with the same code (fetch.ts), so the batches are
// the same bits for every numWorkers. Batches are yielded in order.
import type { Generator } from '../random.js';
import { generatorOf } from '../random.js';
import { checkBoolean, checkInteger, checkOptions, typeError } from '../validate.js';
import { defaultCollate, type Collate } from './collate.js';
import { isIterableDataset, isMapDataset, type AnyIterable, type MapDataset } from './dataset.js';
import { fetchBatch, SampleError, type EpochSeed } from './fetch.js';
import { isWorkerSpec, loadDataset, loadDatasetSync, resolveSpec, type ResolvedSpec, type WorkerDatasetSpec } from './module.js';
import { WorkerPool } from './pool.js';
import { BatchSampler, isSampler, RandomSampler, SequentialSampler, type BatchSamplerLike, type Sampler } from './sampler.js';

export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle every epoch with a RandomSampler on `generator` (default false). */
  shuffle?: boolean;
  /** The Philox generator for the order and the epoch seeds (default: the global one). */
  generator?: Generator;
  /** Which indices, in which order (excludes shuffle). */
  sampler?: Sampler;
  /** Which batches (excludes batchSize, shuffle, sampler, dropLast). */
  batchSampler?: BatchSamplerLike;
  /** Drop the last batch when it is short (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: defaultCollate). Runs on the main thread. */
  collate?: Collate;
  /** Worker threads making batches (default 0: this thread); needs a dataset named by a module. */
  numWorkers?: number;
  /** Batches requested ahead per worker (default 2). */
  prefetchFactor?: number;
  /** Keep the workers between epochs (default false: started and stopped with each iteration). */
  persistentWorkers?: boolean;
}

export interface IterateOptions {
  /**
   * Skip the first `skip` batches of the epoch without loading them (the order and the epoch seed are
   * drawn as usual): resuming an epoch in the middle gives the batches the whole epoch would have.
   */
  skip?: number;
}

/** On this thread a dataset's error surfaces as itself (a SampleError only marks where it came from). */
function rethrowOriginal(e: unknown): never {
  throw e instanceof SampleError ? e.original : e;
}

function local<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    return rethrowOriginal(e);
  }
}

type Source = { kind: 'map'; dataset: MapDataset } | { kind: 'module'; spec: ResolvedSpec } | { kind: 'iterable'; dataset: AnyIterable };

export class DataLoader<B = unknown> implements AsyncIterable<B>, Iterable<B> {
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly generator: Generator;
  readonly collate: Collate | null;
  readonly #source: Source;
  #dataset: MapDataset | null = null;
  readonly #sampler: Sampler | undefined;
  #batchSampler: BatchSamplerLike | null;
  #pool: WorkerPool | null = null;

  constructor(dataset: MapDataset | AnyIterable | WorkerDatasetSpec, opts: DataLoaderOptions = {}) {
    checkOptions(opts, 'DataLoader options', ['batchSize', 'shuffle', 'generator', 'sampler', 'batchSampler', 'dropLast', 'collate', 'numWorkers', 'prefetchFactor', 'persistentWorkers']);
    let source: Source;
    if (isMapDataset(dataset)) source = { kind: 'map', dataset };
    else if (isWorkerSpec(dataset)) {
      checkOptions(dataset, 'dataset', ['module', 'args']);
      source = { kind: 'module', spec: resolveSpec(dataset) };
    } else if (isIterableDataset(dataset)) source = { kind: 'iterable', dataset };
    else throw typeError('a map-style dataset (length and get), an iterable dataset, or { module, args }', 'dataset', dataset);

    const shuffle = opts.shuffle ?? false, dropLast = opts.dropLast ?? false;
    checkBoolean(shuffle, 'shuffle');
    checkBoolean(dropLast, 'dropLast');
    const numWorkers = opts.numWorkers ?? 0, prefetchFactor = opts.prefetchFactor ?? 2, persistent = opts.persistentWorkers ?? false;
    checkInteger(numWorkers, 'numWorkers', 0, 1024);
    checkInteger(prefetchFactor, 'prefetchFactor', 1);
    checkBoolean(persistent, 'persistentWorkers');
    if (opts.collate !== undefined && typeof opts.collate !== 'function') throw typeError('a function (samples) => batch', 'collate', opts.collate);
    if (opts.sampler !== undefined && !isSampler(opts.sampler)) throw typeError('a sampler (an iterable of indices with a length)', 'sampler', opts.sampler);
    if (opts.batchSampler !== undefined && !isSampler(opts.batchSampler)) throw typeError('a batch sampler (an iterable of index arrays with a length)', 'batchSampler', opts.batchSampler);
    if (opts.batchSampler !== undefined && (opts.batchSize !== undefined || shuffle || opts.sampler !== undefined || dropLast)) {
      throw new TypeError('Expected batchSampler alone: it excludes batchSize, shuffle, sampler and dropLast (as torch)');
    }
    if (opts.sampler !== undefined && shuffle) throw new TypeError('Expected either sampler or shuffle: true for DataLoader options but received both (as torch)');
    if (source.kind === 'iterable') {
      if (shuffle || opts.sampler !== undefined || opts.batchSampler !== undefined) throw new TypeError('Expected no shuffle, sampler or batchSampler with an iterable dataset (a stream has no indices)');
      if (numWorkers > 0) throw new TypeError('Expected numWorkers 0 with an iterable dataset (workers load map-style datasets named by a module)');
    }
    if (numWorkers > 0 && source.kind === 'map') {
      throw new TypeError('Expected a dataset named by a module, { module, args }, with numWorkers > 0 (functions cannot cross threads; see docs/data.md) but received a dataset object');
    }
    const batchSize = opts.batchSampler !== undefined ? null : opts.batchSize ?? 1;
    if (batchSize !== null) checkInteger(batchSize, 'batchSize', 1);

    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.numWorkers = numWorkers;
    this.prefetchFactor = prefetchFactor;
    this.persistentWorkers = persistent;
    this.generator = generatorOf(opts.generator);
    this.collate = (opts.collate as Collate | undefined) ?? null;
    this.#source = source;
    this.#sampler = opts.sampler;
    this.#batchSampler = (opts.batchSampler as BatchSamplerLike | undefined) ?? null;
    if (source.kind === 'map') this.#dataset = source.dataset;
  }

  /** The dataset (a module-named one is built on this thread on first use). Null for an iterable dataset. */
  get dataset(): MapDataset | AnyIterable {
    if (this.#source.kind === 'iterable') return this.#source.dataset;
    return this.#mapDataset();
  }

  #mapDataset(): MapDataset {
    if (!this.#dataset) this.#dataset = loadDatasetSync((this.#source as { spec: ResolvedSpec }).spec);
    return this.#dataset;
  }

  async #mapDatasetAsync(): Promise<MapDataset> {
    if (!this.#dataset) this.#dataset = await loadDataset((this.#source as { spec: ResolvedSpec }).spec);
    return this.#dataset;
  }

  /** The sampler of indices (null with a batchSampler or an iterable dataset). */
  get sampler(): Sampler | null {
    if (this.#source.kind === 'iterable') return null;
    const bs = this.batchSamplerOf();
    return bs instanceof BatchSampler ? bs.sampler : null;
  }

  /** The batch sampler (built from batchSize, shuffle, sampler and dropLast unless one was given). */
  batchSamplerOf(): BatchSamplerLike {
    if (this.#source.kind === 'iterable') throw new TypeError('An iterable dataset has no sampler');
    if (!this.#batchSampler) {
      const ds = this.#mapDataset();
      const sampler = this.#sampler ?? (this.shuffle ? new RandomSampler(ds, { generator: this.generator }) : new SequentialSampler(ds));
      this.#batchSampler = new BatchSampler(sampler, this.batchSize!, this.dropLast);
    }
    return this.#batchSampler;
  }

  /** Batches per epoch (torch's len(loader)); a TypeError for an iterable dataset. */
  get length(): number {
    if (this.#source.kind === 'iterable') throw new TypeError('An iterable dataset has no length');
    return this.batchSamplerOf().length;
  }

  /** Forwards setEpoch(epoch) to the (batch) sampler, when it has one (fg.train.fit calls it before each epoch). */
  setEpoch(epoch: number): void {
    checkInteger(epoch, 'epoch', 0);
    if (this.#source.kind !== 'iterable') this.batchSamplerOf().setEpoch?.(epoch);
  }

  #collateMode(): 'default' | 'list' {
    return this.collate ? 'list' : 'default';
  }

  #finish(batch: unknown): B {
    return (this.collate ? this.collate(batch as unknown[]) : batch) as B;
  }

  /** Draws the epoch seed, then the order; returns the batches' index lists and start positions, lazily. */
  #epoch(): { seed: EpochSeed; batches: Iterator<ArrayLike<number>> } {
    const w = this.generator.uint32(2);
    const seed: EpochSeed = [w[0], w[1]];
    return { seed, batches: this.batchSamplerOf()[Symbol.iterator]() };
  }

  /** Synchronous iteration: numWorkers 0 and a synchronous dataset only. */
  [Symbol.iterator](): Iterator<B> {
    if (this.numWorkers > 0) throw new TypeError(`Expected numWorkers 0 for synchronous iteration but this loader has ${this.numWorkers}; iterate it with for await`);
    if (this.#source.kind === 'iterable') return this.#iterableSync();
    this.#mapDataset();
    return this.#mapSync(0);
  }

  *#mapSync(skip: number): IterableIterator<B> {
    const ds = this.#mapDataset();
    const { seed, batches } = this.#epoch();
    let position = 0;
    for (let k = 0; ; k++) {
      const r = batches.next();
      if (r.done) return;
      const idx = r.value;
      if (k >= skip) yield this.#finish(local(() => fetchBatch(ds, idx, position, seed, this.#collateMode(), false)));
      position += idx.length;
    }
  }

  *#iterableSync(): IterableIterator<B> {
    const ds = this.#source.kind === 'iterable' ? this.#source.dataset : null;
    if (!ds || typeof (ds as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError('Expected a synchronous iterable dataset for synchronous iteration; iterate this loader with for await');
    }
    let buf: unknown[] = [];
    for (const s of ds as Iterable<unknown>) {
      buf.push(s);
      if (buf.length === this.batchSize) {
        yield this.#finish(this.collate ? buf : defaultCollate(buf));
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.#finish(this.collate ? buf : defaultCollate(buf));
  }

  async *#iterableAsync(): AsyncGenerator<B> {
    const ds = (this.#source as { dataset: AnyIterable }).dataset;
    let buf: unknown[] = [];
    for await (const s of ds as AsyncIterable<unknown>) {
      buf.push(s);
      if (buf.length === this.batchSize) {
        yield this.#finish(this.collate ? buf : defaultCollate(buf));
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.#finish(this.collate ? buf : defaultCollate(buf));
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return this.iterate();
  }

  /** One epoch as an async iterator; `skip` skips batches without loading them (see IterateOptions). */
  iterate(opts: IterateOptions = {}): AsyncGenerator<B> {
    checkOptions(opts, 'iterate options', ['skip']);
    const skip = opts.skip ?? 0;
    checkInteger(skip, 'skip', 0);
    if (this.#source.kind === 'iterable') {
      if (skip > 0) throw new TypeError('Expected skip 0 with an iterable dataset');
      return this.#iterableAsync();
    }
    return this.numWorkers === 0 ? this.#mapAsync(skip) : this.#workersAsync(skip);
  }

  async *#mapAsync(skip: number): AsyncGenerator<B> {
    const ds = await this.#mapDatasetAsync();
    const { seed, batches } = this.#epoch();
    let position = 0;
    for (let k = 0; ; k++) {
      const r = batches.next();
      if (r.done) return;
      const idx = r.value;
      if (k >= skip) {
        const b = local(() => fetchBatch(ds, idx, position, seed, this.#collateMode(), true));
        yield this.#finish(b instanceof Promise ? await b.catch(rethrowOriginal) : b);
      }
      position += idx.length;
    }
  }

  async *#workersAsync(skip: number): AsyncGenerator<B> {
    await this.#mapDatasetAsync();
    const { seed, batches } = this.#epoch();
    if (!this.#pool || !this.#pool.healthy) {
      await this.#pool?.close();
      this.#pool = new WorkerPool((this.#source as { spec: ResolvedSpec }).spec, this.numWorkers, this.#collateMode());
    }
    const pool = this.#pool;
    pool.ref(true);
    const inFlight: Promise<unknown>[] = [];
    let position = 0, k = 0, sent = 0, exhausted = false, finished = false;
    const sendNext = (): boolean => {
      for (;;) {
        const r = batches.next();
        if (r.done) return false;
        const idx = r.value, pos = position;
        position += idx.length;
        if (k++ < skip) continue;
        inFlight.push(pool.request(sent++, idx, pos, seed));
        return true;
      }
    };
    try {
      const ahead = this.prefetchFactor * this.numWorkers;
      while (inFlight.length < ahead && !exhausted) exhausted = !sendNext();
      while (inFlight.length > 0) {
        const next = inFlight.shift()!;
        if (!exhausted) exhausted = !sendNext();
        yield this.#finish(await next);
      }
      finished = true;
    } finally {
      if (!finished || !this.persistentWorkers) {
        // a break, an error, or the end without persistent workers: stop them
        if (this.#pool === pool) this.#pool = null;
        await pool.close();
      } else pool.ref(false);
    }
  }

  /** Stops persistent workers (a no-op when none are running). */
  async close(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    await p?.close();
  }
}

