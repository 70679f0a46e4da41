// Activation layers. Each forward is one unary-family kernel (docs/numerics.md "Unary family") and
// caches its output y; each backward computes dx from y:
//   ReLU     y = x <= 0 ? +0 : x                 dx = y > 0 ? dy : 0
//   Sigmoid  y = σ(x)                            dx = dy × (y × (1 − y))
//   Tanh     y = tanh(x)                         dx = dy × (1 − y × y)
//   Softmax  y = softmax over the last axis      dx = y × (dy − s), s = Σ_j dy_j × y_j per row
// Softmax's backward composes the elementwise and reduce kernels: t = dy × y (binary mul), s = canonical
// row sums of t (reduce axis 1), u = dy − s (column broadcast), dx = y × u; each step one binary32 op.
import type { ActivationBackward, GemmActivation, UnaryOp } from '../backend/kernels.js';
import { kernels } from '../backend/select.js';
import { checkTensor, formatShape, Tensor } from '../tensor.js';
import { checkGradShape, Module, savedOrThrow, ON_TAPE } from './module.js';
import * as ops from '../ops/unary.js';

/** ReLU, Sigmoid, Tanh: the activations a GEMM epilogue can apply (Sequential fuses them into a preceding Linear). */
export abstract class Pointwise extends Module {
  abstract readonly op: UnaryOp & ActivationBackward & GemmActivation;
  #y: Tensor | null = null;

  /** Records y = op(x) computed elsewhere (a fused GEMM epilogue) as this layer's last output. */
  adoptOutput(y: Tensor): Tensor {
    checkTensor(y, 'y');
    this.#y = y;
    return y;
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    const y = ops[this.op](x);
    this.#y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const y = savedOrThrow(this.#y, this);
    checkGradShape(dy, y.shape, this);
    const dx = Tensor.zeros(y.shape);
    kernels().unary.backward(this.op, y.data, dy.data, dx.data);
    return dx;
  }
}

/** max(x, 0) (relu(−0) = +0, NaN propagates). */
export class ReLU extends Pointwise {
  readonly op = 'relu' as const;
}

/** 1 / (1 + e^−x). */
export class Sigmoid extends Pointwise {
  readonly op = 'sigmoid' as const;
}

export class Tanh extends Pointwise {
  readonly op = 'tanh' as const;
}

/** Softmax over the last axis (torch's dim = -1) of an input with at least one dimension. */
export class Softmax extends Module {
  #y: Tensor | null = null;

  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    if (x.ndim < 1) throw new RangeError(`Expected an input with at least one dimension for x of Softmax but received shape ${formatShape(x.shape)}`);
    const y = ops.softmax(x, -1);
    this.#y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const y = savedOrThrow(this.#y, this);
    checkGradShape(dy, y.shape, this);
    const { rows, cols } = rowsCols(y.shape);
    const E = kernels().elementwise;
    const t = new Float32Array(y.size), s = new Float32Array(rows);
    E.binary('mul', dy.data, y.data, t, 1, y.size, 'full');
    kernels().reduce.axis('sum', t, rows, cols, 1, 0, s);
    E.binary('sub', dy.data, s, t, rows, cols, 'col');
    const dx = Tensor.zeros(y.shape);
    E.binary('mul', y.data, t, dx.data, 1, y.size, 'full');
    return dx;
  }
}

/** The input as rows × cols: cols the last dimension, rows the product of the others. */
function rowsCols(shape: readonly number[]): { rows: number; cols: number } {
  return { rows: shape.slice(0, -1).reduce((a, d) => a * d, 1), cols: shape[shape.length - 1] };
}

ON_TAPE.add(Pointwise);
ON_TAPE.add(Softmax);
