// Linear: y = x·Wᵀ + b for x of shape (N, inFeatures) (or (..., inFeatures): leading dimensions are batch), W (outFeatures, inFeatures), b (outFeatures),
// as torch.nn.Linear. Every product is one GEMM call (docs/numerics.md "GEMM"), so both backends give
// the same bits at any SIMD level and thread count.
//
//   forward   y  = gemm(x, W, transB)           with the bias row fused in the epilogue: y = (x·Wᵀ) + b
//                                               (and, through Sequential, a following ReLU/Sigmoid/Tanh);
//                                               on the tape, ONE node (d = the activation's backward of g)
//   backward  dx = gemm(dy, W)                  (N × out)·(out × in)
//             dW = gemm(dy, x, transA)          (out × N)·(N × in), accumulated into W.grad
//             db = column sums of dy            canonical axis-0 sum (reduce family), accumulated into b.grad
//
// Accumulation is "grad = grad + new" elementwise, one binary32 add, with `new` the full GEMM result
// (grad = new when grad is null). When N is one k block (gemmAccumulatesExactly) the GEMM's own beta = 1
// fold computes exactly grad + new (c = c + p_0), so it is used directly; for larger N the GEMM would add the k blocks
// into grad one by one ((grad + p_0) + p_1 ...), which is not the same rounding, so new is computed into
// a scratch matrix and added after.
import type { GemmActivation } from '../backend/kernels.js';
import { gemmAccumulatesExactly } from '../backend/spec/gemm.js';
import { kernels } from '../backend/select.js';
import { generatorOf, type Generator } from '../random.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, rangeError } from '../validate.js';
import { kaimingUniform, uniform } from '../init/index.js';
import { accumulateGrad, checkGradShape, Module, savedOrThrow, ON_TAPE } from './module.js';
import { recordOp as record } from '../autograd/engine.js';
import { recycleF32 } from '../backend/buffers.js';
import { empty, fresh } from '../ops/core.js';
import { isGradEnabled } from '../autograd/grad_mode.js';


const ACTIVATIONS: readonly GemmActivation[] = ['none', 'relu', 'sigmoid', 'tanh'];

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** (outFeatures, inFeatures). Initialized U(−1/√in, 1/√in): kaiming-uniform with a = √5, as torch. */
  readonly weight: Parameter;
  /** (outFeatures), U(−1/√in, 1/√in) as torch; null with bias: false. */
  readonly bias: Parameter | null;
  #x: Tensor | null = null;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    super();
    checkInteger(inFeatures, 'inFeatures', 0);
    checkInteger(outFeatures, 'outFeatures', 0);
    checkOptions(options, 'Linear options', ['bias', 'generator']);
    const o = (options ?? {}) as LinearOptions;
    const hasBias = o.bias ?? true;
    checkBoolean(hasBias, 'bias');
    const generator = generatorOf(o.generator);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', Parameter.zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', hasBias ? Parameter.zeros([outFeatures]) : null);
    if (inFeatures > 0 && outFeatures > 0) kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias && inFeatures > 0) {
      const bound = 1 / Math.sqrt(inFeatures);
      uniform(this.bias, { a: -bound, b: bound, generator });
    }
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }

  /** x of shape (..., in): every leading dimension is a batch dimension (N = their product); y is (..., out). */
  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 'none');
  }

  /**
   * forward(x) followed by an activation in the same GEMM call (its epilogue, same bits as applying the
   * unary op afterwards). What Sequential uses for Linear → ReLU / Sigmoid / Tanh.
   */
  forwardWith(x: Tensor, activation: GemmActivation): Tensor {
    checkTensor(x, 'x');
    if (!ACTIVATIONS.includes(activation)) throw rangeError(`one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`, 'activation', activation);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Expected x of shape [..., ${this.inFeatures}] for Linear(${this.inFeatures}, ${this.outFeatures}) but received shape ${formatShape(x.shape)}`);
    }
    this.#x = x;
    return linearNode(x, this.weight, this.bias, activation);
  }

  /** Returns dx (shape of x) and accumulates dW, db; see the file comment for the exact order. */
  backward(dy: Tensor): Tensor {
    const x = savedOrThrow(this.#x, this);
    const n = rowsOf(x, this.inFeatures);
    checkGradShape(dy, [...x.shape.slice(0, -1), this.outFeatures], this);
    this.accumulateGrads(dy, x);
    const dx = Tensor.zeros(x.shape);
    kernels().gemm.gemm(dy.data, this.weight.data, dx.data, n, this.inFeatures, this.outFeatures, false, false, 1, 0, null, 'none');
    return dx;
  }

  /** Only the parameter gradients of the last forward (what a first layer needs: its input has no gradient). */
  override backwardParameters(dy: Tensor): void {
    const x = savedOrThrow(this.#x, this);
    checkGradShape(dy, [...x.shape.slice(0, -1), this.outFeatures], this);
    this.accumulateGrads(dy, x);
  }

  private accumulateGrads(dy: Tensor, x: Tensor): void {
    const K = kernels(), inF = this.inFeatures, n = rowsOf(x, inF), out = this.outFeatures;
    const w = this.weight;
    if (w.grad && gemmAccumulatesExactly(n)) {
      K.gemm.gemm(dy.data, x.data, w.grad.data, out, inF, n, true, false, 1, 1, null, 'none');
    } else {
      const dw = Tensor.zeros([out, inF]);
      K.gemm.gemm(dy.data, x.data, dw.data, out, inF, n, true, false, 1, 0, null, 'none');
      accumulateGrad(w, dw);
    }
    if (this.bias) {
      const db = Tensor.zeros([out]);
      K.reduce.axis('sum', dy.data, n, out, 0, 0, db.data);
      accumulateGrad(this.bias, db);
    }
  }
}

/** Rows of x viewed as (N, in): the product of the leading dimensions (in = 0: from the shape, not the size). */
function rowsOf(x: Tensor, inF: number): number {
  return inF > 0 ? x.size / inF : x.shape.slice(0, -1).reduce((a, d) => a * d, 1);
}

ON_TAPE.add(Linear);

/**
 * y = x·wᵀ (+ b), then the activation, in one GEMM call, recorded as ONE tape node when a gradient is
 * wanted (nn.Linear and fg.nn.functional.linear; the caller has checked the shapes: x (..., in), w (out, in),
 * b (out)).
 */
export function linearNode(x: Tensor, w: Tensor, b: Tensor | null, activation: GemmActivation): Tensor {
  const outF = w.shape[0], inF = w.shape[1];
  const n = rowsOf(x, inF);
  const y = empty([...x.shape.slice(0, -1), outF]); // the GEMM (beta 0) writes all of it
  kernels().gemm.gemm(x.data, w.data, y.data, n, outF, inF, false, true, 1, 0, b?.data ?? null, activation);
  if (isGradEnabled() && (x.requiresGrad || w.requiresGrad || (b !== null && b.requiresGrad))) {
    // one tape node for the GEMM, its bias and activation (see the file comment for backward)
    record(y, activation === 'none' ? 'linear' : `linear+${activation}`, b ? [x, w, b] : [x, w], (g) => {
      // every output written in full (GEMM with beta 0, the column sums): arrays from the buffer cache
      const K = kernels();
      let d = g;
      if (activation !== 'none') {
        d = empty(y.shape);
        K.unary.backward(activation, y.data, g.data, d.data);
      }
      let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
      if (x.requiresGrad) {
        dx = empty(x.shape);
        K.gemm.gemm(d.data, w.data, dx.data, n, inF, outF, false, false, 1, 0, null, 'none');
      }
      if (w.requiresGrad) {
        dw = empty([outF, inF]);
        K.gemm.gemm(d.data, x.data, dw.data, outF, inF, n, true, false, 1, 0, null, 'none');
      }
      if (b !== null && b.requiresGrad) {
        db = fresh([outF]);
        K.reduce.axis('sum', d.data, n, outF, 0, 0, db.data);
      }
      if (d !== g) recycleF32(d.data); // the activation's gradient: made here, read only here
      return b ? [dx, dw, db] : [dx, dw];
    }, activation === 'none' ? [x, w] : [x, w, y]);
  }
  return y;
}
