// GEMM family: c = alpha·op(a)·op(b) + beta·c with a fused bias-and-activation epilogue, and the
// hardware fma the TypeScript emulation is tested against. Spec: native/kernels/gemm_api.h,
// docs/numerics.md "GEMM"; twin: lib/backend/js/gemm.ts.
import { arg, codes, constant, defineFamily } from '../contract.js';

/** Activation applied by a GEMM epilogue (after the optional bias row). */
export const GEMM_ACTIVATION = codes(
  'Activation applied by a GEMM epilogue (after the optional bias row).',
  'GemmActivation',
  { none: 'GEMM_ACT_NONE', relu: 'GEMM_ACT_RELU', sigmoid: 'GEMM_ACT_SIGMOID', tanh: 'GEMM_ACT_TANH' },
  'GEMM_ACT_COUNT',
);
export type GemmActivation = (typeof GEMM_ACTIVATION.names)[number];
export const GEMM_ACTIVATION_CODE = GEMM_ACTIVATION.code;

export const GEMM_K_BLOCK = constant('The k block of the GEMM spec: every ISA and the TypeScript twin cut k here.', 'GEMM_KC', 'size_t', 256);
/** The k block of the GEMM spec (docs/numerics.md "GEMM"). */
export const GEMM_KC = GEMM_K_BLOCK.value;

/**
 * Whether a GEMM over k terms with beta = 1 computes exactly c + (alpha·op(a)·op(b)), one binary32 add
 * per element, as a separate add of the finished product would: true when k is one k block
 * (1 <= k <= GEMM_KC). Past one block the blocks are added into c one by one, another rounding.
 */
export function gemmAccumulatesExactly(k: number): boolean {
  return k >= 1 && k <= GEMM_KC;
}

export interface GemmKernels {
  /**
   * c (m × n) = alpha·op(a)·op(b) + beta·c, then c += bias (a row of n, or null), then the activation.
   * op(a) is m × k (a is stored k × m when transA), op(b) is k × n (b stored n × k when transB).
   * alpha and beta are binary32 values. beta = 0 does not read c. Spec: docs/numerics.md "GEMM".
   */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean,
    alpha: number, beta: number, bias: Float32Array | null, activation: GemmActivation): void;
  /** out = fma(a, b, c) elementwise, one rounding (native: the hardware fma; js: the exact emulation). */
  fmaf(a: Float32Array, b: Float32Array, c: Float32Array, out: Float32Array): void;
}

export const gemm = defineFamily<GemmKernels>()({
  name: 'gemm',
  doc: 'general matrix multiply with a bias-and-activation epilogue; the hardware fma',
  table: true,
  declarations: [GEMM_ACTIVATION, GEMM_K_BLOCK],
  entries: {
    gemm: {
      args: [
        arg.f32('a'), arg.f32('b'), arg.f32('c'), arg.size('m'), arg.size('n'), arg.size('k'), arg.bool('transA'), arg.bool('transB'),
        arg.number('alpha'), arg.number('beta'), arg.f32OrNull('bias'), arg.code('activation', GEMM_ACTIVATION),
      ],
      async: true,
    },
    fmaf: { args: [arg.f32('a'), arg.f32('b'), arg.f32('c'), arg.f32('out')] },
  },
  adapt: (g) => ({
    gemm: (a, b, c, m, n, k, transA, transB, alpha, beta, bias, activation) =>
      g.gemm(a, b, c, m, n, k, transA, transB, alpha, beta, bias, GEMM_ACTIVATION_CODE[activation]),
    fmaf: (a, b, c, out) => g.fmaf(a, b, c, out),
  }),
  asyncMethods: ['gemm'],
});
