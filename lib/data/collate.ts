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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function mismatch(at: string, first: unknown, b: number, other: unknown): TypeError {
  return new TypeError(`Expected every sample's ${at} to match sample 0's (${describe(first)}) for collate but sample ${b}'s is ${describe(other)}`);
}

function collateAt(samples: unknown[], at: string): unknown {
  const first = samples[0], B = samples.length;
  if (first instanceof Tensor) {
    const per = first.size, int = first.dtype === 'int32';
    const out = int ? new Int32Array(B * per) : new Float32Array(B * per);
    samples.forEach((s, b) => {
      if (!(s instanceof Tensor) || s.dtype !== first.dtype) throw mismatch(at, first, b, s);
      if (s.size !== per || s.ndim !== first.ndim || s.shape.some((d, k) => d !== first.shape[k])) {
        throw new RangeError(`Expected every sample's ${at} to have shape ${formatShape(first.shape)} (as sample 0's) for collate but sample ${b}'s has shape ${formatShape(s.shape)}`);
      }
      out.set(s.data, b * per);
    });
    return new Tensor(out as Float32Array, [B, ...first.shape]);
  }
  if (first instanceof Float32Array || first instanceof Float64Array) {
    const L = first.length, out = new Float32Array(B * L);
    samples.forEach((s, b) => {
      if (!(s instanceof Float32Array || s instanceof Float64Array)) throw mismatch(at, first, b, s);
      if (s.length !== L) throw new RangeError(`Expected every sample's ${at} to have length ${L} (as sample 0's) for collate but sample ${b}'s has length ${s.length}`);
      out.set(s, b * L);
    });
    return new Tensor(out, [B, L]);
  }
  if (isIntegerArray(first)) {
    const L = first.length, out = new Int32Array(B * L);
    samples.forEach((s, b) => {
      if (!isIntegerArray(s)) throw mismatch(at, first, b, s);
      if (s.length !== L) throw new RangeError(`Expected every sample's ${at} to have length ${L} (as sample 0's) for collate but sample ${b}'s has length ${s.length}`);
      out.set(s, b * L);
    });
    return out;
  }
  if (typeof first === 'number') {
    const out = new Int32Array(B);
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
    return first.map((_, k) => collateAt(samples.map((s) => (s as unknown[])[k]), `${at}[${k}]`));
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
    for (const k of keys) out[k] = collateAt(samples.map((s) => (s as Record<string, unknown>)[k]), `${at}.${k}`);
    return out;
  }
  throw typeError('a Tensor, a typed array, a number, a string, or an array or plain object of those', `sample 0's ${at}`, first);
}

/** Stacks a list of samples into a batch (rules at the top of this file). */
export function defaultCollate(samples: unknown[]): unknown {
  if (!Array.isArray(samples) || samples.length === 0) throw typeError('a non-empty array of samples', 'samples', samples);
  return collateAt(samples, 'value');
}

// ------------------------------------------------------------------------------ transfer packing
// A batch crosses threads as a structured-clone message in which every Tensor is { $tensor: shape,
// data } and every typed array travels in the transfer list (moved, not copied). Arrays that do not own
// their whole buffer (views into a dataset's memory) are copied first, so a transfer never detaches
// memory the worker's dataset still uses.
const TENSOR = '$tensor';

function owned<T extends ArrayBufferView>(a: T, transfer: Set<ArrayBuffer>): T {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !(a.buffer instanceof SharedArrayBuffer);
  const out = whole && !transfer.has(a.buffer as ArrayBuffer) ? a : ((a as unknown as { slice(): T }).slice());
  transfer.add(out.buffer as ArrayBuffer);
  return out;
}

/** The batch as a message and the buffers to transfer with it (fresh copies where the batch does not own them). */
export function pack(v: unknown, transfer: Set<ArrayBuffer> = new Set()): { message: unknown; transfer: ArrayBuffer[] } {
  const walk = (x: unknown): unknown => {
    if (x instanceof Tensor) return { [TENSOR]: x.shape.slice(), data: owned(x.data, transfer) };
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return owned(x, transfer);
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

/** The batch back from pack()'s message (Tensors rebuilt around the transferred buffers). */
export function unpack(m: unknown): unknown {
  if (Array.isArray(m)) return m.map(unpack);
  if (isPlainObject(m)) {
    if (TENSOR in m && Object.keys(m).length === 2) return new Tensor(m.data as Float32Array, m[TENSOR] as number[]); // or an Int32Array: an int32 tensor
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(m)) o[k] = unpack(e);
    return o;
  }
  return m;
}
