// Indexing ops beyond indexSelect/gather (shape.ts), torch's semantics, one TypeScript loop for every
// backend (each moves values without arithmetic, except scatterAdd's sums, whose order is fixed):
//   scatter(dim, index, src | value): out = input with src written at index; several writes to one
//     place: the last in index order wins (torch leaves that unspecified). Gradients: input's where
//     nothing was written, src's gathered at index.
//   scatterAdd(dim, index, src): out = input + src added at index, in index order (row-major over index),
//     one binary32 add each, so the same bits on every backend. Gradients: input's g, src's gathered.
//   maskedSelect(mask): the 1-D values where mask (broadcast with input) is non-zero, row-major.
//   nonzero(): the int32 [n, ndim] coordinates of the non-zero elements, row-major.
//   tril/triu(diagonal): zeros above/below a diagonal of the last two dims.
//   diag(diagonal): a 1-D tensor onto a diagonal of a square matrix; a matrix's diagonal as 1-D.
//   roll(shifts, dims): elements shifted circularly (flattened when no dims are given).
import { recordOp as record } from '../autograd/engine.js';
import { checkAnyTensor, checkTensor, formatShape, makeTensor, Tensor, type DType } from '../tensor.js';
import { checkInteger, typeError } from '../validate.js';
import { empty, fresh, needs1, needs2, normDim, stridesOf } from './core.js';
import { broadcastShapes } from './elementwise.js';
import { clone } from './composite.js';
import { where } from './compare.js';
import { expandData } from './reduce.js';
import { expand, indexArray, indexOffsets, indexSelect, pick, reshape, stridedOffsets, toFloat } from './shape.js';

function scatterImpl(op: 'scatter' | 'scatterAdd', input: Tensor, dim: number, index: unknown, src: Tensor | number): Tensor {
  checkTensor(input, 'input');
  const d = normDim(dim, Math.max(input.ndim, 1), 'dim', op);
  const { data: idx, shape: ishape } = indexArray(index, 'index');
  const dst = indexOffsets(op, input.shape, d, idx, ishape);
  let from: Int32Array | null = null;
  if (typeof src !== 'number') {
    if (!(src instanceof Tensor)) throw typeError(op === 'scatter' ? 'a Tensor or a number' : 'a Tensor', 'src', src);
    checkTensor(src, 'src');
    if (src.ndim !== ishape.length || ishape.some((s, i) => s > src.shape[i])) {
      throw new RangeError(`Expected index ${formatShape(ishape)} to be smaller than src ${formatShape(src.shape)} in every dimension (${op})`);
    }
    from = stridedOffsets(stridesOf(src.shape), ishape);
  } else if (op === 'scatterAdd') throw typeError('a Tensor', 'src', src);
  const out = empty(input.shape, input.size), od = out.data;
  od.set(input.data);
  const n = dst.length;
  if (from === null) {
    const v = Math.fround(src as number);
    for (let p = 0; p < n; p++) od[dst[p]] = v;
  } else {
    const sd = (src as Tensor).data;
    if (op === 'scatter') for (let p = 0; p < n; p++) od[dst[p]] = sd[from[p]];
    else for (let p = 0; p < n; p++) od[dst[p]] = od[dst[p]] + sd[from[p]];
  }
  const s = typeof src === 'number' ? null : src;
  if (s === null ? needs1(input) : needs2(input, s)) {
    const sshape = s?.shape ?? [];
    record(out, op, s === null ? [input] : [input, s], (g) => {
      let gi: Tensor | null = null;
      if (input._req) {
        if (op === 'scatterAdd') gi = g;
        else {
          gi = empty(g.shape, g.size);
          gi.data.set(g.data);
          for (let p = 0; p < n; p++) gi.data[dst[p]] = 0;
        }
      }
      if (s === null) return [gi];
      let gs: Tensor | null = null;
      if (s._req) {
        gs = fresh(sshape);
        const gd = g.data, gsd = gs.data;
        for (let p = 0; p < n; p++) gsd[from![p]] = gd[dst[p]];
      }
      return [gi, gs];
    });
  }
  return out;
}

/** torch.scatter(input, dim, index, src | value): input with src's values (or value) written at index along dim. */
export function scatter(input: Tensor, dim: number, index: unknown, src: Tensor | number): Tensor {
  return scatterImpl('scatter', input, dim, index, src);
}

/** torch.scatter_add(input, dim, index, src): input plus src added at index along dim (in index order). */
export function scatterAdd(input: Tensor, dim: number, index: unknown, src: Tensor): Tensor {
  return scatterImpl('scatterAdd', input, dim, index, src);
}

/** torch.masked_select(input, mask): the values of input where mask (broadcast together) is non-zero, 1-D. */
export function maskedSelect(input: Tensor, mask: Tensor<DType>): Tensor {
  checkTensor(input, 'input');
  checkAnyTensor(mask, 'mask');
  const shape = broadcastShapes(input.shape, mask.shape, 'maskedSelect');
  const x = input.shape.length === shape.length && input.shape.every((s, i) => s === shape[i]) ? input : expand(input, shape);
  const m = mask.size === x.size ? mask.data : expandData(toFloat(mask).data, mask.shape, shape);
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) n++;
  const pos = new Int32Array(n);
  for (let i = 0, j = 0; i < m.length; i++) if (m[i] !== 0) pos[j++] = i;
  const out = pick(x, pos, [n]);
  if (needs1(x)) {
    const xs = x.shape;
    record(out, 'maskedSelect', [x], (g) => {
      const gx = fresh(xs), gd = g.data, gxd = gx.data;
      for (let j = 0; j < n; j++) gxd[pos[j]] = gd[j];
      return [gx];
    });
  }
  return out;
}

/** torch.nonzero(input): the int32 coordinates [n, ndim] of the non-zero elements, row-major (NaN counts). */
export function nonzero(input: Tensor<DType>): Tensor<'int32'> {
  checkAnyTensor(input, 'input');
  const xd = input.data, r = input.ndim, st = stridesOf(input.shape);
  let n = 0;
  for (let i = 0; i < xd.length; i++) if (xd[i] !== 0) n++;
  const out = new Int32Array(n * r);
  for (let i = 0, j = 0; i < xd.length; i++) {
    if (xd[i] === 0) continue;
    let rem = i;
    for (let k = 0; k < r; k++, j++) {
      out[j] = Math.floor(rem / st[k]);
      rem -= out[j] * st[k];
    }
  }
  return makeTensor(out, [n, r]);
}

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  checkTensor(x, 'x');
  checkInteger(diagonal, 'diagonal', -Number.MAX_SAFE_INTEGER);
  if (x.ndim < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions (received shape ${formatShape(x.shape)})`);
  const R = x.shape[x.ndim - 2], C = x.shape[x.ndim - 1], keep = new Int32Array(R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) keep[i * C + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  return where(makeTensor(keep, [R, C]), x, 0);
}

/** torch.tril(input, diagonal = 0): the lower triangle of the last two dims (j − i <= diagonal), zeros elsewhere. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/** torch.triu(input, diagonal = 0): the upper triangle of the last two dims (j − i >= diagonal), zeros elsewhere. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

/** torch.diag(input, diagonal = 0): a 1-D tensor onto that diagonal of a square matrix, or a matrix's diagonal as 1-D. */
export function diag(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, 'x');
  checkInteger(diagonal, 'diagonal', -Number.MAX_SAFE_INTEGER);
  if (x.ndim === 2) {
    const [R, C] = x.shape, i0 = Math.max(0, -diagonal), j0 = Math.max(0, diagonal);
    const n = Math.max(0, Math.min(R - i0, C - j0)), idx = new Int32Array(n);
    for (let k = 0; k < n; k++) idx[k] = (i0 + k) * C + j0 + k;
    return indexSelect(reshape(x, [R * C]), 0, idx);
  }
  if (x.ndim !== 1) throw new RangeError(`diag(): Supports 1D or 2D tensors. Got ${x.ndim}D (shape ${formatShape(x.shape)})`);
  const n = x.shape[0], m = n + Math.abs(diagonal), i0 = Math.max(0, -diagonal), j0 = Math.max(0, diagonal);
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[k] = (i0 + k) * m + j0 + k;
  const out = fresh([m, m]), od = out.data, xd = x.data;
  for (let k = 0; k < n; k++) od[pos[k]] = xd[k];
  if (needs1(x)) record(out, 'diag', [x], (g) => [pick(g, pos, [n])]);
  return out;
}

/** torch.roll(input, shifts, dims?): elements shifted circularly along dims (the flattened tensor when none). */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  checkTensor(x, 'x');
  const sh = (typeof shifts === 'number' ? [shifts] : shifts) as unknown[];
  if (!Array.isArray(sh)) throw typeError('an integer or an array of integers', 'shifts', shifts);
  sh.forEach((s, i) => checkInteger(s, `shifts[${i}]`, -Number.MAX_SAFE_INTEGER));
  if (dims === undefined) {
    if (sh.length !== 1) throw new RangeError(`Expected one shift when no dims are given (roll) but received ${sh.length}`);
    return reshape(roll(reshape(x, [x.size]), sh as number[], 0), x.shape);
  }
  const ds = (typeof dims === 'number' ? [dims] : dims) as unknown[];
  if (!Array.isArray(ds) || ds.length !== sh.length) throw new RangeError(`shifts and dimensions must align (roll): shifts = ${sh.length}, dims = ${Array.isArray(ds) ? ds.length : String(dims)}`);
  let y = x;
  for (let k = 0; k < ds.length; k++) {
    const d = normDim(ds[k], x.ndim, `dims[${k}]`, 'roll'), n = x.shape[d];
    if (n === 0) continue;
    const s = (((sh[k] as number) % n) + n) % n;
    if (s === 0) continue;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = (i - s + n) % n;
    y = indexSelect(y, d, idx);
  }
  return y === x ? clone(x) : y;
}
