// Elementwise gradients in one pass. tfjs composes them from ops: relu's is Step + Cast + Multiply,
// sigmoid's Sub + Multiply + Multiply, clipByValue's GreaterEqual + LessEqual + LogicalAnd + Select
// (+ ZerosLike), abs's Step + Multiply: up to five passes and five fresh arrays over every element.
// On the 'fastgrad' backend these gradient configs run one kernel instead, doing the operations
// tfjs composes in the same order, so the same values: relu, sigmoid and tanh on fastgrad's
// reluBackward / sigmoidBackward / tanhBackward (the numerics contract's order: dy·(y·(1 − y)),
// dy·(1 − y·y)), clipByValue and abs as one TypeScript loop each. On any other backend they compose
// exactly what tfjs does. The fused kernels have gradients themselves, so second-order gradients
// (tf.grad of a gradient) work as they do on 'cpu'.
import {
  Abs, cast, ClipByValue, engine, getBackend, getKernel, greaterEqual, lessEqual, logicalAnd, mul, registerGradient, registerKernel, Relu, scalar,
  Sigmoid, square, step, sub, Tanh, where, zerosLike,
  type GradConfig, type NamedAttrMap, type NamedTensorMap, type Tensor as TfTensor,
} from '@tensorflow/tfjs-core';
import type { ActivationBackward } from '../../backend/kernels.js';
import { kernels } from '../../backend/select.js';
import { alloc, output, type KernelArgs } from './util.js';

/** out = the gradient from s (the saved x or y) and dy, n elements; attrs are the forward kernel's. */
type Fused = (s: Float32Array, dy: Float32Array, out: Float32Array, attrs: NamedAttrMap) => void;

interface Activation {
  kernelName: string;
  /** The fused gradient kernel's name (registered for the 'fastgrad' backend only). */
  gradName: string;
  fused: Fused;
  /** What tfjs's own gradient config computes (other backends, other dtypes). */
  composed(dy: TfTensor, s: TfTensor, attrs: NamedAttrMap): TfTensor;
  /** d(grad)/ds for the second-order gradient: s is the saved x (relu, clipByValue, abs) or y (sigmoid, tanh). */
  secondOrder(g: TfTensor, dy: TfTensor, s: TfTensor): TfTensor;
  /** tfjs's GradConfig saves the input (relu, clipByValue, abs) or the output (sigmoid, tanh). */
  save: Pick<GradConfig, 'inputsToSave' | 'outputsToSave'>;
}

/** A fastgrad activation backward (the unary family's kernel, as fg.ops.reluBackward etc. call it) as a Fused kernel. */
const op = (f: ActivationBackward): Fused => (s, dy, out) => kernels().unary.backward(f, s, dy, out);

const fr = Math.fround;

const ACTIVATIONS: readonly Activation[] = [
  {
    kernelName: Relu,
    gradName: 'FastgradReluGrad',
    fused: op('relu'),
    composed: (dy, x) => mul(dy, cast(step(x), 'float32')),
    secondOrder: (_g, _dy, x) => zerosLike(x),
    save: { inputsToSave: ['x'] },
  },
  {
    kernelName: Sigmoid,
    gradName: 'FastgradSigmoidGrad',
    fused: op('sigmoid'),
    composed: (dy, y) => mul(dy, mul(y, sub(scalar(1), y))),
    secondOrder: (g, dy, y) => mul(mul(g, dy), sub(scalar(1), mul(scalar(2), y))),
    save: { outputsToSave: [true] },
  },
  {
    kernelName: Tanh,
    gradName: 'FastgradTanhGrad',
    fused: op('tanh'),
    composed: (dy, y) => mul(sub(scalar(1), square(y)), dy),
    secondOrder: (g, dy, y) => mul(mul(g, dy), mul(scalar(-2), y)),
    save: { outputsToSave: [true] },
  },
  {
    // where(x >= min && x <= max, dy, 0); tfjs compares with min and max as float32 tensors.
    kernelName: ClipByValue,
    gradName: 'FastgradClipByValueGrad',
    fused: (x, dy, out, attrs) => {
      const lo = fr(attrs.clipValueMin as number), hi = fr(attrs.clipValueMax as number);
      for (let i = 0; i < out.length; i++) out[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0;
    },
    composed: (dy, x, attrs) =>
      where(logicalAnd(greaterEqual(x, attrs.clipValueMin as number), lessEqual(x, attrs.clipValueMax as number)), dy, zerosLike(dy)),
    secondOrder: (_g, _dy, x) => zerosLike(x),
    save: { inputsToSave: ['x'] },
  },
  {
    // dy·step(x, −1): dy where x > 0, −dy where x ≤ 0, NaN where x is NaN.
    kernelName: Abs,
    gradName: 'FastgradAbsGrad',
    fused: (x, dy, out) => {
      for (let i = 0; i < out.length; i++) out[i] = x[i] > 0 ? dy[i] : x[i] !== x[i] ? NaN : -dy[i];
    },
    composed: (dy, x) => mul(dy, step(cast(x, 'float32'), -1)),
    secondOrder: (_g, _dy, x) => zerosLike(x),
    save: { inputsToSave: ['x'] },
  },
];

/** The gradient: the fused kernel on 'fastgrad' for float32, else tfjs's composition. */
function gradient(a: Activation, backendName: string, dy: TfTensor, s: TfTensor, attrs: NamedAttrMap): TfTensor {
  if (getBackend() === backendName && dy.dtype === 'float32' && s.dtype === 'float32') {
    return engine().runKernel(a.gradName, { dy, s } as unknown as NamedTensorMap, attrs) as TfTensor;
  }
  return a.composed(dy, s, attrs);
}

/** The fused kernel: dy and the saved tensor in place, the result in a pooled array. */
function fusedKernel(a: Activation) {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const { dy, s } = inputs;
    const DY = backend.data.get(dy.dataId)!.values as Float32Array, S = backend.data.get(s.dataId)!.values as Float32Array;
    const out = alloc(backend, DY.length);
    if (out.length > 0) a.fused(S, DY, out, attrs ?? {});
    return output(backend, dy.shape, out);
  };
}

/**
 * Registers the fused gradient kernels for `backendName` and the three gradient configs. Called when
 * the backend is created, after the program's imports: tfjs-layers registers tfjs's gradient
 * configs when it loads, and the last registration wins.
 */
export function registerFusedGradients(backendName: string): void {
  for (const a of ACTIVATIONS) {
    if (!getKernel(a.gradName, backendName)) registerKernel({ kernelName: a.gradName, backendName, kernelFunc: fusedKernel(a) as never });
    registerGradient({
      kernelName: a.gradName,
      inputsToSave: ['dy', 's'],
      gradFunc: (g, saved, attrs) => {
        const [dy, s] = saved as TfTensor[];
        return { dy: () => gradient(a, backendName, g as TfTensor, s, attrs), s: () => a.secondOrder(g as TfTensor, dy, s) };
      },
    });
    registerGradient({
      kernelName: a.kernelName,
      ...a.save,
      gradFunc: (dy, saved, attrs) => {
        const [s] = saved as TfTensor[];
        return { x: () => gradient(a, backendName, dy as TfTensor, s, attrs) };
      },
    });
  }
}
