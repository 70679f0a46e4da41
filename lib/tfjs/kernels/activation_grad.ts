// The gradients of Relu, Sigmoid and Tanh in one pass. tfjs composes them from ops: relu's is
// Step + Cast + Multiply, sigmoid's Sub + Multiply + Multiply (three passes and three fresh arrays
// over every activation of the network). On the 'fastgrad' backend these gradient configs run one
// fastgrad kernel instead (reluBackward / sigmoidBackward / tanhBackward, the numerics contract's
// order: dy·(y·(1 − y)) and dy·(1 − y·y), the same operations tfjs composes, so the same values);
// on any other backend they compose exactly what tfjs does. The fused kernels have gradients
// themselves, so second-order gradients (tf.grad of a gradient) keep working.
import {
  cast, engine, getBackend, getKernel, mul, registerGradient, registerKernel, Relu, scalar, Sigmoid, square, step, sub, Tanh, zerosLike,
  type GradConfig, type NamedTensorMap, type Tensor as TfTensor,
} from '@tensorflow/tfjs-core';
import type { ActivationBackward } from '../../backend/kernels.js';
import { reluBackward, sigmoidBackward, tanhBackward } from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { alloc, output, view, type KernelArgs } from './util.js';

type Backward = (y: Tensor, dy: Tensor, opts: { out: Tensor }) => Tensor;

interface Activation {
  kernelName: string;
  /** The fused gradient kernel's name (registered for the 'fastgrad' backend only). */
  gradName: string;
  fused: Backward;
  /** What tfjs's own gradient config computes (other backends, other dtypes). */
  composed(dy: TfTensor, s: TfTensor): TfTensor;
  /** d(grad)/ds for the second-order gradient: s is the saved x (relu) or y (sigmoid, tanh). */
  secondOrder(g: TfTensor, dy: TfTensor, s: TfTensor): TfTensor;
  /** tfjs's GradConfig saves the input (relu) or the output (sigmoid, tanh). */
  save: Pick<GradConfig, 'inputsToSave' | 'outputsToSave'>;
}

const ACTIVATIONS: Readonly<Record<ActivationBackward, Activation>> = {
  relu: {
    kernelName: Relu,
    gradName: 'FastgradReluGrad',
    fused: reluBackward,
    composed: (dy, x) => mul(dy, cast(step(x), 'float32')),
    secondOrder: (_g, _dy, x) => zerosLike(x),
    save: { inputsToSave: ['x'] },
  },
  sigmoid: {
    kernelName: Sigmoid,
    gradName: 'FastgradSigmoidGrad',
    fused: sigmoidBackward,
    composed: (dy, y) => mul(dy, mul(y, sub(scalar(1), y))),
    secondOrder: (g, dy, y) => mul(mul(g, dy), sub(scalar(1), mul(scalar(2), y))),
    save: { outputsToSave: [true] },
  },
  tanh: {
    kernelName: Tanh,
    gradName: 'FastgradTanhGrad',
    fused: tanhBackward,
    composed: (dy, y) => mul(sub(scalar(1), square(y)), dy),
    secondOrder: (g, dy, y) => mul(mul(g, dy), mul(scalar(-2), y)),
    save: { outputsToSave: [true] },
  },
};

/** The activation's gradient: the fused kernel on 'fastgrad' for float32, else tfjs's composition. */
function gradient(a: Activation, backendName: string, dy: TfTensor, s: TfTensor): TfTensor {
  if (getBackend() === backendName && dy.dtype === 'float32' && s.dtype === 'float32') {
    return engine().runKernel(a.gradName, { dy, s } as unknown as NamedTensorMap) as TfTensor;
  }
  return a.composed(dy, s);
}

/** The fused kernel: dy and the saved tensor in place, the result in a pooled array. */
function fusedKernel(a: Activation) {
  return ({ inputs, backend }: KernelArgs) => {
    const { dy, s } = inputs;
    const DY = backend.data.get(dy.dataId)!.values as Float32Array, S = backend.data.get(s.dataId)!.values as Float32Array;
    const n = DY.length, out = alloc(backend, n);
    if (n > 0) a.fused(view(S, [n]), view(DY, [n]), { out: view(out, [n]) });
    return output(backend, dy.shape, out);
  };
}

/**
 * Registers the fused gradient kernels for `backendName` and the three gradient configs. Called when
 * the backend is created, after the program's imports: tfjs-layers registers tfjs's gradient
 * configs when it loads, and the last registration wins.
 */
export function registerActivationGradients(backendName: string): void {
  for (const a of Object.values(ACTIVATIONS)) {
    if (!getKernel(a.gradName, backendName)) registerKernel({ kernelName: a.gradName, backendName, kernelFunc: fusedKernel(a) as never });
    registerGradient({
      kernelName: a.gradName,
      inputsToSave: ['dy', 's'],
      gradFunc: (g, saved) => {
        const [dy, s] = saved as TfTensor[];
        return { dy: () => gradient(a, backendName, g as TfTensor, s), s: () => a.secondOrder(g as TfTensor, dy, s) };
      },
    });
    registerGradient({
      kernelName: a.kernelName,
      ...a.save,
      gradFunc: (dy, saved) => {
        const [s] = saved as TfTensor[];
        return { x: () => gradient(a, backendName, dy as TfTensor, s) };
      },
    });
  }
}
