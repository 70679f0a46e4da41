// Layer-norm family: the fused forward and backward of layer normalization over the last D values of
// R rows. Spec: native/kernels/layernorm_api.h, docs/numerics.md; twin: lib/backend/js/layernorm.ts.
import { arg, constant, defineFamily } from '../contract.js';

type F = Float32Array;

export const LAYERNORM_ROW_GROUP = constant(
  "Rows per group of the layer-norm backward's dgamma/dbeta: each group's rows are summed in order, then the group sums by the canonical column sum.",
  'LN_GROUP',
  'size_t',
  64,
);
/** Rows per group of the layer-norm backward's dγ, dβ (docs/numerics.md "Layer normalization"). */
export const LN_GROUP = LAYERNORM_ROW_GROUP.value;

export interface LayerNormKernels {
  /** y, and each row's mean and rstd; gamma and beta both or neither. eps is binary32. */
  forward(x: F, R: number, D: number, eps: number, gamma: F | null, beta: F | null, y: F, mean: F, rstd: F): void;
  /** dx, and (when given) dgamma, dbeta: per group of LN_GROUP rows a sum in row order, then the canonical column sum of the group sums. */
  backward(dy: F, x: F, R: number, D: number, mean: F, rstd: F, gamma: F | null, dx: F, dgamma: F | null, dbeta: F | null): void;
}

export const layernorm = defineFamily<LayerNormKernels>()({
  name: 'layernorm',
  doc: 'layer normalization: fused forward (y, mean, rstd) and backward (dx, dgamma, dbeta)',
  table: true,
  declarations: [LAYERNORM_ROW_GROUP],
  entries: {
    layerNormForward: {
      args: [arg.f32('x'), arg.size('R'), arg.size('D'), arg.number('eps'), arg.f32OrNull('gamma'), arg.f32OrNull('beta'), arg.f32('y'), arg.f32('mean'), arg.f32('rstd')],
    },
    layerNormBackward: {
      args: [arg.f32('dy'), arg.f32('x'), arg.size('R'), arg.size('D'), arg.f32('mean'), arg.f32('rstd'), arg.f32OrNull('gamma'), arg.f32('dx'), arg.f32OrNull('dgamma'), arg.f32OrNull('dbeta')],
    },
  },
  adapt: (a) => ({
    forward: (x, R, D, eps, gamma, beta, y, mean, rstd) => a.layerNormForward(x, R, D, eps, gamma, beta, y, mean, rstd),
    backward: (dy, x, R, D, mean, rstd, gamma, dx, dgamma, dbeta) => a.layerNormBackward(dy, x, R, D, mean, rstd, gamma, dx, dgamma, dbeta),
  }),
});
