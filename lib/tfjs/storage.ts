// Recycled output arrays for the 'fastgrad' tfjs backend. tfjs tells a backend exactly when a
// tensor's data dies (disposeData once its reference count reaches 0, which tf.tidy and model.fit do
// for every intermediate), so the Float32Arrays that fastgrad's kernels allocate come back for the
// next output of the same length instead of paying a fresh allocation's page faults (a fresh 4 MB
// array costs ~15 ms on a VM that returns freed pages to its host; a warm one is written in 0.1 ms).
//
// An array is handed out again only when nothing else can still hold it:
// - it was allocated here (arrays a user passed to tf.tensor() are never recycled);
// - it was stored under exactly one data id, as itself (a second id or a view of it, e.g. a CPU
//   kernel's slice that returns a subarray, keeps it out of the pool for good);
// - it never left the backend: readSync/read (tensor.dataSync(), tensor.data()) hand the array
//   itself to the caller, so an array that was read is never recycled either.

interface Owned {
  /** Data entries currently holding the array. */
  live: number;
  /** Held elsewhere (read out, stored twice, viewed): never recycled. */
  escaped: boolean;
}

/** The default bound on the bytes the pool keeps (larger releases go to the garbage collector). */
export const DEFAULT_POOL_BYTES = 256 * 1024 * 1024;

export class StoragePool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakMap<ArrayBufferLike, Owned>();
  private held = 0;

  constructor(private readonly maxBytes = DEFAULT_POOL_BYTES) {}

  /** Bytes held for reuse now. */
  get bytes(): number {
    return this.held;
  }

  /** An array of n floats with unspecified contents (the caller overwrites every element). */
  alloc(n: number): Float32Array {
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.held -= reused.byteLength;
      if (list!.length === 0) this.free.delete(n);
    }
    const a = reused ?? new Float32Array(n);
    this.owned.set(a.buffer, { live: 0, escaped: false });
    return a;
  }

  /** A data entry now holds `values`. */
  stored(values: unknown): void {
    const o = this.entry(values);
    if (!o) return;
    if (o.live > 0 || !this.whole(values as Float32Array)) o.escaped = true;
    o.live++;
  }

  /** `values` was handed out of the backend (tensor.dataSync() / data()). */
  escaped(values: unknown): void {
    const o = this.entry(values);
    if (o) o.escaped = true;
  }

  /** A data entry holding `values` was deleted: recycle the array when nothing else can hold it. */
  released(values: unknown): void {
    const o = this.entry(values);
    if (!o) return;
    o.live--;
    if (o.live > 0 || o.escaped) return;
    const a = values as Float32Array;
    this.owned.delete(a.buffer);
    if (!this.whole(a) || this.held + a.byteLength > this.maxBytes) return;
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    list.push(a);
    this.held += a.byteLength;
  }

  /** Drops every pooled array (they go to the garbage collector). */
  clear(): void {
    this.free.clear();
    this.held = 0;
  }

  private entry(values: unknown): Owned | undefined {
    return ArrayBuffer.isView(values) ? this.owned.get(values.buffer) : undefined;
  }

  /** The array spans its whole buffer (it is the allocation, not a view into it). */
  private whole(a: Float32Array): boolean {
    return a instanceof Float32Array && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  }
}
