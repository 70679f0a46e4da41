// Recurrent family: the fused gate math of one LSTM or GRU time step, forward and backward, over the N
// rows of a batch. The GEMMs around it (the input projection of all steps, the recurrent product of each
// step, the weight gradients) are the gemm family's; these kernels are elementwise per (row, unit), so
// they have no reduction order. Spec: native/kernels/rnn_api.h, docs/numerics.md "LSTM and GRU cells";
// twin: lib/backend/js/rnn.ts.
import { arg, defineFamily } from '../contract.js';

type F = Float32Array;

/**
 * Row-major N × (k·H) gate blocks, torch's gate order: LSTM i, f, g, o (k = 4); GRU r, z, n (k = 3).
 * xg = x·W_ihᵀ + b_ih and hg = h·W_hhᵀ + b_hh of the step (GEMM outputs, biases in their epilogues).
 */
export interface RnnKernels {
  /**
   * LSTM step: a = xg + hg; i, f, o = sigmoid(a), g = tanh(a); c = (f·cPrev) + (i·g); h = o·tanh(c).
   * gates (N × 4H) receives i, f, g, o (activated) for the backward.
   */
  lstmForward(xg: F, hg: F, cPrev: F, N: number, H: number, gates: F, c: F, h: F): void;
  /**
   * LSTM step backward: dh = dy + dhr (output and recurrent gradient), dc the gradient of c from the
   * step after; writes dG (N × 4H, the gradient of a) and dcPrev (may be dc itself, updated in place).
   */
  lstmBackward(dy: F, dhr: F, dc: F, gates: F, cPrev: F, c: F, N: number, H: number, dG: F, dcPrev: F): void;
  /**
   * GRU step: r, z = sigmoid(xg + hg); n = tanh(xg_n + r·hg_n); h = n + z·(hPrev − n).
   * gates (N × 4H) receives r, z, n and hg_n for the backward.
   */
  gruForward(xg: F, hg: F, hPrev: F, N: number, H: number, gates: F, h: F): void;
  /**
   * GRU step backward: dh = dy + dhr; writes dxg, dhg (N × 3H, the gradients of xg and hg) and
   * dhPrev = dh·z (the direct part; the caller adds dhg·W_hh).
   */
  gruBackward(dy: F, dhr: F, gates: F, hPrev: F, N: number, H: number, dxg: F, dhg: F, dhPrev: F): void;
}

export const rnn = defineFamily<RnnKernels>()({
  name: 'rnn',
  doc: 'LSTM and GRU cells: the fused gate math of one time step, forward and backward',
  table: true,
  declarations: [],
  entries: {
    lstmForward: {
      args: [arg.f32('xg'), arg.f32('hg'), arg.f32('cPrev'), arg.size('N'), arg.size('H'), arg.f32('gates'), arg.f32('c'), arg.f32('h')],
    },
    lstmBackward: {
      args: [
        arg.f32('dy'), arg.f32('dhr'), arg.f32('dc'), arg.f32('gates'), arg.f32('cPrev'), arg.f32('c'), arg.size('N'), arg.size('H'),
        arg.f32('dG'), arg.f32('dcPrev'),
      ],
    },
    gruForward: {
      args: [arg.f32('xg'), arg.f32('hg'), arg.f32('hPrev'), arg.size('N'), arg.size('H'), arg.f32('gates'), arg.f32('h')],
    },
    gruBackward: {
      args: [
        arg.f32('dy'), arg.f32('dhr'), arg.f32('gates'), arg.f32('hPrev'), arg.size('N'), arg.size('H'), arg.f32('dxg'), arg.f32('dhg'),
        arg.f32('dhPrev'),
      ],
    },
  },
  adapt: (a) => ({
    lstmForward: (xg, hg, cPrev, N, H, gates, c, h) => a.lstmForward(xg, hg, cPrev, N, H, gates, c, h),
    lstmBackward: (dy, dhr, dc, gates, cPrev, c, N, H, dG, dcPrev) => a.lstmBackward(dy, dhr, dc, gates, cPrev, c, N, H, dG, dcPrev),
    gruForward: (xg, hg, hPrev, N, H, gates, h) => a.gruForward(xg, hg, hPrev, N, H, gates, h),
    gruBackward: (dy, dhr, gates, hPrev, N, H, dxg, dhg, dhPrev) => a.gruBackward(dy, dhr, gates, hPrev, N, H, dxg, dhg, dhPrev),
  }),
});
