// Unary maps and Softmax on fastgrad's unary family (same bits on every backend, SIMD level and
// thread count: docs/numerics.md).
import { Abs, ClipByValue, Exp, Log, Log1p, Neg, Relu, Sigmoid, Softmax, Sqrt, Square, Tanh } from '@tensorflow/tfjs-core';
import type { UnaryOp } from '../../backend/kernels.js';
import { softmaxData, unaryData } from '../../ops/unary.js';
import { alloc, f32, output, type FastgradKernel } from './util.js';

const unary = (kernelName: string, op: UnaryOp): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend }) => {
    const X = f32(backend, inputs.x);
    if (!X) return null;
    const out = alloc(backend, X.length);
    unaryData(op, X, out);
    return output(backend, inputs.x.shape, out);
  },
});

export const unaryKernels: readonly FastgradKernel[] = [
  unary(Relu, 'relu'),
  unary(Sigmoid, 'sigmoid'),
  unary(Tanh, 'tanh'),
  unary(Exp, 'exp'),
  unary(Log, 'log'),
  unary(Sqrt, 'sqrt'),
  unary(Square, 'square'),
  unary(Abs, 'abs'),
  unary(Neg, 'neg'),
];

/** A map tfjs's CPU kernel does in JavaScript, done the same way (one loop, constants hoisted) into a recycled array (storage.ts). */
const loop = (kernelName: string, map: (x: Float32Array, out: Float32Array, attrs: Record<string, unknown>) => void): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend, attrs }) => {
    const X = f32(backend, inputs.x);
    if (!X) return null;
    const out = alloc(backend, X.length);
    map(X, out, attrs ?? {});
    return output(backend, inputs.x.shape, out);
  },
});

/** ClipByValue and Log1p, with the CPU kernel's expressions (min and max compared as given). */
export const loopKernels: readonly FastgradKernel[] = [
  loop(ClipByValue, (x, out, a) => {
    const lo = a.clipValueMin as number, hi = a.clipValueMax as number;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      out[i] = v > hi ? hi : v < lo ? lo : v;
    }
  }),
  loop(Log1p, (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = Math.log1p(x[i]);
  }),
];

/** Softmax along the last axis (the only axis tfjs's softmax takes): rows × cols. */
export const softmaxKernel: FastgradKernel = {
  kernelName: Softmax,
  impl: ({ inputs, backend, attrs }) => {
    const x = inputs.logits, X = f32(backend, x);
    const r = x.shape.length, dim = (attrs?.dim as number | undefined) ?? -1;
    if (!X || r === 0 || (dim !== -1 && dim !== r - 1)) return null;
    const out = alloc(backend, X.length);
    softmaxData('softmax', X, x.shape, r - 1, out);
    return output(backend, x.shape, out);
  },
};
