// torch.norm / Tensor.norm(p = 2, dim?, keepdim = false) on the tape. p = 2: sqrt of the canonical sum
// of squares (the same terms and order as sumSquares), with torch's gradient x / ‖x‖ and 0 where the
// norm is 0 (not NaN); p = 1: the sum of |x|; p = Infinity: the largest |x|; any other p > 0:
// (Σ |x|^p)^(1/p) composed from ops. The option form norm(x, { axis, keepdim, out }) stays (no gradient).
import { recordOp as record } from '../autograd/engine.js';
import { isGradEnabled, noGrad } from '../autograd/grad_mode.js';
import { checkTensor, makeTensor, Tensor } from '../tensor.js';
import { checkBoolean, rangeError, typeError } from '../validate.js';
import { div, mul } from './elementwise.js';
import { where } from './compare.js';
import { dimsOf, legacyNorm, max, reducedShape, sum, type DimArg, type ReduceOptions } from './reduce.js';
import { abs, sqrt, square } from './unary.js';

export function norm(x: Tensor, opts: ReduceOptions): Tensor;
export function norm(x: Tensor, p?: number, dim?: DimArg, keepdim?: boolean): Tensor;
export function norm(x: Tensor, p?: number | ReduceOptions, dim?: DimArg, keepdim = false): Tensor {
  if (p !== null && typeof p === 'object') return legacyNorm(x, p);
  checkTensor(x, 'x');
  const q = p ?? 2;
  if (typeof q !== 'number') throw typeError('a number (the order p) or an options object', 'p', q);
  if (!(q > 0)) throw rangeError('a number > 0 (1, 2, Infinity, ...)', 'p', q);
  checkBoolean(keepdim, 'keepdim');
  const dims = dim ?? null;
  if (q === 1) return sum(abs(x), dims, keepdim);
  if (q === Infinity) return dims === null ? max(abs(x)) : amax(abs(x), dims, keepdim);
  if (q !== 2) {
    const s = sum(abs(x).pow(q), dims, keepdim);
    return s.pow(1 / q);
  }
  // p = 2: one node, so the gradient at a zero norm is 0 (x / 0 would be NaN)
  const yk = noGrad(() => sqrt(sum(square(x), dims, true)));
  const y = keepdim ? yk : makeTensor(yk.data, reducedShape(x.shape, dimsOf(x, dims, 'norm'), false));
  if (isGradEnabled() && x.requiresGrad) {
    const kshape = yk.shape;
    record(y, 'norm', [x], (g) => {
      const gk = makeTensor(g.data, kshape);
      const scale = where(yk.eq(0), 0, div(gk, yk)); // torch: 0 where the norm is 0
      return [mul(x, scale)];
    }, [x]);
  }
  return y;
}

/** The largest value over dims (one or a list), for norm's p = Infinity. */
function amax(x: Tensor, dims: number | readonly number[], keepdim: boolean): Tensor {
  const ds = dimsOf(x, dims, 'norm');
  let t = x;
  for (const d of [...ds].reverse()) t = max(t, d, true).values;
  return keepdim ? t : t.reshape(reducedShape(x.shape, ds, false));
}
