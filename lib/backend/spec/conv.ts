// Convolution family: the data movement of a convolution as packed GEMM (im2col, col2im). Spec:
// native/kernels/conv_api.h, docs/numerics.md "Convolution"; twin: lib/backend/js/conv.ts.
import { arg, defineFamily } from '../contract.js';

/** A 2-D convolution's geometry for one group of one sample (Conv1d: H = kh = 1). */
export interface ConvGeometry {
  /** Channels of the group, input height and width. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  /** Padding before the first row / column (the padding after is implied by OH, OW). */
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly OH: number;
  readonly OW: number;
}

/** x / dx hold C·H·W values, col C·kh·kw × OH·OW. */
export interface ConvKernels {
  /** col = the patches of x, +0 where a tap falls in the padding (exact copies). */
  im2col(x: Float32Array, g: ConvGeometry, col: Float32Array): void;
  /** dx = +0, then every col entry added at its tap, taps of an element in increasing (i, j) order. */
  col2im(col: Float32Array, g: ConvGeometry, dx: Float32Array): void;
}

const geoArgs = [
  arg.size('C'), arg.size('H'), arg.size('W'), arg.size('kh'), arg.size('kw'), arg.size('sh'), arg.size('sw'),
  arg.size('ph'), arg.size('pw'), arg.size('dh'), arg.size('dw'), arg.size('OH'), arg.size('OW'),
] as const;

export const conv = defineFamily<ConvKernels>()({
  name: 'conv',
  doc: 'im2col and col2im of a convolution (one group of one sample)',
  table: true,
  declarations: [],
  entries: {
    convIm2col: { args: [arg.f32('x'), ...geoArgs, arg.f32('col')] },
    convCol2im: { args: [arg.f32('col'), ...geoArgs, arg.f32('dx')] },
  },
  adapt: (a) => ({
    im2col: (x, g, col) => a.convIm2col(x, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, col),
    col2im: (col, g, dx) => a.convCol2im(col, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, dx),
  }),
});
