// The buffer cache of tensor storage (docs/memory.md). A fresh Float32Array of 1e5 elements costs
// ~2 ms of page faults on a VM that hands freed pages back to its host (measured: 110x the 18 µs of
// filling a warm one), and V8 frees ArrayBuffers only at GC. So storage the library can PROVE dead is
// recycled here and handed to the next op asking for that exact length:
//
//  - the backward engine's gradient temporaries (a node's consumed output gradient, a contribution
//    summed into another buffer, a leaf's total added into an existing .grad), never one a hook saw,
//    one a node outside lib/ops may keep, or one that another tensor still views;
//  - temporaries an op made and consumed itself (e.g. the product a broadcast gradient sums back).
//
// Nothing a user can hold is recycled: not op results (the user may keep the tensor or its `.data`),
// not .grad, not saved tensors (the user may hold them too). FinalizationRegistry callbacks, WeakRef
// and N-API finalizers all wait for the event loop, which a synchronous training loop never yields to,
// so they cannot feed the cache; see docs/memory.md for what was measured.
//
// Storage the library cannot prove dead (a result the caller drops) is freed by V8 at a collection.
// Two things keep the next array of that size cheap (docs/memory.md): a cache miss of emptyF32 takes
// uninitialised memory (Buffer.allocUnsafeSlow: no zeroing pass over memory the kernel overwrites), and
// when the addon loads, glibc is told to keep freed blocks in its heap (attachAllocator: mallopt), so
// the memory of collected tensors is reused warm instead of being new pages.
//
// Bounded: at most `limitBytes` (FASTGRAD_CACHE_MB, default 256 MB; 0 turns the cache off) held;
// beyond that a recycled buffer is left to GC. fg.emptyCache() drops everything held;
// backendInfo().cache reports it.

/** Arrays shorter than this are not cached (small allocations come from warm malloc bins anyway). */
export const CACHE_MIN = 1024;

const free = new Map<number, Float32Array[]>();
/** Arrays in the cache now: a second recycle of the same array is refused (it would be handed out twice). */
const inCache = new WeakSet<Float32Array>();
let held = 0;
let count = 0;
let hits = 0;
let misses = 0;
let limit = initialLimit();

function initialLimit(): number {
  const v = process.env.FASTGRAD_CACHE_MB;
  if (v === undefined || v === '') return 256 * 2 ** 20;
  const mb = Number(v);
  if (!Number.isFinite(mb) || mb < 0) throw new RangeError(`Expected a non-negative number of megabytes for FASTGRAD_CACHE_MB but received ${JSON.stringify(v)}`);
  return Math.floor(mb * 2 ** 20);
}

/** The allocator controls of the native addon (glibc's mallopt and malloc_trim), when it loaded. */
export interface AllocatorControls {
  mallocTune?(megabytes: number): number;
  mallocRelease?(): void;
  mallocFreeBytes?(): number;
}

let allocator: AllocatorControls | null = null;
let mallocTuned = false;

/**
 * Called once by the loader when the addon loads: tells glibc to keep up to the cache's limit of freed
 * memory warm. Not when the cache is off (FASTGRAD_CACHE_MB=0) or the user set glibc's own
 * MALLOC_*_THRESHOLD_ / MALLOC_TOP_PAD_ variables (theirs win).
 */
export function attachAllocator(a: AllocatorControls): void {
  allocator = a;
  const env = process.env;
  const own = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_'].some((k) => env[k] !== undefined);
  if (limit > 0 && !own && typeof a.mallocTune === 'function') {
    mallocTuned = a.mallocTune(Math.min(2047, Math.max(1, Math.round(limit / 2 ** 20)))) === 1;
  }
}

/** Uninitialised storage for n floats: no zeroing pass (the caller writes every element). */
const uninit: (n: number) => Float32Array =
  typeof Buffer === 'function' && typeof Buffer.allocUnsafeSlow === 'function'
    ? (n) => new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n)
    : (n) => new Float32Array(n);

/** A Float32Array of length n whose contents are unspecified (a recycled one when cached). */
export function emptyF32(n: number): Float32Array {
  if (n >= CACHE_MIN) {
    const list = free.get(n);
    if (list !== undefined && list.length > 0) {
      const a = list.pop()!;
      inCache.delete(a);
      held -= a.byteLength;
      count--;
      hits++;
      return a;
    }
    misses++;
    return uninit(n);
  }
  return new Float32Array(n);
}

/** A Float32Array of length n filled with zeros (a recycled one cleared when cached). */
export function zerosF32(n: number): Float32Array {
  if (n >= CACHE_MIN) {
    const list = free.get(n);
    if (list !== undefined && list.length > 0) return emptyF32(n).fill(0);
    misses++;
  }
  return new Float32Array(n);
}

/**
 * Gives a dead array back. The caller proves nothing else references it (no tensor, no view, no user
 * code). Arrays that are views into a larger buffer, too small, already cached, or over the limit are
 * left to GC.
 */
export function recycleF32(a: Float32Array | null | undefined): void {
  if (a == null || a.length < CACHE_MIN || a.byteOffset !== 0 || a.buffer.byteLength !== a.byteLength) return;
  if (inCache.has(a) || held + a.byteLength > limit) return;
  inCache.add(a);
  let list = free.get(a.length);
  if (list === undefined) free.set(a.length, (list = []));
  list.push(a);
  held += a.byteLength;
  count++;
}

/** What backendInfo().cache reports. */
export interface CacheInfo {
  /** Bytes held by cached (free) buffers now. */
  bytes: number;
  /** Buffers held now. */
  buffers: number;
  /** The most bytes the cache holds (FASTGRAD_CACHE_MB; 0: off). */
  limitBytes: number;
  /** Requests (of cacheable size) served from the cache / not, since the process started. */
  hits: number;
  misses: number;
  /** Whether glibc keeps freed tensor memory warm (attachAllocator). */
  mallocTuned: boolean;
  /** Bytes free inside the malloc heap now, kept for the next arrays (-1 where unknown or no addon). */
  mallocFreeBytes: number;
}

export function cacheInfo(): CacheInfo {
  const mallocFreeBytes = allocator?.mallocFreeBytes?.() ?? -1;
  return { bytes: held, buffers: count, limitBytes: limit, hits, misses, mallocTuned, mallocFreeBytes };
}

/**
 * Releases every cached buffer to GC and the malloc heap's free pages to the kernel (torch.cuda.empty_cache's
 * name). Tensors in use are untouched.
 */
export function emptyCache(): void {
  dropCached();
  allocator?.mallocRelease?.();
}

function dropCached(): void {
  for (const list of free.values()) for (const a of list) inCache.delete(a);
  free.clear();
  held = 0;
  count = 0;
}

/** @internal Sets the limit (tests); returns the previous one. Lowering it drops what no longer fits. */
export function setCacheLimit(bytes: number): number {
  const prev = limit;
  limit = bytes;
  if (held > limit) dropCached();
  return prev;
}
