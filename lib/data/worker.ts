// The DataLoader's worker thread: builds the dataset from its module, then answers requests in the
// order they arrive, sending each batch back with its buffers transferred (never copied through JSON).
//
// main -> worker: { id, kind: 'batch', indices: Uint32Array, position, seed, share }  batch of a map-style dataset
//                 { id, kind: 'stream', epoch, seed, take, dropLast, share }        the next batch of this worker's
//                                                                                 copy of an iterable dataset
// worker -> main: { type: 'ready' }                                  the dataset is built
//                 { type: 'init-error', message, stack }             the module or factory failed
//                 { type: 'batch', id, batch }                       a packed batch (collate.ts pack())
//                 { type: 'end', id }                                this worker's stream is exhausted
//                 { type: 'error', id, where, index, name, message, stack }  get(index) / getItems / the
//                                                                    stream's sample `index` / collate threw
// `share`: the main thread has room for another batch in shared memory (shared.ts); the default
// collate then writes the batch into fresh shared memory (if this worker's account has room too).
// Before each step of making a batch it writes [step, index] to its slot of init.progress (shared
// memory), so the main thread can say where a late batch is stuck even while this thread is blocked.
import { parentPort, workerData } from 'node:worker_threads';
import { pack } from './collate.js';
import { SharedBatchMemory } from './shared.js';
import type { AnyIterable, MapDataset } from './dataset.js';
import { fetchBatch, finishBatch, SampleError, Step, type EpochSeed, type Track } from './fetch.js';
import { loadDataset, setWorkerEpochSeed, type LoadedDataset, type WorkerInit } from './module.js';

export interface BatchRequest {
  id: number;
  kind: 'batch';
  indices: Uint32Array;
  position: number;
  seed: EpochSeed;
  /** The main thread has room for a batch in shared memory. */
  share: boolean;
}

export interface StreamRequest {
  id: number;
  kind: 'stream';
  /** Which iteration of the loader: a new value starts a new pass over the stream. */
  epoch: number;
  /** That iteration's epoch seed (getWorkerInfo().seed). */
  seed: EpochSeed;
  /** Samples per batch (1 in unbatched mode). */
  take: number;
  dropLast: boolean;
  /** The main thread has room for a batch in shared memory. */
  share: boolean;
}

export type WorkerRequest = BatchRequest | StreamRequest;

/** Where a batch failed: get(index), getItems(indices), the stream's sample `index`, or the collate. */
export type FailedStep = 'get' | 'getItems' | 'stream' | 'collate';

function errorFields(e: unknown): { name: string; message: string; stack: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, stack: err.stack ?? '' };
}

class StreamError extends Error {
  constructor(readonly index: number, readonly original: unknown) {
    super('stream');
  }
}

/** This worker's pass over an iterable dataset: batches of `take` samples, pulled one by one. */
class StreamCursor {
  readonly #it: Iterator<unknown> | AsyncIterator<unknown>;
  #count = 0;
  #done = false;

  constructor(dataset: AnyIterable) {
    const ai = (dataset as AsyncIterable<unknown>)[Symbol.asyncIterator];
    this.#it = typeof ai === 'function' ? ai.call(dataset) : (dataset as Iterable<unknown>)[Symbol.iterator]();
  }

  /** Up to `take` samples (fewer at the end of the stream; none once it is exhausted). */
  async next(take: number, track: Track): Promise<unknown[]> {
    const samples: unknown[] = [];
    while (!this.#done && samples.length < take) {
      track(Step.Stream, this.#count);
      let r: IteratorResult<unknown>;
      try {
        r = await this.#it.next();
      } catch (e) {
        this.#done = true;
        throw new StreamError(this.#count, e);
      }
      if (r.done) this.#done = true;
      else {
        samples.push(r.value);
        this.#count++;
      }
    }
    return samples;
  }
}

async function main(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  let dataset: LoadedDataset;
  try {
    dataset = await loadDataset(init.spec);
  } catch (e) {
    port.postMessage({ type: 'init-error', ...errorFields(e) });
    return;
  }
  const slot = 2 * init.workerId, progress = init.progress;
  const track: Track = (step, index) => {
    Atomics.store(progress, slot + 1, index);
    Atomics.store(progress, slot, step);
  };
  const memory = new SharedBatchMemory(init.sharedBytes);
  let cursor: StreamCursor | null = null, cursorEpoch = -1;
  const answer = async (req: WorkerRequest): Promise<void> => {
    try {
      let batch: unknown;
      setWorkerEpochSeed(req.seed);
      memory.allowed = req.share;
      if (req.kind === 'batch') {
        batch = await fetchBatch(dataset as MapDataset, req.indices, req.position, req.seed, init.mode, true, track, memory);
      } else {
        if (cursorEpoch !== req.epoch) {
          cursor = new StreamCursor(dataset as AnyIterable);
          cursorEpoch = req.epoch;
        }
        const samples = await cursor!.next(req.take, track);
        if (samples.length === 0 || (req.dropLast && samples.length < req.take)) {
          port.postMessage({ type: 'end', id: req.id });
          return;
        }
        batch = finishBatch(samples, init.mode, track, memory);
      }
      const { message, transfer } = pack(batch, memory.fresh);
      port.postMessage({ type: 'batch', id: req.id, batch: message }, transfer);
    } catch (e) {
      let where: FailedStep = 'collate', index: number | readonly number[] | null = null, original = e;
      if (e instanceof SampleError) {
        where = Array.isArray(e.index) ? 'getItems' : 'get';
        index = e.index;
        original = e.original;
      } else if (e instanceof StreamError) {
        where = 'stream';
        index = e.index;
        original = e.original;
      }
      port.postMessage({ type: 'error', id: req.id, where, index, ...errorFields(original) });
    } finally {
      track(Step.Idle, 0);
    }
  };
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    chain = chain.then(() => answer(req));
  });
  port.postMessage({ type: 'ready' });
}

const init = (workerData as { fastgradDataLoader?: WorkerInit } | null)?.fastgradDataLoader;
if (parentPort && init) void main(parentPort, init);
