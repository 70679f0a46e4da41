// Batches from workers in shared memory, bounded.
//
// A worker's default collate writes each batch into fresh SharedArrayBuffers (one per array, never
// reused: the worker forgets them once sent, so a batch the caller keeps stays intact) and sends them
// shared, not transferred. Why: V8 counts a transferred ArrayBuffer as external memory of the isolate
// that receives it, and on the main thread, whose heap is small, ~20 MB of received batches started a
// mark-compact (its marking on V8's helper threads, on the cores the training step and the workers
// need); shared memory is not counted, by either thread.
//
// Because it is not counted, nothing would hurry the collection of shared memory that is no longer
// used: it is freed once both threads have collected their SharedArrayBuffer objects (a dropped batch's
// object dies at the next collection, a scavenge included). So each side counts the shared batch bytes
// it made or received since its last collection (a `gc` PerformanceObserver resets the count); past
// `limit` (SHARED_BATCH_BYTES, as V8's own 64 MB allowance of external memory), the worker makes
// ordinary arrays and transfers them, which count as before and bring on the collection that resets it.
// (A FinalizationRegistry cannot keep this account: V8's scavenges treat its targets as live, so every
// registered batch would wait for a mark-compact, the very collection this avoids.)
import { PerformanceObserver } from 'node:perf_hooks';
import type { BatchMemory } from './collate.js';

/** Shared batch bytes a thread may make or receive between two of its collections before batches are transferred instead. */
export const SHARED_BATCH_BYTES = 64 * 2 ** 20;

let limitBytes = SHARED_BATCH_BYTES;

/** The limit new DataLoader workers get (tests lower it to see the fallback; 0: batches always transferred). */
export function sharedBatchLimit(bytes?: number): number {
  if (bytes !== undefined) limitBytes = bytes;
  return limitBytes;
}

/** Shared batch bytes made or received on this thread since its last garbage collection. */
export class SharedAccount {
  #bytes = 0;
  #observer: PerformanceObserver | null = null;

  constructor(readonly limit: number) {
    if (limit <= 0) return;
    this.#observer = new PerformanceObserver(() => {
      this.#bytes = 0;
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Whether another `bytes` fit under the limit. */
  fits(bytes: number): boolean {
    return this.limit > 0 && this.#bytes + bytes <= this.limit;
  }

  add(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Stops listening for collections. */
  close(): void {
    this.#observer?.disconnect();
    this.#observer = null;
  }
}

/** A worker's batch memory: fresh shared memory while both threads' accounts have room, ordinary arrays otherwise. */
export class SharedBatchMemory implements BatchMemory {
  readonly #account: SharedAccount;
  readonly #fresh = new WeakSet<ArrayBufferLike>();
  /** The main thread's say for the batch being made (its account has room). */
  allowed = true;

  constructor(limit: number) {
    this.#account = new SharedAccount(limit);
  }

  #shared(bytes: number): SharedArrayBuffer | null {
    if (!this.allowed || bytes === 0 || !this.#account.fits(bytes)) return null;
    const sab = new SharedArrayBuffer(bytes);
    this.#account.add(bytes);
    this.#fresh.add(sab);
    return sab;
  }

  f32(n: number): Float32Array {
    const sab = this.#shared(4 * n);
    return sab ? new Float32Array(sab) : new Float32Array(n);
  }

  i32(n: number): Int32Array {
    const sab = this.#shared(4 * n);
    return sab ? new Int32Array(sab) : new Int32Array(n);
  }

  /** Whether `b` is shared memory this allocator made and has not sent yet (collate.ts pack() shares it, once). */
  readonly fresh = (b: ArrayBufferLike): boolean => this.#fresh.delete(b);
}
