// Adapts the addon's layer-norm bindings (native/binding/layernorm.cc) to LayerNormKernels.
import type { LayerNormKernels } from '../kernels.js';

type F = Float32Array;

interface LayerNormAddon {
  layerNormForward(x: F, R: number, D: number, eps: number, gamma: F | null, beta: F | null, y: F, mean: F, rstd: F): void;
  layerNormBackward(dy: F, x: F, R: number, D: number, mean: F, rstd: F, gamma: F | null, dx: F, dgamma: F | null, dbeta: F | null): void;
}

export function nativeLayerNorm(addon: object): LayerNormKernels {
  const a = addon as LayerNormAddon;
  return {
    forward: (x, R, D, eps, gamma, beta, y, mean, rstd) => a.layerNormForward(x, R, D, eps, gamma, beta, y, mean, rstd),
    backward: (dy, x, R, D, mean, rstd, gamma, dx, dgamma, dbeta) => a.layerNormBackward(dy, x, R, D, mean, rstd, gamma, dx, dgamma, dbeta),
  };
}
