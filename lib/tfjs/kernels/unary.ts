// Unary maps and Softmax on fastgrad's unary family (same bits on every backend, SIMD level and
// thread count: docs/numerics.md).
import { Abs, Exp, Log, Neg, Relu, Sigmoid, Softmax, Sqrt, Square, Tanh } from '@tensorflow/tfjs-core';
import { abs, exp, log, neg, relu, sigmoid, softmax, sqrt, square, tanh } from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { alloc, f32, output, view, type FastgradKernel } from './util.js';

const unary = (kernelName: string, f: (x: Tensor, opts: { out: Tensor }) => Tensor): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend }) => {
    const X = f32(backend, inputs.x);
    if (!X) return null;
    const out = alloc(backend, X.length);
    f(view(X, [X.length]), { out: view(out, [X.length]) });
    return output(backend, inputs.x.shape, out);
  },
});

export const unaryKernels: readonly FastgradKernel[] = [
  unary(Relu, relu),
  unary(Sigmoid, sigmoid),
  unary(Tanh, tanh),
  unary(Exp, exp),
  unary(Log, log),
  unary(Sqrt, sqrt),
  unary(Square, square),
  unary(Abs, abs),
  unary(Neg, neg),
];

/** Softmax along the last axis (the only axis tfjs's softmax takes): rows × cols. */
export const softmaxKernel: FastgradKernel = {
  kernelName: Softmax,
  impl: ({ inputs, backend, attrs }) => {
    const x = inputs.logits, X = f32(backend, x);
    const r = x.shape.length, dim = (attrs?.dim as number | undefined) ?? -1;
    if (!X || r === 0 || (dim !== -1 && dim !== r - 1)) return null;
    const cols = x.shape[r - 1], out = alloc(backend, X.length);
    softmax(view(X, [X.length / cols, cols]), { out: view(out, [X.length / cols, cols]) });
    return output(backend, x.shape, out);
  },
};
