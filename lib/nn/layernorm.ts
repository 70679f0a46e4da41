// LayerNorm (torch.nn.LayerNorm): each input is normalized over its last dimensions (normalizedShape,
// D values) with its own mean and biased variance; γ and β have shape normalizedShape. One fused pass
// forward and one backward; their exact binary32 sequence is in lib/backend/js/layernorm.ts and
// docs/numerics.md "Layer normalization".
import { emptyF32 } from '../backend/buffers.js';
import { kernels } from '../backend/select.js';
import { empty } from '../ops/core.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, typeError } from '../validate.js';
import { checkEps } from './functional.js';
import { accumulateGrad, checkGradShape, Module, savedOrThrow } from './module.js';
import { gradOf, recordLayer } from './tape.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable γ (init 1) and β (init 0) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
}

export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  #saved: { x: Tensor; R: number; D: number; mean: Float32Array; rstd: Float32Array } | null = null;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) throw typeError('a positive integer or a non-empty array of them', 'normalizedShape of LayerNorm', normalizedShape);
    shape.forEach((d, i) => checkInteger(d, `normalizedShape[${i}] of LayerNorm`, 1));
    checkOptions(options, 'LayerNorm options', ['eps', 'elementwiseAffine']);
    const o = options ?? {};
    const eps = o.eps === undefined ? 1e-5 : checkEps(o.eps, 'eps of LayerNorm');
    const affine = o.elementwiseAffine ?? true;
    checkBoolean(affine, 'elementwiseAffine of LayerNorm');
    this.normalizedShape = Object.freeze(shape.slice());
    this.eps = eps;
    this.elementwiseAffine = affine;
    const D = shape.reduce((a, d) => a * d, 1);
    this.weight = this.registerParameter('weight', affine ? new Parameter(new Float32Array(D).fill(1), shape) : null);
    this.bias = this.registerParameter('bias', affine ? Parameter.zeros(shape) : null);
  }

  get name(): string {
    return `LayerNorm(${formatShape(this.normalizedShape)})`;
  }

  forward(x: Tensor): Tensor {
    const r = normalize(x, this.normalizedShape, this.eps, this.weight, this.bias, this.name);
    this.#saved = { x, R: r.R, D: r.D, mean: r.mean, rstd: r.rstd };
    return r.y;
  }

  backward(dy: Tensor): Tensor {
    return this.#backward(dy);
  }

  #backward(dy: Tensor): Tensor {
    const { x, R, D, mean, rstd } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, x.shape, this);
    const dx = empty(x.shape); // the kernel writes every element
    const dg = this.weight ? new Float32Array(D) : null, db = this.bias ? new Float32Array(D) : null;
    kernels().layernorm.backward(dy.data, x.data, R, D, mean, rstd, this.weight?.data ?? null, dx.data, dg, db);
    if (this.weight && dg) accumulateGrad(this.weight, new Tensor(dg, this.normalizedShape));
    if (this.bias && db) accumulateGrad(this.bias, new Tensor(db, this.normalizedShape));
    return dx;
  }
}

/** The fused forward over the last dims (= normalizedShape) of x, recorded as one node over x, w, b. */
function normalize(x: Tensor, normalizedShape: readonly number[], eps: number, w: Tensor | null, b: Tensor | null, name: string) {
  checkTensor(x, `x of ${name}`);
  const k = normalizedShape.length;
  if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(`Expected x of shape [..., ${normalizedShape.join(', ')}] for ${name} (the last dimensions = normalizedShape) but received shape ${formatShape(x.shape)}`);
  }
  const D = normalizedShape.reduce((a, d) => a * d, 1), R = x.size / D;
  // outputs from the buffer cache, uninitialised: the kernel writes every element
  const y = empty(x.shape);
  const mean = emptyF32(R), rstd = emptyF32(R);
  kernels().layernorm.forward(x.data, R, D, Math.fround(eps), w?.data ?? null, b?.data ?? null, y.data, mean, rstd);
  const inputs = w && b ? [x, w, b] : [x];
  recordLayer(y, 'layerNorm', inputs, inputs, (g) => {
    const dx = emptyF32(x.size), dg = w ? new Float32Array(D) : null, db = b ? new Float32Array(D) : null;
    kernels().layernorm.backward(g.data, x.data, R, D, mean, rstd, w?.data ?? null, dx, dg, db);
    return [gradOf(dx, x.shape, x.requiresGrad), ...(w && b ? [gradOf(dg, w.shape, w.requiresGrad), gradOf(db, b.shape, b.requiresGrad)] : [])];
  }, true); // pure: the backward returns new arrays and keeps nothing of g
  return { y, R, D, mean, rstd };
}

/**
 * torch.nn.functional.layer_norm(input, normalized_shape, weight, bias, eps): weight and bias (Tensors of
 * shape normalizedShape) both or neither; the same fused kernels and tape node as LayerNorm.
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options?: { weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0) throw typeError('a positive integer or a non-empty array of them', 'normalizedShape of layerNorm', normalizedShape);
  shape.forEach((d, i) => checkInteger(d, `normalizedShape[${i}] of layerNorm`, 1));
  checkOptions(options, 'layerNorm options', ['weight', 'bias', 'eps']);
  const o = options ?? {};
  const eps = o.eps === undefined ? 1e-5 : checkEps(o.eps, 'eps of layerNorm');
  const w = o.weight ?? null, b = o.bias ?? null;
  for (const [t, n] of [[w, 'weight'], [b, 'bias']] as const) {
    if (t === null) continue;
    checkTensor(t, `${n} of layerNorm`);
    if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`Expected ${n} of shape ${formatShape(shape)} (normalizedShape) for layerNorm but received shape ${formatShape(t.shape)}`);
    }
  }
  if ((w === null) !== (b === null)) throw new RangeError('Expected weight and bias both given or both omitted for layerNorm (fastgrad fuses the affine pair)');
  return normalize(x, shape, eps, w, b, `layerNorm(normalizedShape=${formatShape(shape)})`).y;
}
