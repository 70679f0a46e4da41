// Sum, Mean and Max on fastgrad's reductions (canonical order: docs/numerics.md "Reduction family").
// The reduced axes must be one run of adjacent axes at the start or at the end of the shape (a
// rows × cols view, axis 0 or 1: a bias gradient, a loss, a per-row sum); others run on the CPU kernel.
import { backend_util, Max, Mean, Sum, util } from '@tensorflow/tfjs-core';
import { max, mean, sum, type ReduceOptions } from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { f32, output, sizeOf, view, type FastgradKernel } from './util.js';

type Reducer = (x: Tensor, opts?: ReduceOptions) => Tensor;

const reduction = (kernelName: string, f: Reducer, axisAttr: string): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend, attrs }) => {
    const x = inputs.x, X = f32(backend, x);
    if (!X) return null;
    const shape = x.shape, r = shape.length;
    const axes = util.parseAxisParam(attrs?.[axisAttr] as number | number[], shape).slice().sort((p, q) => p - q);
    const lo = axes[0], hi = axes[axes.length - 1];
    if (axes.length === 0 || hi - lo + 1 !== axes.length || new Set(axes).size !== axes.length) return null;
    let res: Tensor;
    if (hi === r - 1) {
      const rows = sizeOf(shape.slice(0, lo)), cols = sizeOf(shape.slice(lo));
      res = rows === 1 ? f(view(X, [cols])) : f(view(X, [rows, cols]), { axis: 1 });
    } else if (lo === 0) {
      const rows = sizeOf(shape.slice(0, hi + 1)), cols = sizeOf(shape.slice(hi + 1));
      res = f(view(X, [rows, cols]), { axis: 0 });
    } else {
      return null;
    }
    const [outShape] = backend_util.computeOutAndReduceShapes(shape, axes);
    const keep = attrs?.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    return output(backend, keep, res.data);
  },
});

export const reduceKernels: readonly FastgradKernel[] = [
  reduction(Sum, sum, 'axis'),
  reduction(Mean, mean, 'axis'),
  reduction(Max, max, 'reductionIndices'),
];
