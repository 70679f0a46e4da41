// The DataLoader's worker threads: start them, send requests, match the replies, and turn every way a
// worker can fail (a throwing get(), a module that does not load, an uncaught error, an exit, a batch
// later than the timeout) into a rejected request naming the worker, never a hang.
import * as pathLib from 'node:path';
import { Worker } from 'node:worker_threads';
import { unpack } from './collate.js';
import { Step, type CollateMode, type EpochSeed } from './fetch.js';
import type { ResolvedSpec, WorkerInit } from './module.js';
import { SharedAccount, sharedBatchLimit } from './shared.js';
import type { FailedStep, WorkerRequest } from './worker.js';

/**
 * The worker entry: worker.js beside this file; from TypeScript sources (tests), through tsx. Its
 * fastgrad kernels run on one thread (FASTGRAD_NUM_THREADS=1 in its environment, whatever the
 * process's; as torch sets one thread in its workers): several workers each threading their kernels
 * over every core would oversubscribe them. A dataset's factory may call fg.setNumThreads in its worker.
 */
function startWorker(workerData: unknown): Worker {
  const entry = pathLib.join(__dirname, `worker${pathLib.extname(__filename)}`);
  const env = { ...process.env, FASTGRAD_NUM_THREADS: '1' };
  if (__filename.endsWith('.ts')) {
    const code = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`;
    return new Worker(code, { eval: true, workerData, env });
  }
  return new Worker(entry, { workerData, env });
}

/** What a stream request resolves to when that worker's stream is exhausted. */
export const END_OF_STREAM: unique symbol = Symbol('end of stream');

type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id' | 'share'> : never) : never;

interface Pending {
  worker: number;
  req: Request;
  resolve(batch: unknown): void;
  reject(e: Error): void;
}

interface Reply {
  type: 'ready' | 'init-error' | 'batch' | 'end' | 'error';
  id?: number;
  batch?: unknown;
  where?: FailedStep;
  index?: number | number[] | null;
  name?: string;
  message?: string;
  stack?: string;
}

function describeStep(where: FailedStep, index: number | readonly number[] | null): string {
  if (where === 'get') return `dataset.get(${index})`;
  if (where === 'getItems') return `dataset.getItems([${(index as number[]).join(', ')}])`;
  if (where === 'stream') return `the dataset's iterator (sample ${index} of this worker's stream)`;
  return 'collate';
}

export class WorkerPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  /** Why a worker is unusable (it crashed or failed to load); null while it is fine. */
  readonly #dead: (Error | null)[] = [];
  /** Resolves when the worker has built its dataset, rejects if it fails first. */
  readonly #ready: Promise<void>[] = [];
  readonly #readyResolve: (() => void)[] = [];
  readonly #readyReject: ((e: Error) => void)[] = [];
  /** [step, index] per worker, written by the workers (see fetch.ts Step). */
  readonly #progress: Int32Array;
  /** The initTimeout timers of the workers not ready yet. */
  readonly #initTimers: (NodeJS.Timeout | undefined)[] = [];
  readonly #isReady: boolean[] = [];
  /** The shared batch bytes received since this thread's last collection (shared.ts); a request says whether another batch fits. */
  readonly #shared: SharedAccount;
  /** The largest batch received in shared memory so far (the room a request asks for). */
  #batchBytes = 0;
  #nextId = 0;
  #closing = false;

  /** `initTimeoutMs` > 0: a worker that has not built its dataset by then fails (see DataLoaderOptions.initTimeout). */
  constructor(spec: ResolvedSpec, numWorkers: number, mode: CollateMode, seed: EpochSeed, initTimeoutMs = 0) {
    this.size = numWorkers;
    this.#progress = new Int32Array(new SharedArrayBuffer(8 * numWorkers));
    const sharedBytes = sharedBatchLimit();
    this.#shared = new SharedAccount(sharedBytes);
    for (let w = 0; w < numWorkers; w++) {
      const ready = new Promise<void>((resolve, reject) => {
        this.#readyResolve.push(resolve);
        this.#readyReject.push(reject);
      });
      ready.catch(() => {});
      this.#ready.push(ready);
      const init: WorkerInit = { spec, workerId: w, numWorkers, mode, progress: this.#progress, seed, sharedBytes };
      const worker = startWorker({ fastgradDataLoader: init });
      this.#dead.push(null);
      worker.on('message', (m: Reply) => this.#onMessage(w, m));
      worker.on('error', (e: Error) => this.#fail(w, new Error(`DataLoader worker ${w} crashed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        if (this.#closing) return;
        // a factory whose Promise never settles, with nothing else keeping the thread alive, ends it with code 0
        const why = this.#isReady[w] ? '' : code === 0 ? " before building its dataset: the factory's Promise never settled and nothing kept the thread alive" : ' before building its dataset';
        this.#fail(w, new Error(`DataLoader worker ${w} exited unexpectedly${why} (exit code ${code})`));
      });
      this.#workers.push(worker);
      if (initTimeoutMs > 0) {
        this.#initTimers.push(setTimeout(() => {
          const e = new Error(`DataLoader worker ${w} timed out after ${initTimeoutMs} ms building its dataset (loading ${spec.specifier} and running its factory)`);
          Object.assign(e, { workerId: w, index: null });
          this.#fail(w, e);
        }, initTimeoutMs));
      }
    }
  }

  #clearInitTimer(w: number): void {
    clearTimeout(this.#initTimers[w]);
    this.#initTimers[w] = undefined;
  }

  #onMessage(w: number, m: Reply): void {
    if (m.type === 'ready') {
      this.#clearInitTimer(w);
      this.#isReady[w] = true;
      this.#readyResolve[w]();
      return;
    }
    if (m.type === 'init-error') {
      const e = new Error(`DataLoader worker ${w} could not build its dataset: ${m.name}: ${m.message}`);
      e.stack = `${e.name}: ${e.message}\n  from the worker: ${m.stack}`;
      this.#fail(w, e);
      return;
    }
    const p = this.#pending.get(m.id!);
    if (!p) return;
    this.#pending.delete(m.id!);
    if (m.type === 'batch') {
      let bytes = 0;
      const batch = unpack(m.batch, (a) => {
        bytes += a.byteLength;
      });
      this.#shared.add(bytes);
      if (bytes > this.#batchBytes) this.#batchBytes = bytes;
      p.resolve(batch);
      return;
    }
    if (m.type === 'end') {
      p.resolve(END_OF_STREAM);
      return;
    }
    const e = new Error(`DataLoader worker ${w}: ${describeStep(m.where!, m.index ?? null)} threw ${m.name}: ${m.message}`);
    Object.assign(e, { workerId: w, index: m.index ?? null });
    e.stack = `${e.name}: ${e.message}\n  from the worker: ${m.stack}`;
    p.reject(e);
  }

  #fail(w: number, e: Error): void {
    if (this.#dead[w]) return;
    this.#dead[w] = e;
    this.#clearInitTimer(w);
    this.#readyReject[w](e);
    for (const [id, p] of this.#pending) {
      if (p.worker === w) {
        this.#pending.delete(id);
        p.reject(e);
      }
    }
  }

  /** Sends a request to worker w; the Promise rejects if that worker fails. */
  request(w: number, req: Request): Promise<unknown> {
    const id = this.#nextId++;
    const promise = new Promise<unknown>((resolve, reject) => {
      const dead = this.#dead[w];
      if (dead) return reject(dead);
      this.#pending.set(id, { worker: w, req, resolve, reject });
      const share = this.#shared.fits(this.#batchBytes);
      this.#workers[w].postMessage({ ...req, id, share });
    });
    promise.catch(() => {}); // handled where it is awaited; a batch never awaited (after a break) must not be unhandled
    pendingOf.set(promise, { worker: w, req });
    return promise;
  }

  /**
   * Waits for a request's reply. With `timeoutMs` > 0, the clock starts once worker w has built its
   * dataset (building it is not a get()); a reply later than that rejects with an error naming the
   * worker and what it was doing (read from the shared progress slots, so it works while the worker's
   * thread is blocked). The caller stops the workers.
   */
  async wait(promise: Promise<unknown>, timeoutMs: number): Promise<unknown> {
    if (!(timeoutMs > 0)) return promise;
    const meta = pendingOf.get(promise)!;
    const w = meta.worker;
    await Promise.race([this.#ready[w], promise]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#timeoutError(w, meta.req, timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #timeoutError(w: number, req: Request, ms: number): Error {
    const step = Atomics.load(this.#progress, 2 * w), at = Atomics.load(this.#progress, 2 * w + 1);
    let where: string, index: number | number[] | null = null;
    if (step === Step.Get) where = `in dataset.get(${(index = at)})`;
    else if (step === Step.GetItems && req.kind === 'batch') where = `in dataset.getItems([${(index = Array.from(req.indices)).join(', ')}])`;
    else if (step === Step.Stream) where = `waiting for sample ${(index = at)} of its stream from the dataset's iterator`;
    else if (step === Step.Collate) where = 'in collate';
    else where = 'before its batch arrived';
    const e = new Error(`DataLoader worker ${w} timed out after ${ms} ms ${where}`);
    Object.assign(e, { workerId: w, index });
    return e;
  }

  /** Whether every worker is still usable (a pool with a failed worker is not reused). */
  get healthy(): boolean {
    return !this.#closing && this.#dead.every((d) => d === null);
  }

  /** Keep the process alive while a request is outstanding (ref) or let it exit (unref) between epochs. */
  ref(on: boolean): void {
    for (const w of this.#workers) (on ? w.ref() : w.unref());
  }

  /** Stops every worker and rejects what is still pending. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (let w = 0; w < this.size; w++) this.#clearInitTimer(w);
    const closed = new Error('DataLoader workers were stopped');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    this.#shared.close();
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Which worker and request a promise from request() stands for (for wait()). */
const pendingOf = new WeakMap<Promise<unknown>, { worker: number; req: Request }>();
