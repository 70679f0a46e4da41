// Add, Sub, Mul, RealDiv and AddN on fastgrad's elementwise family, with tfjs's broadcasting (numpy
// rules): lib/ops' binaryInto takes both shapes as they are (same shape, a scalar, a row or a column
// on the row/column kernels; any other broadcast on the N-D broadcast kernel). Each element is one
// binary32 operation, so the values are the CPU kernel's.
import { Add, AddN, backend_util, Multiply, RealDiv, Sub, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BinaryOp } from '../../backend/kernels.js';
import { binaryInto } from '../../ops/elementwise.js';
import { sameShape } from '../../tensor.js';
import { alloc, f32, output, type FastgradKernel, type KernelArgs } from './util.js';

function binary(op: BinaryOp, args: KernelArgs): TensorInfo | null {
  const { backend } = args;
  const { a, b } = args.inputs;
  const A = f32(backend, a), B = f32(backend, b);
  if (!A || !B) return null;
  const shape = sameShape(a.shape, b.shape) ? a.shape : backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  const out = alloc(backend, n);
  binaryInto(op, A, a.shape, B, b.shape, out, shape);
  return output(backend, shape, out);
}

const kernel = (kernelName: string, op: BinaryOp): FastgradKernel => ({ kernelName, impl: (args) => binary(op, args) });

export const addKernel = kernel(Add, 'add');
export const subKernel = kernel(Sub, 'sub');
export const mulKernel = kernel(Multiply, 'mul');
export const realDivKernel = kernel(RealDiv, 'div');

/** Sum of same-shape float32 tensors, left to right (the CPU kernel's order). */
export const addNKernel: FastgradKernel = {
  kernelName: AddN,
  impl: ({ inputs, backend }) => {
    const ts = Object.values(inputs) as TensorInfo[];
    const xs = ts.map((t) => f32(backend, t));
    if (ts.length < 2 || xs.some((x, i) => !x || x.length !== xs[0]!.length || ts[i].shape.join() !== ts[0].shape.join())) return null;
    const n = xs[0]!.length, out = alloc(backend, n), shape = ts[0].shape;
    binaryInto('add', xs[0]!, shape, xs[1]!, shape, out, shape);
    for (let i = 2; i < xs.length; i++) binaryInto('add', out, shape, xs[i]!, shape, out, shape);
    return output(backend, shape, out);
  },
};
