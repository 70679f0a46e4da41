// Adapts the addon's convolution bindings (native/binding/conv.cc) to ConvKernels.
import type { ConvGeometry, ConvKernels } from '../kernels.js';

interface ConvAddon {
  convIm2col(x: Float32Array, geo: number[], col: Float32Array): void;
  convCol2im(col: Float32Array, geo: number[], dx: Float32Array): void;
}

const geo = (g: ConvGeometry): number[] => [g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW];

export function nativeConv(addon: object): ConvKernels {
  const a = addon as ConvAddon;
  return {
    im2col: (x, g, col) => a.convIm2col(x, geo(g), col),
    col2im: (col, g, dx) => a.convCol2im(col, geo(g), dx),
  };
}
