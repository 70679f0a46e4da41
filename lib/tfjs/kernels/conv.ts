// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on fastgrad's convolution (lib/nn/conv.ts:
// im2col + GEMM, channels first). tfjs's layout is channels last (x [N, H, W, C], filter [kh, kw, C, O]),
// so the inputs are transposed into fastgrad's (x [N, C, H, W], weight [O, C, kh, kw]) and the result
// back: memory passes, small next to the convolution's arithmetic. The geometry (padding 'same' /
// 'valid' / explicit, strides, dilations, rounding) is tfjs's own computeConv2DInfo, so the output
// shapes are the CPU kernel's. Channels-first tfjs tensors run on the CPU kernels. The channels-first
// copies come from fastgrad's buffer cache and go back to it (a fresh array pays its page faults).
import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2dBackwardSpec, conv2dForwardSpec, type ConvSpec } from '../../nn/conv.js';
import { emptyF32, recycleF32 } from '../../backend/buffers.js';
import { alloc, f32, NCHW_TO_NHWC, NHWC_TO_NCHW, output, permuteInto, type FastgradKernel, type KernelArgs } from './util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/** tfjs filter [kh, kw, C, O] → fastgrad weight [O, C, kh, kw], and back. */
const HWIO_TO_OIHW = [3, 2, 0, 1], OIHW_TO_HWIO = [2, 3, 1, 0];

/** tfjs's convolution geometry as fastgrad's spec (groups 1); null for channels first. */
function specOf(xShape: Shape4, filterShape: Shape4, attrs: KernelArgs['attrs'], dilations: number | [number, number]): ConvSpec | null {
  const format = backend_util.convertConv2DDataFormat(((attrs?.dataFormat as string | undefined) ?? 'NHWC') as 'NHWC' | 'NCHW');
  if (format !== 'channelsLast') return null;
  const info = backend_util.computeConv2DInfo(
    xShape, filterShape, attrs?.strides as [number, number], dilations, attrs?.pad as Pad,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false, format,
  );
  const p = info.padInfo;
  if (info.outHeight < 1 || info.outWidth < 1 || p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0) return null;
  return {
    N: info.batchSize, C: info.inChannels, H: info.inHeight, W: info.inWidth, O: info.outChannels, groups: 1,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    pt: p.top, pb: p.bottom, pl: p.left, pr: p.right, dh: info.dilationHeight, dw: info.dilationWidth,
    OH: info.outHeight, OW: info.outWidth,
  };
}

/** The channels-first temporaries go back to fastgrad's buffer cache (made here, read no more). */
function recycle(...ts: (Float32Array | null)[]): void {
  for (const t of ts) recycleF32(t);
}

const shape4 = (t: TensorInfo): Shape4 | null => (t.shape.length === 4 ? (t.shape as Shape4) : null);

export const conv2DKernel: FastgradKernel = {
  kernelName: Conv2D,
  impl: ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs;
    const X = f32(backend, x), F = f32(backend, filter), xs = shape4(x), fs = shape4(filter);
    if (!X || !F || !xs || !fs) return null;
    const s = specOf(xs, fs, attrs, (attrs?.dilations as number | [number, number] | undefined) ?? 1);
    if (!s) return null;
    const xc = permuteInto(X, xs, NHWC_TO_NCHW, emptyF32(X.length)), wc = permuteInto(F, fs, HWIO_TO_OIHW, emptyF32(F.length));
    const yc = emptyF32(s.N * s.O * s.OH * s.OW);
    conv2dForwardSpec(xc, wc, null, s, yc);
    const y = permuteInto(yc, [s.N, s.O, s.OH, s.OW], NCHW_TO_NHWC, alloc(backend, yc.length));
    recycle(xc, wc, yc);
    return output(backend, [s.N, s.OH, s.OW, s.O], y);
  },
};

export const conv2DBackpropInputKernel: FastgradKernel = {
  kernelName: Conv2DBackpropInput,
  impl: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs;
    const DY = f32(backend, dy), F = f32(backend, filter), fs = shape4(filter);
    const inShape = attrs?.inputShape as Shape4 | undefined;
    if (!DY || !F || !fs || !inShape || inShape.length !== 4 || !shape4(dy)) return null;
    const s = specOf(inShape, fs, attrs, 1);
    if (!s || dy.shape.join() !== [s.N, s.OH, s.OW, s.O].join()) return null;
    const dyc = permuteInto(DY, dy.shape, NHWC_TO_NCHW, emptyF32(DY.length)), wc = permuteInto(F, fs, HWIO_TO_OIHW, emptyF32(F.length));
    const { dx } = conv2dBackwardSpec(dyc, null, wc, s, true, false, false);
    const out = permuteInto(dx!, [s.N, s.C, s.H, s.W], NCHW_TO_NHWC, alloc(backend, dx!.length));
    recycle(dyc, wc, dx);
    return output(backend, inShape, out);
  },
};

export const conv2DBackpropFilterKernel: FastgradKernel = {
  kernelName: Conv2DBackpropFilter,
  impl: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs;
    const X = f32(backend, x), DY = f32(backend, dy), xs = shape4(x);
    const filterShape = attrs?.filterShape as Shape4 | undefined;
    if (!X || !DY || !xs || !filterShape || filterShape.length !== 4 || !shape4(dy)) return null;
    const s = specOf(xs, filterShape, attrs, 1);
    if (!s || dy.shape.join() !== [s.N, s.OH, s.OW, s.O].join()) return null;
    const xc = permuteInto(X, xs, NHWC_TO_NCHW, emptyF32(X.length));
    const dyc = permuteInto(DY, dy.shape, NHWC_TO_NCHW, emptyF32(DY.length));
    const { dw } = conv2dBackwardSpec(dyc, xc, null, s, false, false, true);
    const out = permuteInto(dw, [s.O, s.C, s.kh, s.kw], OIHW_TO_HWIO, alloc(backend, dw.length));
    recycle(xc, dyc, dw);
    return output(backend, filterShape, out);
  },
};
