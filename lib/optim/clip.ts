// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_ semantics).
import { kernels } from '../backend/select.js';
import { Tensor } from '../tensor.js';
import { checkBoolean, checkFinite, rangeError, typeError } from '../validate.js';

const fr = Math.fround;

function gradsOf(params: readonly Tensor[] | Tensor, name: string): Float32Array[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw typeError('a Tensor or an array of Tensors (parameters)', name, params);
  const out: Float32Array[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw typeError('a Tensor', `${name}[${i}]`, p);
    if (p.grad === null) return;
    if (!(p.grad instanceof Tensor) || p.grad.size !== p.size) throw rangeError(`a gradient of length ${p.size}`, `${name}[${i}].grad`, p.grad);
    out.push(p.grad.data);
  });
  return out;
}

/**
 * Scales every gradient by min(maxNorm / (norm + 1e-6), 1), where norm is the global L2 norm over
 * all gradients (parameters without a gradient are skipped); returns the norm, as torch does.
 * The norm is the reduce family's normL2List (one native call over all gradients: each gradient's
 * canonical sum of squares, added in parameter order, then sqrt); the factor fr(min(maxNorm / (norm + 1e-6), 1))
 * is computed in double and multiplies every element (g = g * factor). With errorIfNonfinite a
 * NaN/Infinity norm throws before any gradient changes.
 */
export function clipGradNorm(params: readonly Tensor[] | Tensor, maxNorm: number, opts: { errorIfNonfinite?: boolean } = {}): number {
  checkFinite(maxNorm, 'maxNorm');
  if (!(maxNorm >= 0)) throw rangeError('a finite number >= 0', 'maxNorm', maxNorm);
  const strict = opts.errorIfNonfinite ?? false;
  checkBoolean(strict, 'errorIfNonfinite');
  const grads = gradsOf(params, 'params');
  if (grads.length === 0) return 0;
  const K = kernels();
  const norm = K.reduce.normL2List(grads);
  if (strict && !Number.isFinite(norm)) {
    throw new RangeError(`The total norm of the gradients is ${norm}, so they cannot be clipped (errorIfNonfinite is true)`);
  }
  const factor = fr(Math.min(maxNorm / (norm + 1e-6), 1));
  for (const g of grads) K.elementwise.scalar('mul', g, factor, g);
  return norm;
}

/** Clamps every gradient element to [-clipValue, clipValue] (NaN stays NaN). */
export function clipGradValue(params: readonly Tensor[] | Tensor, clipValue: number): void {
  checkFinite(clipValue, 'clipValue');
  if (!(clipValue >= 0)) throw rangeError('a finite number >= 0', 'clipValue', clipValue);
  const grads = gradsOf(params, 'params');
  const K = kernels();
  for (const g of grads) K.elementwise.clamp(g, -clipValue, clipValue, g);
}
