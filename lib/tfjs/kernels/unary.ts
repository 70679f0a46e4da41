// Unary maps and Softmax on fastgrad's unary family (same bits on every backend, SIMD level and
// thread count: docs/numerics.md).
import { Abs, ClipByValue, Exp, Log, Log1p, Neg, Relu, Sigmoid, Softmax, Sqrt, Square, Tanh } from '@tensorflow/tfjs-core';
import type { UnaryOp } from '../../backend/kernels.js';
import { softmaxData, unaryData } from '../../ops/unary.js';
import { kfor } from '../../ops/core.js';
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

/**
 * ClipByValue on fastgrad's clamp (t = x < lo ? lo : x; t > hi ? hi : t, bounds as binary32). The CPU
 * kernel computes x > hi ? hi : x < lo ? lo : x with the bounds as given (doubles); for a binary32 x,
 * x > hi exactly when x > fround(hi) or x = fround(hi) > hi (no binary32 lies between a bound and
 * its rounding), and either way the result is fround(hi): the same values, NaN and signed zeros
 * included. Bounds in the wrong order (which tf.clipByValue rejects) run on the CPU kernel.
 */
const clipByValueKernel: FastgradKernel = {
  kernelName: ClipByValue,
  impl: ({ inputs, backend, attrs }) => {
    const X = f32(backend, inputs.x), lo = attrs?.clipValueMin as number, hi = attrs?.clipValueMax as number;
    if (!X || !(lo <= hi)) return null;
    const out = alloc(backend, X.length);
    kfor(X.length).elementwise.clamp(X, lo, hi, out);
    return output(backend, inputs.x.shape, out);
  },
};

/**
 * Log1p on fastgrad's special family: Math.log1p's bits (the CPU kernel's expression) per element,
 * native (fdlibm's log1p in binary64, threaded) or the TypeScript twin (Math.log1p itself).
 */
const log1pKernel: FastgradKernel = {
  kernelName: Log1p,
  impl: ({ inputs, backend }) => {
    const X = f32(backend, inputs.x);
    if (!X) return null;
    const out = alloc(backend, X.length);
    kfor(X.length, 'transcendental').special.log1p(X, out);
    return output(backend, inputs.x.shape, out);
  },
};

export const loopKernels: readonly FastgradKernel[] = [clipByValueKernel, log1pKernel];

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
