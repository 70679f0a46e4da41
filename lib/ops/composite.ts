// torch ops composed from other ops: their values and gradients are those of the ops they are made
// of (same bits on every backend as those ops), so they carry no backward of their own.
//   clone: a copy, its gradient g itself           repeat: expand of interleaved ones, reshaped
//   flip: indexSelect with reversed indices        reciprocal: 1 / x (pow −1)    rsqrt: 1 / sqrt(x)
//   logsumexp: m + log(Σ exp(x − m)), m the max along the dims (0 where not finite), m detached
//   prod: the last running product of cumprod (its gradient handles zeros)
import { recordOp as record } from '../autograd/engine.js';
import { checkAnyTensor, checkTensor, copyOf, formatShape, type DType, type Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, typeError } from '../validate.js';
import { needs1, normDim, normDims } from './core.js';
import { add, mul, pow, sub } from './elementwise.js';
import { matmul } from './matmul.js';
import { where } from './compare.js';
import { max, sum } from './reduce.js';
import { expand, indexSelect, reshape, select } from './shape.js';
import { cumprod } from './sort.js';
import { exp, log, sqrt } from './unary.js';
import { noGrad } from '../autograd/grad_mode.js';

/** A copy of x (either dtype) that stays on the tape (torch's clone: the gradient passes through unchanged). */
export function clone<T extends DType = 'float32'>(x: Tensor<T>): Tensor<T> {
  checkAnyTensor(x, 'x');
  const out = copyOf(x);
  if (x.dtype === 'float32' && needs1(x as Tensor)) record(out as Tensor, 'clone', [x as Tensor], (g) => [g]);
  return out;
}

/** torch's repeat(...sizes): x tiled sizes[i] times along each dim (more sizes than dims add leading dims). */
export function repeat(x: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  checkTensor(x, 'x');
  const reps = (sizes.length === 1 && Array.isArray(sizes[0]) ? sizes[0] : sizes) as unknown[];
  reps.forEach((r, i) => checkInteger(r, `sizes[${i}]`, 0));
  const r = reps as number[];
  if (r.length < x.ndim) throw new RangeError(`Number of dimensions of repeat dims (${r.length}) can not be smaller than number of dimensions of tensor (${x.ndim}; shape ${formatShape(x.shape)})`);
  const own = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
  const inter = own.flatMap((d) => [1, d]), wide = own.flatMap((d, i) => [r[i], d]);
  return reshape(expand(reshape(x, inter), wide), own.map((d, i) => d * r[i]));
}

/** torch's flip(dims): the order of the elements reversed along each of dims. */
export function flip(x: Tensor, ...dims: (number | readonly number[])[]): Tensor {
  checkTensor(x, 'x');
  const list = (dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : dims) as number[];
  let y = x;
  for (const d of normDims(list, x.ndim, 'flip')) {
    const n = x.shape[d], idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
    y = indexSelect(y, d, idx);
  }
  return y === x ? clone(x) : y;
}

/** 1 / x (torch's reciprocal). */
export function reciprocal(x: Tensor): Tensor {
  return pow(x, -1);
}

/** 1 / sqrt(x) (torch's rsqrt). */
export function rsqrt(x: Tensor): Tensor {
  return pow(sqrt(x), -1);
}

/**
 * torch.logsumexp(input, dim, keepdim = false): log Σ exp(x) along dim(s), computed as m + log Σ exp(x − m)
 * with m the maximum (taken as 0 where it is ±Inf or NaN, as torch), so it neither overflows nor
 * underflows. Gradient: softmax of x along the dims.
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, 'x');
  if (dim === undefined || dim === null) throw typeError('a dim or a list of dims', 'dim', dim);
  const dims = normDims(dim, x.ndim, 'logsumexp');
  checkBoolean(keepdim, 'keepdim');
  const m = noGrad(() => {
    let mx = x;
    for (const d of dims) mx = max(mx, d, true).values;
    return where(mx.abs().lt(Infinity), mx, 0);
  });
  const s = log(sum(exp(sub(x, m)), dims, true));
  const out = add(s, m);
  return keepdim ? out : reshape(out, x.shape.filter((_, i) => !dims.includes(i)));
}

/** torch.prod(input, dim?, keepdim = false): the product of all elements, or along dim (zeros get their torch gradient). */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  checkTensor(x, 'x');
  if (dim === undefined || dim === null) {
    if (x.size === 0) return add(reshape(x, [0]).sum(), 1); // the empty product
    return select(cumprod(reshape(x, [x.size]), 0), 0, x.size - 1);
  }
  const d = normDim(dim, x.ndim, 'dim', 'prod');
  checkBoolean(keepdim, 'keepdim');
  if (x.ndim === 0) return clone(x);
  const n = x.shape[d];
  const out = n === 0 ? add(sum(x, d), 1) : select(cumprod(x, d), d, n - 1);
  return keepdim ? out.unsqueeze(d) : out;
}

/** torch.outer(a, b): the 1-D a times the 1-D b as a matrix (one binary32 product each). */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'input');
  checkTensor(b, 'vec2');
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`outer: expected 1-D tensors but received shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return mul(reshape(a, [a.size, 1]), reshape(b, [1, b.size]));
}

/** torch.dot(a, b): the inner product of two 1-D tensors of the same length (matmul's canonical sum). */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'input');
  checkTensor(b, 'tensor');
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors (dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)})`);
  if (a.size !== b.size) throw new RangeError(`inconsistent tensor size, expected tensor [${a.size}] and src [${b.size}] to have the same number of elements, but got ${a.size} and ${b.size} elements respectively (dot)`);
  return matmul(a, b);
}
