// fg.data.DataLoader: torch's DataLoader over map-style datasets and iterable-style ones (streams), in
// this thread or in worker threads.
//
// Map-style: one iteration is one epoch. When it starts it (1) draws the epoch seed, two words of one
// Philox block, from the loader's generator (torch's base_seed; every sample's SampleContext.generator
// derives from it), then (2) iterates the batch sampler, which draws its order (RandomSampler: a
// permutation) from the same generator. Batch k of the epoch is built from the same indices, positions
// and seed whether this thread or worker k mod numWorkers builds it, with the same code (fetch.ts), so
// the batches are the same bits for every numWorkers. Batches are yielded in order.
//
// Iterable-style in workers (torch's semantics): every worker iterates its own copy of the stream
// (getWorkerInfo() lets the dataset shard it) and batches what it reads; the batches are yielded
// round-robin over the workers whose stream is not exhausted.
//
// batchSize null is torch's unbatched mode: each item is one sample (through `collate` if given).
import { capThreads, hardwareThreads } from '../backend/select.js';
import type { Generator } from '../random.js';
import { generatorOf } from '../random.js';
import { checkBoolean, checkFinite, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';
import type { Collate } from './collate.js';
import { isIterableDataset, isMapDataset, type AnyIterable, type MapDataset } from './dataset.js';
import { fetchBatch, finishBatch, SampleError, type CollateMode, type EpochSeed } from './fetch.js';
import { isWorkerSpec, loadDataset, loadDatasetSync, resolveSpec, type LoadedDataset, type ResolvedSpec, type WorkerDatasetSpec } from './module.js';
import { END_OF_STREAM, WorkerPool } from './pool.js';
import { BatchSampler, isSampler, RandomSampler, SequentialSampler, type BatchSamplerLike, type Sampler } from './sampler.js';

export interface DataLoaderOptions {
  /** Samples per batch (default 1); null: no batching (torch's unbatched mode), each item is one sample. */
  batchSize?: number | null;
  /** Reshuffle every epoch with a RandomSampler on `generator` (default false). */
  shuffle?: boolean;
  /** The Philox generator for the order and the epoch seeds (default: the global one). */
  generator?: Generator;
  /** Which indices, in which order (excludes shuffle). */
  sampler?: Sampler;
  /** Which batches (excludes batchSize, shuffle, sampler, dropLast). */
  batchSampler?: BatchSamplerLike;
  /** Drop the last batch when it is short (default false; with workers and a stream, each worker's last). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: defaultCollate); with batchSize null, one sample. Runs on the main thread. */
  collate?: Collate;
  /** Worker threads making batches (default 0: this thread); needs a dataset named by a module. */
  numWorkers?: number;
  /** Batches requested ahead per worker (default 2). */
  prefetchFactor?: number;
  /** Keep the workers between epochs (default false: started and stopped with each iteration). */
  persistentWorkers?: boolean;
  /**
   * Milliseconds a batch may take in a worker (default 0: no limit; torch's timeout, in ms). A later
   * batch rejects the iteration with an error naming the worker and the index it is stuck on, and the
   * workers are stopped. The clock starts when the loader waits for the batch and that worker has
   * built its dataset. Needs numWorkers > 0 (this thread cannot interrupt its own get()).
   */
  timeout?: number;
  /**
   * Milliseconds a worker may take to build its dataset (load the module and run its factory; default
   * 0: no limit). A worker not ready by then rejects the iteration with an error naming it, and the
   * workers are stopped. Needs numWorkers > 0.
   */
  initTimeout?: number;
  /**
   * The most threads this thread's native kernels use while the workers run (default: max(1, cores -
   * numWorkers), so the training step and the workers do not oversubscribe the cores; null: leave the
   * thread count alone). Held from the start of an iteration to its end (an early break included), then
   * the count set before is restored; it never raises the count. Needs numWorkers > 0.
   */
  mainThreads?: number | null;
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
  /** Samples per batch; null with a batchSampler or in unbatched mode (as torch). */
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly timeout: number;
  readonly initTimeout: number;
  /** The cap on this thread's kernel threads while the workers run ('auto': max(1, cores - numWorkers); null: none). */
  readonly mainThreads: number | 'auto' | null;
  readonly generator: Generator;
  readonly collate: Collate | null;
  readonly #source: Source;
  /** False in unbatched mode (batchSize null without a batchSampler). */
  readonly #autoBatch: boolean;
  #dataset: LoadedDataset | null = null;
  readonly #sampler: Sampler | undefined;
  #batchSampler: BatchSamplerLike | null;
  #pool: WorkerPool | null = null;
  #streamEpoch = 0;

  constructor(dataset: MapDataset | AnyIterable | WorkerDatasetSpec, opts: DataLoaderOptions = {}) {
    checkOptions(opts, 'DataLoader options', ['batchSize', 'shuffle', 'generator', 'sampler', 'batchSampler', 'dropLast', 'collate', 'numWorkers', 'prefetchFactor', 'persistentWorkers', 'timeout', 'initTimeout', 'mainThreads']);
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
    const timeout = opts.timeout ?? 0;
    checkFinite(timeout, 'timeout');
    if (timeout < 0) throw rangeError('a number of milliseconds >= 0', 'timeout', timeout);
    if (timeout > 0 && numWorkers === 0) throw new TypeError(`Expected numWorkers > 0 with a timeout but received numWorkers 0 and timeout ${timeout} (this thread cannot interrupt its own get(); as torch)`);
    const initTimeout = opts.initTimeout ?? 0;
    checkFinite(initTimeout, 'initTimeout');
    if (initTimeout < 0) throw rangeError('a number of milliseconds >= 0', 'initTimeout', initTimeout);
    if (initTimeout > 0 && numWorkers === 0) throw new TypeError(`Expected numWorkers > 0 with an initTimeout but received numWorkers 0 and initTimeout ${initTimeout} (no worker builds the dataset)`);
    const mainThreads = opts.mainThreads === undefined ? 'auto' : opts.mainThreads;
    if (mainThreads !== 'auto' && mainThreads !== null) {
      checkInteger(mainThreads, 'mainThreads', 1, 1024);
      if (numWorkers === 0) throw new TypeError(`Expected numWorkers > 0 with mainThreads but received numWorkers 0 and mainThreads ${mainThreads} (without workers the thread count is fg.setNumThreads')`);
    }
    if (opts.collate !== undefined && typeof opts.collate !== 'function') throw typeError('a function (samples) => batch', 'collate', opts.collate);
    if (opts.sampler !== undefined && !isSampler(opts.sampler)) throw typeError('a sampler (an iterable of indices with a length)', 'sampler', opts.sampler);
    if (opts.batchSampler !== undefined && !isSampler(opts.batchSampler)) throw typeError('a batch sampler (an iterable of index arrays with a length)', 'batchSampler', opts.batchSampler);
    if (opts.batchSampler !== undefined && (opts.batchSize !== undefined || shuffle || opts.sampler !== undefined || dropLast)) {
      throw new TypeError('Expected batchSampler alone: it excludes batchSize, shuffle, sampler and dropLast (as torch)');
    }
    if (opts.sampler !== undefined && shuffle) throw new TypeError('Expected either sampler or shuffle: true for DataLoader options but received both (as torch)');
    if (opts.batchSize === null && dropLast) throw new TypeError('Expected dropLast false with batchSize null (unbatched mode has no short batch to drop; as torch)');
    if (source.kind === 'iterable') checkStreamOptions(shuffle, opts.sampler, opts.batchSampler);
    if (numWorkers > 0 && source.kind !== 'module') {
      throw new TypeError(`Expected a dataset named by a module, { module, args }, with numWorkers > 0 (functions cannot cross threads; see docs/data.md) but received ${source.kind === 'map' ? 'a dataset object' : 'an iterable object'}`);
    }
    const batchSize = opts.batchSampler !== undefined ? null : opts.batchSize === undefined ? 1 : opts.batchSize;
    if (batchSize !== null) checkInteger(batchSize, 'batchSize', 1);

    this.batchSize = batchSize;
    this.#autoBatch = opts.batchSize !== null;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.numWorkers = numWorkers;
    this.prefetchFactor = prefetchFactor;
    this.persistentWorkers = persistent;
    this.timeout = timeout;
    this.initTimeout = initTimeout;
    this.mainThreads = mainThreads;
    this.generator = generatorOf(opts.generator);
    this.collate = (opts.collate as Collate | undefined) ?? null;
    this.#source = source;
    this.#sampler = opts.sampler;
    this.#batchSampler = (opts.batchSampler as BatchSamplerLike | undefined) ?? null;
    if (source.kind !== 'module') this.#dataset = source.dataset;
  }

  /** The dataset (a module-named one is built on this thread on first use). */
  get dataset(): MapDataset | AnyIterable {
    return this.#load();
  }

  #check(ds: LoadedDataset): LoadedDataset {
    if (!isMapDataset(ds)) checkStreamOptions(this.shuffle, this.#sampler, this.#batchSampler ?? undefined);
    return ds;
  }

  #load(): LoadedDataset {
    if (!this.#dataset) this.#dataset = this.#check(loadDatasetSync((this.#source as { spec: ResolvedSpec }).spec));
    return this.#dataset;
  }

  async #loadAsync(): Promise<LoadedDataset> {
    if (!this.#dataset) {
      const spec = (this.#source as { spec: ResolvedSpec }).spec;
      const ms = this.initTimeout;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        if (ms > 0) timer = setTimeout(() => reject(new Error(`DataLoader timed out after ${ms} ms building its dataset on the main thread (loading ${spec.specifier} and running its factory)`)), ms);
      });
      try {
        this.#dataset = this.#check(await Promise.race([loadDataset(spec), late]));
      } finally {
        clearTimeout(timer);
      }
    }
    return this.#dataset;
  }

  #mapDataset(what: string): MapDataset {
    const ds = this.#load();
    if (!isMapDataset(ds)) throw new TypeError(`An iterable dataset has no ${what}`);
    return ds;
  }

  /** The sampler of indices (null with a batchSampler or an iterable dataset). */
  get sampler(): Sampler | null {
    if (!isMapDataset(this.#load())) return null;
    const bs = this.batchSamplerOf();
    return bs instanceof BatchSampler ? bs.sampler : null;
  }

  /** The batch sampler (built from batchSize, shuffle, sampler and dropLast unless one was given; batches of 1 when unbatched). */
  batchSamplerOf(): BatchSamplerLike {
    if (!this.#batchSampler) {
      const ds = this.#mapDataset('sampler');
      const sampler = this.#sampler ?? (this.shuffle ? new RandomSampler(ds, { generator: this.generator }) : new SequentialSampler(ds));
      this.#batchSampler = new BatchSampler(sampler, this.batchSize ?? 1, this.dropLast);
    }
    return this.#batchSampler;
  }

  /** Batches per epoch (torch's len(loader)); a TypeError for an iterable dataset. */
  get length(): number {
    this.#mapDataset('length');
    return this.batchSamplerOf().length;
  }

  /** Forwards setEpoch(epoch) to the (batch) sampler, when it has one (fg.train.fit calls it before each epoch). */
  setEpoch(epoch: number): void {
    checkInteger(epoch, 'epoch', 0);
    if (isMapDataset(this.#load())) this.batchSamplerOf().setEpoch?.(epoch);
  }

  #collateMode(): CollateMode {
    return !this.#autoBatch ? 'none' : this.collate ? 'list' : 'default';
  }

  /** Samples (or a batch) per item of the iteration. */
  get #take(): number {
    return this.#autoBatch ? this.batchSize! : 1;
  }

  #finish(batch: unknown): B {
    return (this.collate ? this.collate(batch as unknown[]) : batch) as B;
  }

  /** Draws the epoch seed, then the order; returns the batches' index lists and start positions, lazily. */
  #epoch(): { seed: EpochSeed; batches: Iterator<ArrayLike<number>> } {
    const seed = this.#epochSeed();
    return { seed, batches: this.batchSamplerOf()[Symbol.iterator]() };
  }

  /** The epoch seed (torch's base_seed), drawn from the loader's generator. */
  #epochSeed(): EpochSeed {
    const w = this.generator.uint32(2);
    return [w[0], w[1]];
  }

  /** Synchronous iteration: numWorkers 0 and a synchronous dataset only. */
  [Symbol.iterator](): Iterator<B> {
    if (this.numWorkers > 0) throw new TypeError(`Expected numWorkers 0 for synchronous iteration but this loader has ${this.numWorkers}; iterate it with for await`);
    const ds = this.#load();
    if (!isMapDataset(ds)) return this.#iterableSync(ds);
    return this.#mapSync(ds, 0);
  }

  /** One epoch synchronously, without loading its first `skip` batches (see IterateOptions); numWorkers 0 only. */
  iterateSync(opts: IterateOptions = {}): IterableIterator<B> {
    const skip = checkSkip(opts);
    if (this.numWorkers > 0) throw new TypeError(`Expected numWorkers 0 for synchronous iteration but this loader has ${this.numWorkers}; iterate it with for await`);
    const ds = this.#load();
    if (!isMapDataset(ds)) {
      if (skip > 0) throw new TypeError('Expected skip 0 with an iterable dataset');
      return this.#iterableSync(ds);
    }
    return this.#mapSync(ds, skip);
  }

  *#mapSync(ds: MapDataset, skip: number): IterableIterator<B> {
    const { seed, batches } = this.#epoch();
    const mode = this.#collateMode();
    let position = 0;
    for (let k = 0; ; k++) {
      const r = batches.next();
      if (r.done) return;
      const idx = r.value;
      if (k >= skip) yield this.#finish(local(() => fetchBatch(ds, idx, position, seed, mode, false)));
      position += idx.length;
    }
  }

  *#iterableSync(ds: AnyIterable): IterableIterator<B> {
    if (typeof (ds as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError('Expected a synchronous iterable dataset for synchronous iteration; iterate this loader with for await');
    }
    const take = this.#take, mode = this.#collateMode();
    let buf: unknown[] = [];
    for (const s of ds as Iterable<unknown>) {
      buf.push(s);
      if (buf.length === take) {
        yield this.#finish(finishBatch(buf, mode));
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.#finish(finishBatch(buf, mode));
  }

  async *#iterableAsync(ds: AnyIterable): AsyncGenerator<B> {
    const take = this.#take, mode = this.#collateMode();
    let buf: unknown[] = [];
    for await (const s of ds as AsyncIterable<unknown>) {
      buf.push(s);
      if (buf.length === take) {
        yield this.#finish(finishBatch(buf, mode));
        buf = [];
      }
    }
    if (buf.length > 0 && !this.dropLast) yield this.#finish(finishBatch(buf, mode));
  }

  [Symbol.asyncIterator](): AsyncIterator<B> {
    return this.iterate();
  }

  /** One epoch as an async iterator; `skip` skips batches without loading them (see IterateOptions). */
  iterate(opts: IterateOptions = {}): AsyncGenerator<B> {
    return this.#iterate(checkSkip(opts));
  }

  async *#iterate(skip: number): AsyncGenerator<B> {
    const ds = await this.#loadAsync();
    if (!isMapDataset(ds)) {
      if (skip > 0) throw new TypeError('Expected skip 0 with an iterable dataset');
      yield* this.numWorkers === 0 ? this.#iterableAsync(ds) : this.#streamWorkersAsync();
      return;
    }
    yield* this.numWorkers === 0 ? this.#mapAsync(ds, skip) : this.#mapWorkersAsync(skip);
  }

  async *#mapAsync(ds: MapDataset, skip: number): AsyncGenerator<B> {
    const { seed, batches } = this.#epoch();
    const mode = this.#collateMode();
    let position = 0;
    for (let k = 0; ; k++) {
      const r = batches.next();
      if (r.done) return;
      const idx = r.value;
      if (k >= skip) {
        const b = local(() => fetchBatch(ds, idx, position, seed, mode, true));
        yield this.#finish(b instanceof Promise ? await b.catch(rethrowOriginal) : b);
      }
      position += idx.length;
    }
  }

  /** The worker pool for this iteration (a persistent one is reused while healthy). */
  async #startPool(seed: EpochSeed): Promise<WorkerPool> {
    if (!this.#pool || !this.#pool.healthy) {
      await this.#pool?.close();
      this.#pool = new WorkerPool((this.#source as { spec: ResolvedSpec }).spec, this.numWorkers, this.#collateMode(), seed, this.initTimeout);
    }
    this.#pool.ref(true);
    return this.#pool;
  }

  /** Caps this thread's kernel threads while the workers run (see mainThreads); returns the release. */
  #capThreads(): () => void {
    if (this.mainThreads === null) return () => {};
    return capThreads(this.mainThreads === 'auto' ? Math.max(1, hardwareThreads() - this.numWorkers) : this.mainThreads);
  }

  /** After an iteration: stop the workers unless it finished and they are persistent. */
  async #stopPool(pool: WorkerPool, finished: boolean): Promise<void> {
    if (!finished || !this.persistentWorkers) {
      // a break, an error (a timeout included), or the end without persistent workers: stop them
      if (this.#pool === pool) this.#pool = null;
      await pool.close();
    } else pool.ref(false);
  }

  async *#mapWorkersAsync(skip: number): AsyncGenerator<B> {
    const { seed, batches } = this.#epoch();
    const pool = await this.#startPool(seed);
    const release = this.#capThreads();
    const inFlight: Promise<unknown>[] = [];
    let position = 0, k = 0, sent = 0, exhausted = false, finished = false;
    const sendNext = (): boolean => {
      for (;;) {
        const r = batches.next();
        if (r.done) return false;
        const idx = r.value, pos = position;
        position += idx.length;
        if (k++ < skip) continue;
        inFlight.push(pool.request(sent++ % this.numWorkers, { kind: 'batch', indices: Uint32Array.from(idx), position: pos, seed }));
        return true;
      }
    };
    try {
      const ahead = this.prefetchFactor * this.numWorkers;
      while (inFlight.length < ahead && !exhausted) exhausted = !sendNext();
      while (inFlight.length > 0) {
        const next = inFlight.shift()!;
        if (!exhausted) exhausted = !sendNext();
        yield this.#finish(await pool.wait(next, this.timeout));
      }
      finished = true;
    } finally {
      release();
      await this.#stopPool(pool, finished);
    }
  }

  /** An iterable dataset in workers: each worker batches its own copy of the stream; round-robin over the live ones. */
  async *#streamWorkersAsync(): AsyncGenerator<B> {
    const epoch = this.#streamEpoch++, seed = this.#epochSeed();
    const pool = await this.#startPool(seed);
    const release = this.#capThreads();
    const W = this.numWorkers, take = this.#take, dropLast = this.dropLast;
    const queues: Promise<unknown>[][] = Array.from({ length: W }, () => []);
    const send = (w: number) => queues[w].push(pool.request(w, { kind: 'stream', epoch, seed, take, dropLast }));
    let finished = false;
    try {
      for (let w = 0; w < W; w++) for (let p = 0; p < this.prefetchFactor; p++) send(w);
      const live = Array.from({ length: W }, (_, w) => w);
      for (let turn = 0; live.length > 0; ) {
        turn %= live.length;
        const w = live[turn];
        const b = await pool.wait(queues[w].shift()!, this.timeout);
        if (b === END_OF_STREAM) {
          live.splice(turn, 1); // the next live worker now has this turn
          continue;
        }
        send(w);
        turn++;
        yield this.#finish(b);
      }
      finished = true;
    } finally {
      release();
      await this.#stopPool(pool, finished);
    }
  }

  /** Stops persistent workers (a no-op when none are running). */
  async close(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    await p?.close();
  }
}

function checkStreamOptions(shuffle: boolean, sampler: unknown, batchSampler: unknown): void {
  if (shuffle || sampler !== undefined || batchSampler !== undefined) throw new TypeError('Expected no shuffle, sampler or batchSampler with an iterable dataset (a stream has no indices)');
}

function checkSkip(opts: IterateOptions): number {
  checkOptions(opts, 'iterate options', ['skip']);
  const skip = opts.skip ?? 0;
  checkInteger(skip, 'skip', 0);
  return skip;
}
