// Shape ops: reshape (-1 allowed), view, flatten, unsqueeze, squeeze (these share x's storage and
// version counter), transpose, t, permute, expand, narrow, cat, stack (copies; a transpose of the last
// two dims is lazy, and matmul reads it as a GEMM transpose flag without copying), and the indexing of
// training: indexSelect, gather (integer indices: Int32Array, any integer typed array, number[] or an
// int32 tensor), oneHot. Backward: the inverse layout of the gradient; indexSelect and gather add their
// gradients into place in index order (row-major over the index), one binary32 add each.
import { nestedValues } from './creation.js';
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, formatShape, makeTensor, sameShape, Tensor, viewOf, type DType, type DataOf } from '../tensor.js';
import { checkInteger, rangeError, typeError } from '../validate.js';
import { copyStrided, empty, fresh, needs1, needsAny, normDim, stridesOf } from './core.js';
import { sumToShape } from './reduce.js';

type Dims = readonly number[];

function dimsArg(args: readonly unknown[], name: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return list.map((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) throw typeError('an integer', `${name}[${i}]`, d);
    return d;
  });
}

/** The shape with one -1 inferred (RangeError if the sizes cannot match x's size). */
function inferShape(shape: number[], size: number, op: string, from: readonly number[]): number[] {
  let known = 1, free = -1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (free >= 0) throw new RangeError(`Expected at most one -1 in the shape of ${op} but received ${formatShape(shape)}`);
      free = i;
    } else if (d < 0) throw rangeError('a non-negative integer or -1', `shape[${i}]`, d);
    else known *= d;
  }
  const out = shape.slice();
  if (free >= 0) {
    if (known === 0 || size % known !== 0) throw new RangeError(`shape '${formatShape(shape)}' is invalid for input of size ${size} (${op} of a tensor of shape ${formatShape(from)})`);
    out[free] = size / known;
  } else if (known !== size) {
    throw new RangeError(`shape '${formatShape(shape)}' is invalid for input of size ${size} (${op} of a tensor of shape ${formatShape(from)})`);
  }
  return out;
}

/** A view with another shape (same storage); its gradient is g viewed back. */
function view<T extends DType>(x: Tensor<T>, shape: number[], op: string): Tensor<T> {
  const out = viewOf(x, shape);
  if (needs1(x as unknown as Tensor)) {
    const xs = x.shape;
    record(out as unknown as Tensor, op, [x as unknown as Tensor], (g) => [makeTensor(g.data, xs)]);
  }
  return out;
}

/** reshape(x, shape) or reshape(x, ...dims): same storage, one dim may be -1 (inferred). */
export function reshape<T extends DType = 'float32'>(x: Tensor<T>, ...shape: (number | readonly number[])[]): Tensor<T> {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  const dims = dimsArg(shape, 'shape');
  return view(x, inferShape(dims, x.size, 'reshape', x.shape), 'reshape');
}

/** torch's view: reshape (every tensor here is contiguous). */
export const viewAs = reshape;

/** Dims start..end (inclusive; negative from the end) merged into one. */
export function flatten<T extends DType = 'float32'>(x: Tensor<T>, startDim = 0, endDim = -1): Tensor<T> {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  if (x.ndim === 0) return view(x, [1], 'flatten');
  const s = normDim(startDim, x.ndim, 'startDim', 'flatten'), e = normDim(endDim, x.ndim, 'endDim', 'flatten');
  if (s > e) throw new RangeError(`flatten() has invalid args: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...x.shape.slice(e + 1)];
  return view(x, shape, 'flatten');
}

/** A dim of size 1 inserted at dim (in [-ndim - 1, ndim]). */
export function unsqueeze<T extends DType = 'float32'>(x: Tensor<T>, dim: number): Tensor<T> {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  const d = normDim(dim, x.ndim + 1, 'dim', 'unsqueeze');
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return view(x, shape, 'unsqueeze');
}

/** Dims of size 1 removed: all of them, or only dim (left as is when its size is not 1, as torch). */
export function squeeze<T extends DType = 'float32'>(x: Tensor<T>, dim?: number): Tensor<T> {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  let shape: number[];
  if (dim === undefined) shape = x.shape.filter((d) => d !== 1);
  else {
    const d = normDim(dim, x.ndim, 'dim', 'squeeze');
    shape = x.shape.slice();
    if (x.ndim > 0 && shape[d] === 1) shape.splice(d, 1);
  }
  return view(x, shape, 'squeeze');
}

/** x with its dims reordered by perm (a copy): out[i...] = x[... in perm order]. */
function permuteData<T extends DType>(x: Tensor<T>, perm: Dims): Tensor<T> {
  const st = stridesOf(x.shape), shape = perm.map((p) => x.shape[p]);
  const src = x.data;
  const out = (src instanceof Int32Array ? new Int32Array(src.length) : new Float32Array(src.length)) as DataOf<T>;
  copyStrided(src, perm.map((p) => st[p]), out, shape);
  return makeTensor(out, shape);
}

function inversePerm(perm: Dims): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** x with dims reordered: permute(x, ...dims) or permute(x, dims). A copy. */
export function permute(x: Tensor, ...dims: (number | readonly number[])[]): Tensor {
  checkTensor(x, 'x');
  const raw = dimsArg(dims, 'dims');
  if (raw.length !== x.ndim) throw new RangeError(`permute(): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${raw.length}`);
  const perm = raw.map((d) => normDim(d, x.ndim, 'dims', 'permute'));
  if (new Set(perm).size !== perm.length) throw new RangeError(`permute(): duplicate dims are not allowed (received ${formatShape(raw)})`);
  const out = permuteData(x, perm);
  if (needs1(x)) {
    const inv = inversePerm(perm);
    record(out, 'permute', [x], (g) => [permuteData(g, inv)]);
  }
  return out;
}

/**
 * Dims d0 and d1 swapped. Swapping the last two dims gives a lazy transpose: its values are computed
 * on first read of .data, and matmul uses a GEMM transpose flag on the source instead.
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'x');
  const r = x.ndim;
  if (r === 0) {
    normDim(dim0, 0, 'dim0', 'transpose');
    normDim(dim1, 0, 'dim1', 'transpose');
    return view(x, [], 'transpose');
  }
  const a = normDim(dim0, r, 'dim0', 'transpose'), b = normDim(dim1, r, 'dim1', 'transpose');
  if (a === b) return view(x, x.shape.slice(), 'transpose');
  if (Math.min(a, b) === r - 2 && Math.max(a, b) === r - 1) {
    const shape = x.shape.slice();
    shape[r - 2] = x.shape[r - 1];
    shape[r - 1] = x.shape[r - 2];
    const out = makeTensor(null as unknown as Float32Array, shape);
    out._d = null;
    out._tOf = x;
    out._ver = x._ver;
    if (needs1(x)) record(out, 'transpose', [x], (g) => [transpose(g, -1, -2)]);
    return out;
  }
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  const out = permuteData(x, perm);
  if (needs1(x)) record(out, 'transpose', [x], (g) => [permuteData(g, perm)]);
  return out;
}

/** The transpose of a tensor of at most 2 dims (torch's t()). */
export function t(x: Tensor): Tensor {
  checkTensor(x, 'x');
  if (x.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D (shape ${formatShape(x.shape)})`);
  return x.ndim < 2 ? view(x, x.shape.slice(), 't') : transpose(x, 0, 1);
}

/** x broadcast to sizes (-1 keeps a dim; new dims go in front): a copy. Gradient: summed back. */
export function expand(x: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  checkTensor(x, 'x');
  const want = dimsArg(sizes, 'sizes');
  const r = want.length, k = x.ndim;
  if (r < k) throw new RangeError(`expand: the number of sizes provided (${r}) must be greater or equal to the number of dimensions in the tensor (${k})`);
  const shape = want.map((d, i) => {
    const j = i - (r - k), own = j >= 0 ? x.shape[j] : 1;
    const v = d === -1 ? own : d;
    if (d === -1 && j < 0) throw new RangeError(`expand: -1 is not allowed in a leading, non-existing dimension ${i}`);
    if (v < 0 || (own !== 1 && own !== v)) {
      throw new RangeError(`The expanded size of the tensor (${v}) must match the existing size (${own}) at non-singleton dimension ${i}. Target sizes: ${formatShape(want)}. Tensor sizes: ${formatShape(x.shape)}`);
    }
    return v;
  });
  const st = stridesOf(x.shape), sx = shape.map((_, i) => {
    const j = i - (r - k);
    return j >= 0 && x.shape[j] !== 1 ? st[j] : 0;
  });
  const out = fresh(shape);
  copyStrided(x.data, sx, out.data, shape);
  if (needs1(x)) {
    const xs = x.shape;
    record(out, 'expand', [x], (g) => [sumToShape(g, xs)]);
  }
  return out;
}

/** expand(x, other.shape). */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  checkTensor(other, 'other');
  return expand(x, other.shape);
}

/** Elements start .. start + length - 1 along dim (a copy). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(x, 'x');
  const d = normDim(dim, x.ndim, 'dim', 'narrow');
  const size = x.shape[d];
  if (typeof start !== 'number' || !Number.isInteger(start)) throw typeError('an integer', 'start', start);
  const s = start < 0 ? start + size : start;
  checkInteger(length, 'length', 0);
  if (s < 0 || s + length > size) throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size}) of narrow(dim ${dim}) on shape ${formatShape(x.shape)}`);
  const shape = x.shape.slice();
  shape[d] = length;
  const st = stridesOf(x.shape);
  const out = fresh(shape);
  copyStrided(x.data, st, out.data, shape, s * st[d]);
  if (needs1(x)) {
    const xs = x.shape;
    record(out, 'narrow', [x], (g) => {
      const gx = fresh(xs);
      scatterBlock(g.data, shape, gx.data, xs, d, s);
      return [gx];
    });
  }
  return out;
}

/** Writes src (shape sshape) into dst (shape dshape) at offset `at` along dim d (other dims equal). */
function scatterBlock(src: Float32Array, sshape: Dims, dst: Float32Array, dshape: Dims, d: number, at: number): void {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= dshape[i];
  for (let i = d + 1; i < dshape.length; i++) inner *= dshape[i];
  const sl = sshape[d] * inner, dl = dshape[d] * inner;
  for (let o = 0; o < outer; o++) dst.set(src.subarray(o * sl, (o + 1) * sl), o * dl + at * inner);
}

/** Reads the block [at, at + len) along dim d of src (shape sshape). */
function sliceBlock(src: Float32Array, sshape: Dims, d: number, at: number, len: number): Float32Array {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= sshape[i];
  for (let i = d + 1; i < sshape.length; i++) inner *= sshape[i];
  const sl = sshape[d] * inner, bl = len * inner, out = new Float32Array(outer * bl);
  for (let o = 0; o < outer; o++) out.set(src.subarray(o * sl + at * inner, o * sl + at * inner + bl), o * bl);
  return out;
}

function checkList(tensors: unknown, op: string): asserts tensors is Tensor[] {
  if (!Array.isArray(tensors)) throw typeError('an Array of Tensors', 'tensors', tensors);
  if (tensors.length === 0) throw new RangeError(`${op}(): expected a non-empty list of Tensors`);
  tensors.forEach((t, i) => checkTensor(t, `tensors[${i}]`));
}

/** The tensors joined along dim (every other dim equal). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList(tensors, 'cat');
  const first = tensors[0], d = normDim(dim, first.ndim, 'dim', 'cat');
  let total = 0;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, j) => j !== d && s !== first.shape[j])) {
      throw new RangeError(`Sizes of tensors must match except in dimension ${d}. Expected ${formatShape(first.shape)} (except dim ${d}) but got shape ${formatShape(t.shape)} for tensor number ${i} in the list`);
    }
    total += t.shape[d];
  });
  const shape = first.shape.slice();
  shape[d] = total;
  const out = fresh(shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at);
    scatterBlock(t.data, t.shape, out.data, shape, d, at);
    at += t.shape[d];
  }
  if (needsAny(tensors)) {
    record(out, 'cat', tensors, (g) => tensors.map((t, i) => (t._req ? makeTensor(sliceBlock(g.data, shape, d, offsets[i], t.shape[d]), t.shape) : null)));
  }
  return out;
}

/** The tensors (all one shape) stacked along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList(tensors, 'stack');
  const first = tensors[0];
  const d = normDim(dim, first.ndim + 1, 'dim', 'stack');
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) throw new RangeError(`stack expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}`);
  });
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Integer indices from an Int32Array, any integer typed array, a number[] or an int32 tensor. */
export function indexArray(v: unknown, name: string): { data: Int32Array; shape: number[] } {
  if (v instanceof Tensor) {
    if (v.dtype !== 'int32') throw new TypeError(`Expected an integer index (Int32Array, an integer typed array, number[] or an int32 Tensor) for ${name} but received a float32 Tensor (backward through an integer index is not defined; convert with .int())`);
    return { data: v.data as Int32Array, shape: v.shape.slice() };
  }
  if (v instanceof Int32Array) return { data: v, shape: [v.length] };
  if (v instanceof Uint8Array || v instanceof Int8Array || v instanceof Uint16Array || v instanceof Int16Array || v instanceof Uint32Array || v instanceof Uint8ClampedArray) {
    return { data: Int32Array.from(v as ArrayLike<number>), shape: [v.length] };
  }
  if (Array.isArray(v) && v.every((e) => Number.isInteger(e))) return { data: Int32Array.from(v as number[]), shape: [v.length] };
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    const { values, shape } = nestedValues(v, name); // nested arrays (torch's tensor([[...]]) of indices)
    if (values.every((e) => Number.isInteger(e))) return { data: Int32Array.from(values), shape };
  }
  throw typeError('integer indices (Int32Array, an integer typed array, number[] or an int32 Tensor)', name, v);
}

function checkIndexRange(idx: Int32Array, size: number, op: string): void {
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i];
    if (k < -size || k >= size) throw new RangeError(`index ${k} is out of bounds for dimension with size ${size} (${op})`);
  }
}

/** The entries of x at `index` (1-D) along dim. Gradient: added back at each index, in index order. */
export function indexSelect(x: Tensor, dim: number, index: unknown): Tensor {
  checkTensor(x, 'x');
  const d = normDim(dim, x.ndim, 'dim', 'indexSelect');
  const { data: idx, shape: ishape } = indexArray(index, 'index');
  if (ishape.length > 1) throw new RangeError(`index_select(): Index is supposed to be a vector (received shape ${formatShape(ishape)})`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  checkIndexRange(idx, size, 'indexSelect');
  const shape = x.ndim === 0 ? [] : x.shape.slice();
  if (x.ndim > 0) shape[d] = idx.length;
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
  const out = fresh(shape), xd = x.data, od = out.data, m = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = idx[j] < 0 ? idx[j] + size : idx[j];
      od.set(xd.subarray((o * size + k) * inner, (o * size + k + 1) * inner), (o * m + j) * inner);
    }
  }
  if (needs1(x)) {
    const xs = x.shape;
    record(out, 'indexSelect', [x], (g) => {
      const gx = fresh(xs), gd = g.data, gxd = gx.data;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < m; j++) {
          const k = idx[j] < 0 ? idx[j] + size : idx[j], dst = (o * size + k) * inner, src = (o * m + j) * inner;
          for (let i = 0; i < inner; i++) gxd[dst + i] = gxd[dst + i] + gd[src + i];
        }
      }
      return [gx];
    });
  }
  return out;
}

/**
 * For each element p of an index of shape ishape (row-major), the offset in a tensor of shape xshape at
 * p's coordinates with the one along dim replaced by index[p] (gather's source, scatter's destination).
 * Checks torch's rules: the same rank, index no larger than xshape outside dim, indices in range.
 */
export function indexOffsets(op: string, xshape: readonly number[], dim: number, idx: Int32Array, ishape: readonly number[]): Int32Array {
  if (ishape.length !== Math.max(xshape.length, 1) && !(xshape.length === 0 && ishape.length <= 1)) {
    throw new RangeError(`Index tensor must have the same number of dimensions as input tensor (${op}: input ${formatShape(xshape)}, index ${formatShape(ishape)})`);
  }
  for (let i = 0; i < xshape.length; i++) {
    if (i !== dim && ishape[i] > xshape[i]) throw new RangeError(`Size does not match at dimension ${i} expected index ${formatShape(ishape)} to be smaller than self ${formatShape(xshape)} apart from dimension ${dim} (${op})`);
  }
  const size = xshape.length === 0 ? 1 : xshape[dim];
  checkIndexRange(idx, size, op);
  return stridedOffsets(stridesOf(xshape), ishape, dim, idx, size);
}

/**
 * The offsets, in a tensor with strides xst, of the row-major elements of a shape `sub` (no larger in
 * any dim); along dim (when idx is given) the coordinate is idx[p] instead (negative: from size's end).
 */
export function stridedOffsets(xst: readonly number[], sub: readonly number[], dim = -1, idx: Int32Array | null = null, size = 0): Int32Array {
  const ist = stridesOf(sub), n = sub.reduce((p, d) => p * d, 1), offs = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let rem = p, off = 0;
    for (let i = 0; i < sub.length; i++) {
      const c = Math.floor(rem / ist[i]);
      rem -= c * ist[i];
      const at = i === dim && idx !== null ? (idx[p] < 0 ? idx[p] + size : idx[p]) : c;
      off += at * (xst[i] ?? 0);
    }
    offs[p] = off;
  }
  return offs;
}

/** The values of t at offsets, as a new tensor of `shape`. */
export function pick(t: Tensor, offs: Int32Array, shape: readonly number[]): Tensor {
  const out = empty(shape, offs.length), td = t.data, od = out.data;
  for (let p = 0; p < offs.length; p++) od[p] = td[offs[p]];
  return out;
}

/** out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (torch.gather): index has x's rank, out its shape. */
export function gather(x: Tensor, dim: number, index: unknown): Tensor {
  checkTensor(x, 'x');
  const d = normDim(dim, x.ndim, 'dim', 'gather');
  const { data: idx, shape: ishape } = indexArray(index, 'index');
  const src = indexOffsets('gather', x.shape, d, idx, ishape), n = idx.length;
  const out = pick(x, src, ishape);
  if (needs1(x)) {
    const xs = x.shape;
    record(out, 'gather', [x], (g) => {
      const gx = fresh(xs), gd = g.data, gxd = gx.data;
      for (let p = 0; p < n; p++) gxd[src[p]] = gxd[src[p]] + gd[p];
      return [gx];
    });
  }
  return out;
}

/** One-hot rows of integer class indices: shape [...index, numClasses], int32 (torch's one_hot; .float() for math). */
export function oneHot(index: unknown, numClasses = -1): Tensor<'int32'> {
  const { data: idx, shape } = indexArray(index, 'index');
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < -1) throw typeError('a non-negative integer (or -1: max + 1)', 'numClasses', numClasses);
  let c = numClasses;
  if (c === -1) {
    c = 0;
    for (const k of idx) c = Math.max(c, k + 1);
  }
  for (const k of idx) if (k < 0 || k >= c) throw new RangeError(`Class values must be in [0, ${c}) for oneHot but received ${k}`);
  const out = new Int32Array(idx.length * c);
  for (let i = 0; i < idx.length; i++) out[i * c + idx[i]] = 1;
  return makeTensor(out, [...shape, c]);
}

/** The values as float32 (a copy, no gradient: integer tensors carry none). Float tensors: themselves. */
export function toFloat(x: Tensor<DType>): Tensor {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  if (x.dtype === 'float32') return x as Tensor;
  return makeTensor(Float32Array.from(x.data), x.shape.slice());
}

/** The values truncated to int32 (a copy, no gradient). */
export function toInt(x: Tensor<DType>): Tensor<'int32'> {
  if (!(x instanceof Tensor)) throw typeError('a Tensor', 'x', x);
  if (x.dtype === 'int32') return x as Tensor<'int32'>;
  const d = x.data, out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.trunc(d[i]);
  return makeTensor(out, x.shape.slice());
}

/** torch.select(input, dim, index): the slice at index along dim, with that dim removed (narrow + squeeze). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, 'x');
  if (x.ndim === 0) throw new RangeError('select() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim, 'dim', 'select'), size = x.shape[d];
  if (typeof index !== 'number' || !Number.isInteger(index)) throw typeError('an integer', 'index', index);
  if (index < -size || index >= size) throw new RangeError(`select(): index ${index} out of range for tensor of size ${formatShape(x.shape)} at dimension ${d}`);
  return squeeze(narrow(x, d, index < 0 ? index + size : index, 1), d);
}

/** torch.unbind(input, dim = 0): every slice along dim, that dim removed (select for each index). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  checkTensor(x, 'x');
  if (x.ndim === 0) throw new RangeError('unbind() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim, 'dim', 'unbind');
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

/** torch.split: pieces of splitSize along dim (the last one shorter), or of the given sizes (summing to the dim). Each piece is narrow(). */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  checkTensor(x, 'x');
  const d = normDim(dim, x.ndim, 'dim', 'split'), size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === 'number') {
    checkInteger(splitSize, 'splitSize', 1);
    sizes = [];
    for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
    if (size === 0) sizes.push(0);
  } else {
    if (!Array.isArray(splitSize)) throw typeError('an integer or an array of integers', 'splitSize', splitSize);
    splitSize.forEach((s, i) => checkInteger(s, `splitSize[${i}]`, 0));
    const total = splitSize.reduce((a, b) => a + b, 0);
    if (total !== size) throw new RangeError(`split expects splitSize to sum exactly to ${size} (input tensor's size at dimension ${d}) but got splitSize [${splitSize.join(', ')}] (sum ${total}) on shape ${formatShape(x.shape)}`);
    sizes = splitSize.slice();
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(narrow(x, d, at, n));
    at += n;
  }
  return out;
}

/** torch.chunk: at most `chunks` pieces along dim, each ceil(size / chunks) long (the last may be shorter). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, 'x');
  checkInteger(chunks, 'chunks', 1);
  const d = normDim(dim, x.ndim, 'dim', 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}
