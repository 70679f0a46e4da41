// Tensor: a Float32Array (or Int32Array for indices) with a shape (row-major, contiguous), and, when it
// requires grad, the tape node that made it (docs/autograd.md). Parameter: a leaf Tensor that requires
// grad by default. The ops (add, sum, matmul, reshape, ...) are installed as methods by lib/ops/methods.ts
// and declared on the Tensor interface there; lib/tensor.ts holds only the data model.
import type { HookMap, PostAccumulateGradHook, TensorHook } from './autograd/hooks.js';
import type { Node } from './autograd/node.js';
import { checkFloat32Array, isDetached, rangeError, typeError } from './validate.js';

export type Shape = readonly number[];
export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;
/** The array type of a dtype. */
export type DataOf<T extends DType> = T extends 'int32' ? Int32Array : Float32Array;

export function checkShape(shape: unknown, name = 'shape'): asserts shape is Shape {
  if (!Array.isArray(shape)) throw typeError('an array of non-negative integers', name, shape);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw typeError('an array of non-negative integers', `${name}[${i}]`, d);
    if (!Number.isInteger(d) || d < 0) throw rangeError('a non-negative integer', `${name}[${i}]`, d);
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** The version counter of a storage: in-place ops bump it; tensors sharing storage share it. */
export interface Version {
  v: number;
}

let trusted = false;

export class Tensor<T extends DType = 'float32'> {
  /** @internal The values (null while a lazy transpose has not been read). */
  _d: DataOf<T> | null;
  readonly shape: readonly number[];
  /**
   * The accumulated gradient of a leaf that requires grad (after backward), else null. A Tensor of
   * this tensor's shape; backward adds into it (grad = grad + new), zeroGrad clears it.
   */
  grad: Tensor | null = null;
  /** The tape node that made this tensor (null for leaves and for results computed without grad). */
  gradFn: Node | null = null;
  /** @internal Whether this leaf requires grad (non-leaves: true whenever gradFn is set). */
  _req = false;
  /** @internal Storage version (shared by tensors sharing storage). */
  _ver: Version;
  /** @internal A lazy transpose of the last two dims of this source (matmul reads it as a GEMM flag). */
  _tOf: Tensor | null = null;
  /** @internal A leaf's tensor hooks (registerHook; a non-leaf's live on its gradFn). */
  _hooks: HookMap<TensorHook> | null = null;
  /** @internal A leaf's post-accumulate-grad hooks. */
  _postHooks: HookMap<PostAccumulateGradHook> | null = null;

  constructor(data: DataOf<T>, shape: readonly number[]) {
    if (trusted) {
      trusted = false;
      this._d = data;
      this.shape = shape;
      this._ver = { v: 0 };
      return;
    }
    if (data instanceof Int32Array) {
      if (isDetached(data)) throw new TypeError('Expected an Int32Array with a live buffer for data but received one whose ArrayBuffer is detached');
    } else {
      checkFloat32Array(data, 'data');
    }
    checkShape(shape);
    const n = shapeSize(shape);
    if (n !== data.length) {
      throw new RangeError(`Expected data of length ${n} for shape ${formatShape(shape)} but received length ${data.length}`);
    }
    this._d = data;
    this.shape = Object.freeze(shape.slice());
    this._ver = { v: 0 };
  }

  /** The contiguous values, row-major (a Float32Array, or an Int32Array for an int32 tensor). */
  get data(): DataOf<T> {
    return this._d ?? this._materialize();
  }

  /** @internal */
  _materialize(): DataOf<T> {
    const src = this._tOf as Tensor;
    const s = src.data, r = src.ndim, m = src.shape[r - 2], n = src.shape[r - 1], mn = m * n;
    const out = new Float32Array(s.length);
    for (let b = 0; b < s.length; b += mn) {
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[b + j * m + i] = s[b + i * n + j];
    }
    this._d = out as DataOf<T>;
    return this._d;
  }

  get dtype(): DType {
    return this._d instanceof Int32Array ? 'int32' : 'float32';
  }

  get size(): number {
    let n = 1;
    for (let i = 0; i < this.shape.length; i++) n *= this.shape[i];
    return n;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to or through this tensor (settable on leaves, as torch's requires_grad). */
  get requiresGrad(): boolean {
    return this._req;
  }

  set requiresGrad(v: boolean) {
    if (typeof v !== 'boolean') throw typeError('a boolean', 'requiresGrad', v);
    if (this.gradFn !== null) {
      if (!v) throw new Error('you can only change requiresGrad flags of leaf variables. If you want to use a computed tensor in a graph that does not require grad, use t.detach()');
      return;
    }
    if (v && this._d instanceof Int32Array) throw new TypeError('Only Tensors of floating point dtype can require gradients (this tensor is int32)');
    this._req = v;
  }

  /** True for tensors that no tape node made (user-created tensors, parameters, detached results). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Sets requiresGrad (leaves only) and returns this, as torch's requires_grad_(). */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  static zeros(shape: readonly number[]): Tensor {
    checkShape(shape);
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape?: readonly number[]): Tensor {
    const data = Float32Array.from(values);
    return new Tensor(data, shape ?? [data.length]);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}

/** @internal A tensor over trusted data and a frozen-or-owned shape (no checks: the ops' fast path). */
export function makeTensor(data: Float32Array, shape: readonly number[]): Tensor;
export function makeTensor(data: Int32Array, shape: readonly number[]): Tensor<'int32'>;
export function makeTensor<T extends DType>(data: DataOf<T>, shape: readonly number[]): Tensor<T>;
export function makeTensor(data: TensorData, shape: readonly number[]): Tensor<DType> {
  trusted = true;
  return new Tensor<DType>(data as never, shape);
}

/** @internal A tensor sharing t's storage and version counter, with another shape. */
export function viewOf<T extends DType>(t: Tensor<T>, shape: readonly number[]): Tensor<T> {
  const v = makeTensor<T>(t.data, shape);
  v._ver = t._ver;
  return v;
}

/**
 * A trainable tensor: requiresGrad by default, registered by the Module it is assigned to. torch's
 * form `new Parameter(tensor, requiresGrad?)` shares the tensor's storage; `new Parameter(data, shape)`
 * wraps a Float32Array.
 */
export class Parameter extends Tensor {
  constructor(tensor: Tensor, requiresGrad?: boolean);
  constructor(data: Float32Array, shape: readonly number[], requiresGrad?: boolean);
  constructor(data: Float32Array | Tensor, shape?: readonly number[] | boolean, requiresGrad = true) {
    if (data instanceof Tensor) {
      checkTensor(data, 'tensor');
      super(data.data, data.shape);
      this._req = shape === undefined ? true : (shape as boolean);
      return;
    }
    super(data, shape as readonly number[]);
    this._req = requiresGrad;
  }

  static override zeros(shape: readonly number[]): Parameter {
    checkShape(shape);
    return new Parameter(new Float32Array(shapeSize(shape)), shape);
  }
}

/** @internal A tensor of its own over a copy of t's values (either dtype), off the tape. */
export function copyOf<T extends DType>(t: Tensor<T>): Tensor<T> {
  return makeTensor<T>(t.data.slice() as DataOf<T>, t.shape.slice());
}

/** A Tensor of either dtype (checkTensor accepts float32 only). */
export function checkAnyTensor(v: unknown, name: string): asserts v is Tensor<DType> {
  if (!(v instanceof Tensor)) throw typeError('a Tensor', name, v);
}

export function checkTensor(v: unknown, name: string): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw typeError('a Tensor', name, v);
  if (v._d instanceof Int32Array) throw new TypeError(`Expected a float32 Tensor for ${name} but received an int32 Tensor`);
}
