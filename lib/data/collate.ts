// The default collate (torch's default_collate, for fastgrad's sample types) and the packing of a
// batch into transferable buffers for a worker's postMessage.
//
// defaultCollate(samples), by the type of the first sample:
//   Tensor of shape S                 -> Tensor [B, ...S] of the same dtype (all samples of shape S)
//   Float32Array / Float64Array (L)   -> Tensor [B, L] (float64 rounded to binary32)
//   integer typed array (L)           -> Int32Array of B × L (labels; B × 1 -> B)
//   number                            -> Int32Array [B]: a number is a class label; real-valued targets
//                                        are a Float32Array or a Tensor (RangeError otherwise)
//   string                            -> the array of strings
//   array (a tuple)                   -> an array: the collate of each position
//   plain object                      -> an object: the collate of each key
import { Tensor, formatShape } from '../tensor.js';
import { describe, typeError } from '../validate.js';
import { isIntegerArray } from './dataset.js';

export type Collate = (samples: unknown[]) => unknown;

/**
 * Where the default collate puts a batch's arrays: ordinary typed arrays on the main thread; in a
 * worker, fresh shared memory (worker.ts SharedBatchMemory) that crosses to the main thread without
 * adding to either thread's external-memory count (see pack()).
 */
export interface BatchMemory {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
}

const ordinary: BatchMemory = { f32: (n) => new Float32Array(n), i32: (n) => new Int32Array(n) };

type Elements = Float32Array | Int32Array;

/**
 * out.set(src, offset), fast into shared memory too: V8 copies into a SharedArrayBuffer-backed
 * Float32Array or Int32Array element by element (as a loop of stores does), ~40x slower than into an
 * ordinary array (~0.75 ms for a 64 × 784 float batch), but bytes between Uint8Array views are copied
 * as a block; so same-typed data is copied as bytes (a converting copy, Float64Array into Float32Array
 * say, converts into an ordinary array first).
 */
function copyInto(out: Elements, src: ArrayLike<number> & ArrayBufferView, offset: number): void {
  if (!(out.buffer instanceof SharedArrayBuffer)) {
    out.set(src, offset);
    return;
  }
  const same = src.constructor === out.constructor ? (src as Elements) : (out.constructor as typeof Float32Array | typeof Int32Array).from(src);
  new Uint8Array(out.buffer, out.byteOffset + 4 * offset, same.byteLength).set(new Uint8Array(same.buffer, same.byteOffset, same.byteLength));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function mismatch(at: string, first: unknown, b: number, other: unknown): TypeError {
  return new TypeError(`Expected every sample's ${at} to match sample 0's (${describe(first)}) for collate but sample ${b}'s is ${describe(other)}`);
}

function collateAt(samples: unknown[], at: string, mem: BatchMemory): unknown {
  const first = samples[0], B = samples.length;
  if (first instanceof Tensor) {
    const per = first.size, int = first.dtype === 'int32';
    const out = int ? mem.i32(B * per) : mem.f32(B * per);
    samples.forEach((s, b) => {
      if (!(s instanceof Tensor) || s.dtype !== first.dtype) throw mismatch(at, first, b, s);
      if (s.size !== per || s.ndim !== first.ndim || s.shape.some((d, k) => d !== first.shape[k])) {
        throw new RangeError(`Expected every sample's ${at} to have shape ${formatShape(first.shape)} (as sample 0's) for collate but sample ${b}'s has shape ${formatShape(s.shape)}`);
      }
      copyInto(out, s.data, b * per);
    });
    return new Tensor(out as Float32Array, [B, ...first.shape]);
  }
  if (first instanceof Float32Array || first instanceof Float64Array) {
    const L = first.length, out = mem.f32(B * L);
    samples.forEach((s, b) => {
      if (!(s instanceof Float32Array || s instanceof Float64Array)) throw mismatch(at, first, b, s);
      if (s.length !== L) throw new RangeError(`Expected every sample's ${at} to have length ${L} (as sample 0's) for collate but sample ${b}'s has length ${s.length}`);
      copyInto(out, s, b * L);
    });
    return new Tensor(out, [B, L]);
  }
  if (isIntegerArray(first)) {
    const L = first.length, out = mem.i32(B * L);
    samples.forEach((s, b) => {
      if (!isIntegerArray(s)) throw mismatch(at, first, b, s);
      if (s.length !== L) throw new RangeError(`Expected every sample's ${at} to have length ${L} (as sample 0's) for collate but sample ${b}'s has length ${s.length}`);
      copyInto(out, s as ArrayLike<number> & ArrayBufferView, b * L);
    });
    return out;
  }
  if (typeof first === 'number') {
    const out = mem.i32(B);
    samples.forEach((s, b) => {
      if (typeof s !== 'number') throw mismatch(at, first, b, s);
      if (!Number.isInteger(s) || s < -2147483648 || s > 2147483647) {
        throw new RangeError(`Expected an int32 class label (a number) for sample ${b}'s ${at} but received ${describe(s)}; return a Float32Array or a Tensor for real values`);
      }
      out[b] = s;
    });
    return out;
  }
  if (typeof first === 'string') {
    return samples.map((s, b) => {
      if (typeof s !== 'string') throw mismatch(at, first, b, s);
      return s;
    });
  }
  if (Array.isArray(first)) {
    samples.forEach((s, b) => {
      if (!Array.isArray(s)) throw mismatch(at, first, b, s);
      if (s.length !== first.length) throw new RangeError(`Expected every sample's ${at} to have ${first.length} entries (as sample 0's) for collate but sample ${b}'s has ${s.length}`);
    });
    return first.map((_, k) => collateAt(samples.map((s) => (s as unknown[])[k]), `${at}[${k}]`, mem));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    samples.forEach((s, b) => {
      if (!isPlainObject(s)) throw mismatch(at, first, b, s);
      if (Object.keys(s).length !== keys.length || keys.some((k) => !(k in s))) {
        throw new RangeError(`Expected every sample's ${at} to have the keys ${keys.join(', ')} (as sample 0's) for collate but sample ${b}'s has ${Object.keys(s).join(', ')}`);
      }
    });
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collateAt(samples.map((s) => (s as Record<string, unknown>)[k]), `${at}.${k}`, mem);
    return out;
  }
  throw typeError('a Tensor, a typed array, a number, a string, or an array or plain object of those', `sample 0's ${at}`, first);
}

/** Stacks a list of samples into a batch (rules at the top of this file). */
export function defaultCollate(samples: unknown[]): unknown {
  return collateWith(samples, ordinary);
}

/** defaultCollate with the batch's arrays from `mem`. */
export function collateWith(samples: unknown[], mem: BatchMemory): unknown {
  if (!Array.isArray(samples) || samples.length === 0) throw typeError('a non-empty array of samples', 'samples', samples);
  return collateAt(samples, 'value', mem);
}

// ------------------------------------------------------------------------------ transfer packing
// A batch crosses threads as a structured-clone message in which every Tensor is { $tensor: shape,
// data }. An array in fresh shared memory that the worker's collate made for this batch alone (`fresh`)
// is shared as it is: the worker never touches it again, so the main thread has it to itself, and
// shared memory does not count as external memory for V8's collection heuristics (transferred batches
// did: on the main thread they started a mark-compact every ~20 MB received). Every other typed array
// travels in the transfer list (moved, not copied); arrays that do not own their whole buffer (views
// into a dataset's memory) and other shared memory (the dataset's own) are copied first, so a transfer
// never detaches, and the main thread never shares, memory the worker's dataset still uses.
const TENSOR = '$tensor';

function owned<T extends ArrayBufferView>(a: T, transfer: Set<ArrayBuffer>, fresh: (b: ArrayBufferLike) => boolean): T {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  if (whole && a.buffer instanceof SharedArrayBuffer && fresh(a.buffer)) return a;
  const out = whole && !(a.buffer instanceof SharedArrayBuffer) && !transfer.has(a.buffer as ArrayBuffer) ? a : ((a as unknown as { slice(): T }).slice());
  transfer.add(out.buffer as ArrayBuffer);
  return out;
}

/**
 * The batch as a message and the buffers to transfer with it (fresh copies where the batch does not
 * own them; arrays in the shared memory that `fresh` names are shared, neither copied nor transferred).
 */
export function pack(v: unknown, fresh: (b: ArrayBufferLike) => boolean = () => false): { message: unknown; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const walk = (x: unknown): unknown => {
    if (x instanceof Tensor) return { [TENSOR]: x.shape.slice(), data: owned(x.data, transfer, fresh) };
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return owned(x, transfer, fresh);
    if (Array.isArray(x)) return x.map(walk);
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(x)) o[k] = walk(e);
      return o;
    }
    return x;
  };
  const message = walk(v);
  return { message, transfer: [...transfer] };
}

/**
 * The batch back from pack()'s message (Tensors rebuilt around the transferred or shared buffers);
 * `onShared` hears each typed array in shared memory.
 */
export function unpack(m: unknown, onShared?: (a: ArrayBufferView) => void): unknown {
  if (ArrayBuffer.isView(m)) {
    if (onShared && m.buffer instanceof SharedArrayBuffer) onShared(m);
    return m;
  }
  if (Array.isArray(m)) return m.map((e) => unpack(e, onShared));
  if (isPlainObject(m)) {
    if (TENSOR in m && Object.keys(m).length === 2) return new Tensor(unpack(m.data, onShared) as Float32Array, m[TENSOR] as number[]); // or an Int32Array: an int32 tensor
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(m)) o[k] = unpack(e, onShared);
    return o;
  }
  return m;
}
