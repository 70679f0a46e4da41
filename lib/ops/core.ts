// What every op shares: dispatch by size, fresh outputs, dims, and whether to record a tape node.
import { emptyF32, zerosF32 } from '../backend/buffers.js';
import { stridedCopy } from '../backend/js/broadcast.js';
import { jsKernels } from '../backend/js/index.js';
import { BROADCAST_MAX_RANK } from '../backend/spec/elementwise.js';
import type { Kernels } from '../backend/kernels.js';
import { kernels } from '../backend/select.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { rangeError, typeError } from '../validate.js';

/**
 * Below SMALL elements a cheap streaming op (add, mul, relu, neg, a copy) runs on the TypeScript kernels
 * whatever the backend: both give the same bits (docs/numerics.md), and a native call's fixed cost
 * (~0.1-0.3 µs) exceeds the math.
 */
export const SMALL = 256;

/**
 * Per kernel kind, the size from which the native kernel beats its TypeScript twin (bench/crossover.ts,
 * docs/bench.md "Small calls"): a cheap streaming op from 256 elements; a transcendental map (exp, log,
 * sigmoid, tanh) or a softmax costs several ns per element in TypeScript, so the native call's fixed
 * cost is repaid from 16; a reduction (sum from 16, max from 64) from 64.
 */
export const SMALL_FOR = { streaming: SMALL, transcendental: 16, reduce: 64, softmax: 16 } as const;
export type KernelKind = keyof typeof SMALL_FOR;

/**
 * V8 keeps a typed array of at most 64 bytes (16 floats) inside its own heap; handing one to a native
 * call makes V8 move it into a new backing store first (an allocation and a copy, ~0.3-1 µs), which
 * costs more than any kernel's math on 16 elements.
 */
const ON_HEAP_FLOATS = 16;

/** The kernels for an op of this kind on n elements (dispatch by size: same bits either way). */
export function kfor(n: number, kind: KernelKind = 'streaming'): Kernels {
  const k = kernels(); // always asked: the backend's first use is what prints the loader's fallback notice
  return n <= ON_HEAP_FLOATS || n < SMALL_FOR[kind] ? jsKernels : k;
}

function sizeOf(shape: readonly number[], n: number | undefined): number {
  if (n !== undefined) return n;
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i];
  return size;
}

/** A new float32 tensor of this shape filled with zeros (its array from the buffer cache when one is free). */
export function fresh(shape: readonly number[], n?: number): Tensor {
  return makeTensor(zerosF32(sizeOf(shape, n)), shape);
}

/**
 * A new float32 tensor of this shape with unspecified values (torch.empty): only for outputs the kernel
 * writes in full. Its array comes from the buffer cache when one is free (docs/memory.md).
 */
export function empty(shape: readonly number[], n?: number): Tensor {
  return makeTensor(emptyF32(sizeOf(shape, n)), shape);
}

/**
 * out (row-major over shape) = x read from offset x0 with per-dim element strides: the elementwise
 * family's strided copy (native when native, by size) when the last dim is strided (permute,
 * transpose); the TypeScript kernel when rows are contiguous (expand, narrow, cat: one
 * TypedArray.set per row, measured 0.56 ms against 2.6 ms for the native kernel on 2 threads writing
 * a new 4 MB output on the 2-core EPYC under load) and for int32.
 */
export function copyStrided(x: Float32Array | Int32Array, sx: readonly number[], out: Float32Array | Int32Array, shape: readonly number[], x0 = 0): void {
  const r = shape.length;
  if (x instanceof Float32Array && out instanceof Float32Array && r > 0 && r <= BROADCAST_MAX_RANK && sx[r - 1] !== 1) {
    const g = new Int32Array(2 + 2 * r);
    g[0] = r;
    g[1] = x0;
    for (let d = 0; d < r; d++) {
      g[2 + d] = shape[d];
      g[2 + r + d] = sx[d];
    }
    kfor(out.length).elementwise.stridedCopy(x, out, g);
    return;
  }
  stridedCopy(x, sx, out, shape, x0);
}

/** Whether an op over these inputs records a node: grad mode on and some input requires grad. */
export function needs1(a: Tensor): boolean {
  return a._req && isGradEnabled();
}

export function needs2(a: Tensor, b: Tensor | null | undefined): boolean {
  return (a._req || (b != null && b._req)) && isGradEnabled();
}

export function needsAny(ts: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of ts) if (t._req) return true;
  return false;
}

/** A dim in [-ndim, ndim - 1] as a non-negative index (torch's message names the valid range). */
export function normDim(d: unknown, ndim: number, name = 'dim', op = ''): number {
  if (typeof d !== 'number') throw typeError('an integer', name, d);
  const lo = -Math.max(ndim, 1), hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(d) || d < lo || d > hi) {
    throw new RangeError(`Dimension out of range${op ? ` for ${op}` : ''} (expected ${name} to be in range of [${lo}, ${hi}], but got ${d})`);
  }
  return d < 0 ? d + Math.max(ndim, 1) : d;
}

/** Sorted, distinct, non-negative dims from a dim or a list of dims. */
export function normDims(dims: unknown, ndim: number, op: string): number[] {
  const list = Array.isArray(dims) ? dims : [dims];
  const out: number[] = [];
  for (const d of list) {
    const k = ndim === 0 ? (normDim(d, 0, 'dim', op), 0) : normDim(d, ndim, 'dim', op);
    if (ndim === 0) continue;
    if (out.includes(k)) throw rangeError(`distinct dims for ${op}`, 'dim', dims);
    out.push(k);
  }
  return out.sort((a, b) => a - b);
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
