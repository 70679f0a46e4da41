// LayerNorm (torch.nn.LayerNorm): each input is normalized over its last dimensions (normalizedShape,
// D values) with its own mean and biased variance; γ and β have shape normalizedShape. One fused pass
// forward and one backward; their exact binary32 sequence is in lib/backend/js/layernorm.ts and
// docs/numerics.md "Layer normalization".
import { layerNormBackward, layerNormForward } from '../backend/js/layernorm.js';
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
    checkTensor(x, `x of ${this.name}`);
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((d, i) => d !== this.normalizedShape[i])) {
      throw new RangeError(`Expected x of shape [..., ${this.normalizedShape.join(', ')}] for ${this.name} (the last dimensions = normalizedShape) but received shape ${formatShape(x.shape)}`);
    }
    const D = this.normalizedShape.reduce((a, d) => a * d, 1), R = x.size / D;
    const y = Tensor.zeros(x.shape);
    const mean = new Float32Array(R), rstd = new Float32Array(R);
    layerNormForward(x.data, R, D, Math.fround(this.eps), this.weight?.data ?? null, this.bias?.data ?? null, y.data, mean, rstd);
    this.#saved = { x, R, D, mean, rstd };
    const w = this.weight, b = this.bias;
    const inputs = w && b ? [x, w, b] : [x];
    return recordLayer(y, 'layerNorm', inputs, inputs, (g) => {
      const dx = new Float32Array(x.size), dg = w ? new Float32Array(D) : null, db = b ? new Float32Array(D) : null;
      layerNormBackward(g.data, x.data, R, D, mean, rstd, w?.data ?? null, dx, dg, db);
      return [gradOf(dx, x.shape, x.requiresGrad), ...(w && b ? [gradOf(dg, w.shape, w.requiresGrad), gradOf(db, b.shape, b.requiresGrad)] : [])];
    });
  }

  backward(dy: Tensor): Tensor {
    return this.#backward(dy);
  }

  #backward(dy: Tensor): Tensor {
    const { x, R, D, mean, rstd } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, x.shape, this);
    const dx = Tensor.zeros(x.shape);
    const dg = this.weight ? new Float32Array(D) : null, db = this.bias ? new Float32Array(D) : null;
    layerNormBackward(dy.data, x.data, R, D, mean, rstd, this.weight?.data ?? null, dx.data, dg, db);
    if (this.weight && dg) accumulateGrad(this.weight, new Tensor(dg, this.normalizedShape));
    if (this.bias && db) accumulateGrad(this.bias, new Tensor(db, this.normalizedShape));
    return dx;
  }
}
