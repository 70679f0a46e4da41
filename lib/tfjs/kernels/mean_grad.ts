// Mean's gradient in one pass. tfjs builds it from ops: dy reshaped to keep the reduced axes as 1,
// multiplied by ones(x.shape) (filled in JavaScript) to broadcast it, then divided by the count: a
// filled array and two passes over x's size (in binary cross-entropy, the whole output). On the
// 'fastgrad' backend, for float32, one kernel divides dy by the count (dy's size) and broadcasts it
// into x's shape with the elementwise family's strided copy (stride 0 on the reduced axes). Same
// values: dy·1 is dy, and each element is one binary32 division either way. Other backends and dtypes
// get tfjs's composition. The kernel has its gradient too (second order, as tfjs's composition).
import {
  div, engine, getBackend, getKernel, mul, Mean, ones, registerGradient, registerKernel, reshape, sum, util, zerosLike,
  type NamedAttrMap, type NamedTensorMap, type Tensor as TfTensor,
} from '@tensorflow/tfjs-core';
import { copyStrided } from '../../ops/core.js';
import { alloc, f32, output, type KernelArgs } from './util.js';

export const MEAN_GRAD = 'FastgradMeanGrad';

/** x's reduced axes, their element count, and dy's shape with those axes kept as 1. */
function reduction(xShape: readonly number[], axis: NamedAttrMap[string] | null): { axes: number[]; count: number; kept: number[] } {
  const axes = util.parseAxisParam(axis as number | number[], xShape as number[]);
  const kept = xShape.slice();
  let count = 1;
  for (const a of axes) {
    count *= xShape[a];
    kept[a] = 1;
  }
  return { axes, count, kept };
}

function meanGradKernel({ inputs, backend, attrs }: KernelArgs) {
  const { dy, x } = inputs;
  const DY = f32(backend, dy), { count, kept } = reduction(x.shape, attrs?.axis ?? null);
  const n = util.sizeFromShape(x.shape), out = alloc(backend, n);
  if (n === 0 || !DY) return output(backend, x.shape, out.fill(0));
  const q = new Float32Array(DY.length);
  for (let i = 0; i < q.length; i++) q[i] = DY[i] / count;
  // Strides of dy (shape `kept`) over x's shape: 0 along the reduced axes.
  const strides = new Array<number>(kept.length);
  for (let d = kept.length - 1, s = 1; d >= 0; d--) {
    strides[d] = kept[d] === 1 ? 0 : s;
    s *= kept[d];
  }
  copyStrided(q, strides, out, x.shape);
  return output(backend, x.shape, out);
}

/** tfjs's own Mean gradient (every other backend and dtype). */
function composed(dy: TfTensor, x: TfTensor, attrs: NamedAttrMap): TfTensor {
  const { count, kept } = reduction(x.shape, attrs.axis);
  return div(mul(reshape(dy, kept), ones(x.shape, 'float32')), count);
}

export function registerMeanGradient(backendName: string): void {
  if (!getKernel(MEAN_GRAD, backendName)) registerKernel({ kernelName: MEAN_GRAD, backendName, kernelFunc: meanGradKernel as never });
  registerGradient({
    kernelName: MEAN_GRAD,
    inputsToSave: ['x'],
    gradFunc: (g, saved, attrs) => {
      const [x] = saved as TfTensor[];
      const { axes, count, kept } = reduction(x.shape, attrs.axis);
      // What tfjs's composition gives: the division's gradient, then the broadcast's (a sum over the reduced axes).
      const dyShape = attrs.keepDims ? kept : kept.filter((_, i) => !axes.includes(i));
      return { dy: () => reshape(sum(div(g as TfTensor, count), axes), dyShape), x: () => zerosLike(x) };
    },
  });
  registerGradient({
    kernelName: Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as TfTensor[];
      const d = dy as TfTensor;
      return {
        x: () => (getBackend() === backendName && d.dtype === 'float32' && x.dtype === 'float32'
          ? (engine().runKernel(MEAN_GRAD, { dy: d, x } as unknown as NamedTensorMap, attrs) as TfTensor)
          : composed(d, x, attrs)),
      };
    },
  });
}
