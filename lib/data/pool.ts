// The DataLoader's worker threads: start them, send batch requests, match the replies, and turn every
// way a worker can fail (a throwing get(), a module that does not load, an uncaught error, an exit)
// into a rejected request naming the worker, never a hang.
import * as pathLib from 'node:path';
import { Worker } from 'node:worker_threads';
import { unpack } from './collate.js';
import type { CollateMode, EpochSeed } from './fetch.js';
import type { ResolvedSpec, WorkerInit } from './module.js';

/** The worker entry: worker.js beside this file; from TypeScript sources (tests), through tsx. */
function startWorker(workerData: unknown): Worker {
  const entry = pathLib.join(__dirname, `worker${pathLib.extname(__filename)}`);
  if (__filename.endsWith('.ts')) {
    const code = `require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(entry, { workerData });
}

interface Pending {
  worker: number;
  resolve(batch: unknown): void;
  reject(e: Error): void;
}

interface Reply {
  type: 'ready' | 'init-error' | 'batch' | 'error';
  k?: number;
  batch?: unknown;
  index?: number | number[] | null;
  sample?: boolean;
  name?: string;
  message?: string;
  stack?: string;
  length?: number;
}

export class WorkerPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  /** Why a worker is unusable (it crashed or failed to load); null while it is fine. */
  readonly #dead: (Error | null)[] = [];
  #closing = false;

  constructor(spec: ResolvedSpec, numWorkers: number, mode: CollateMode) {
    this.size = numWorkers;
    for (let w = 0; w < numWorkers; w++) {
      const init: WorkerInit = { spec, workerId: w, numWorkers, mode };
      const worker = startWorker({ fastgradDataLoader: init });
      this.#dead.push(null);
      worker.on('message', (m: Reply) => this.#onMessage(w, m));
      worker.on('error', (e: Error) => this.#fail(w, new Error(`DataLoader worker ${w} crashed: ${e.message}`, { cause: e })));
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(w, new Error(`DataLoader worker ${w} exited unexpectedly (exit code ${code})`));
      });
      this.#workers.push(worker);
    }
  }

  #onMessage(w: number, m: Reply): void {
    if (m.type === 'ready') return;
    if (m.type === 'init-error') {
      const e = new Error(`DataLoader worker ${w} could not build its dataset: ${m.name}: ${m.message}`);
      e.stack = `${e.name}: ${e.message}\n  from the worker: ${m.stack}`;
      this.#fail(w, e);
      return;
    }
    const p = this.#pending.get(m.k!);
    if (!p) return;
    this.#pending.delete(m.k!);
    if (m.type === 'batch') {
      p.resolve(unpack(m.batch));
      return;
    }
    const where = m.sample ? (Array.isArray(m.index) ? `dataset.getItems([${m.index.join(', ')}])` : `dataset.get(${m.index})`) : 'collate';
    const e = new Error(`DataLoader worker ${w}: ${where} threw ${m.name}: ${m.message}`);
    Object.assign(e, { workerId: w, index: m.index ?? null });
    e.stack = `${e.name}: ${e.message}\n  from the worker: ${m.stack}`;
    p.reject(e);
  }

  #fail(w: number, e: Error): void {
    if (this.#dead[w]) return;
    this.#dead[w] = e;
    for (const [k, p] of this.#pending) {
      if (p.worker === w) {
        this.#pending.delete(k);
        p.reject(e);
      }
    }
  }

  /** Requests batch k from worker k mod size; the Promise rejects if that worker fails. */
  request(k: number, indices: ArrayLike<number>, position: number, seed: EpochSeed): Promise<unknown> {
    const w = k % this.size;
    const promise = new Promise<unknown>((resolve, reject) => {
      const dead = this.#dead[w];
      if (dead) return reject(dead);
      this.#pending.set(k, { worker: w, resolve, reject });
      this.#workers[w].postMessage({ k, indices: Uint32Array.from(indices), position, seed });
    });
    promise.catch(() => {}); // handled where it is awaited; a batch never awaited (after a break) must not be unhandled
    return promise;
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
    const closed = new Error('DataLoader workers were stopped');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
