// Unary maps and Softmax on fastgrad's unary family (same bits on every backend, SIMD level and
// thread count: docs/numerics.md).
import { Abs, ClipByValue, Exp, Log, Log1p, Neg, Relu, Sigmoid, Softmax, Sqrt, Square, Tanh } from '@tensorflow/tfjs-core';
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

/** A map tfjs's CPU kernel does in JavaScript, done the same way into a recycled array (storage.ts). */
const loop = (kernelName: string, f: (x: number, attrs: Record<string, unknown>) => number): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend, attrs }) => {
    const X = f32(backend, inputs.x);
    if (!X) return null;
    const out = alloc(backend, X.length), a = attrs ?? {};
    for (let i = 0; i < X.length; i++) out[i] = f(X[i], a);
    return output(backend, inputs.x.shape, out);
  },
});

/** ClipByValue and Log1p, with the CPU kernel's expressions (min and max compared as given). */
export const loopKernels: readonly FastgradKernel[] = [
  loop(ClipByValue, (v, a) => (v > (a.clipValueMax as number) ? (a.clipValueMax as number) : v < (a.clipValueMin as number) ? (a.clipValueMin as number) : v)),
  loop(Log1p, (v) => Math.log1p(v)),
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
