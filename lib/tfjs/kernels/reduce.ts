// Sum, Mean and Max on fastgrad's reductions over any set of axes (lib/ops' reduceData: the canonical
// fold over each result's reduced elements in row-major order, docs/numerics.md "Reductions over
// several dims"), straight on the tensors' arrays.
import { backend_util, Max, Mean, Sum, util } from '@tensorflow/tfjs-core';
import type { ReduceOp } from '../../backend/kernels.js';
import { reduceData } from '../../ops/reduce.js';
import { f32, output, type FastgradKernel } from './util.js';

const reduction = (kernelName: string, op: ReduceOp, axisAttr: string): FastgradKernel => ({
  kernelName,
  impl: ({ inputs, backend, attrs }) => {
    const x = inputs.x, X = f32(backend, x);
    if (!X) return null;
    const axes = util.parseAxisParam(attrs?.[axisAttr] as number | number[], x.shape);
    if (axes.length === 0 || new Set(axes).size !== axes.length) return null;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const res = reduceData(op, X, x.shape, axes.slice().sort((p, q) => p - q), 0);
    return output(backend, attrs?.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, res);
  },
});

export const reduceKernels: readonly FastgradKernel[] = [
  reduction(Sum, 'sum', 'axis'),
  reduction(Mean, 'mean', 'axis'),
  reduction(Max, 'max', 'reductionIndices'),
];
