// GatherV2: tfjs-layers' model.fit slices every batch out of the whole data set with a gather along
// axis 0. The CPU kernel moves each element through TensorBuffer index arithmetic (about half of a
// dense MNIST epoch); here each gathered slice (the elements after the axis) is one TypedArray copy.
// Same values by construction (a copy); float32 (into a recycled array) and int32. An index out of
// range falls back to the CPU kernel, which throws its own error.
import { backend_util, GatherV2, util } from '@tensorflow/tfjs-core';
import { alloc, output, type FastgradKernel } from './util.js';

export const gatherV2Kernel: FastgradKernel = {
  kernelName: GatherV2,
  impl: ({ inputs, backend, attrs }) => {
    const { x, indices } = inputs;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return null;
    const X = backend.data.get(x.dataId)?.values, I = backend.data.get(indices.dataId)?.values;
    if (!(X instanceof Float32Array || X instanceof Int32Array) || !(I instanceof Int32Array || I instanceof Float32Array)) return null;
    const axis = util.parseAxisParam(attrs?.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    for (let i = 0; i < I.length; i++) if (!(I[i] >= 0 && I[i] <= dim - 1)) return null;
    const { batchSize, outerSize, dimSize, sliceSize, outputShape } = backend_util.segment_util.collectGatherOpShapeInfo(
      x, indices, axis, (attrs?.batchDims as number | undefined) ?? 0,
    );
    const n = util.sizeFromShape(outputShape);
    if (n === 0) return null;
    const out = X instanceof Float32Array ? alloc(backend, n) : new Int32Array(n);
    const perBatch = I.length / batchSize;
    let o = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let r = 0; r < outerSize; r++) {
        const base = (b * outerSize + r) * dimSize;
        for (let i = 0; i < perBatch; i++, o += sliceSize) {
          const at = (base + I[b * perBatch + i]) * sliceSize;
          if (sliceSize === 1) out[o] = X[at];
          else out.set(X.subarray(at, at + sliceSize), o);
        }
      }
    }
    return output(backend, outputShape, out, x.dtype);
  },
};
