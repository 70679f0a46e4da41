// LSTM and GRU cells: the gate math of one time step over rows [r0, r1) of a batch (spec: docs/numerics.md
// "LSTM and GRU cells"; TypeScript twin lib/backend/js/rnn.ts). Binary32, no fma, in exactly this order;
// σ and tanh are the unary family's (kernels/unary.h un_sigmoid, un_tanh; no libm). Gate blocks are rows
// of k·H values in torch's order (LSTM i, f, g, o; GRU r, z, n); xg = x·W_ihᵀ + b_ih and
// hg = h·W_hhᵀ + b_hh come from the GEMM. Per (row, unit) j, with X_q = xg[q·H + j], G_q = hg[q·H + j]:
//   lstm forward   i = σ(X_i + G_i); f = σ(X_f + G_f); g = tanh(X_g + G_g); o = σ(X_o + G_o)
//                  c = (f·cPrev) + (i·g); h = o·tanh(c); gates ← i, f, g, o
//   lstm backward  dh = dy + dhr; t = tanh(c); dct = dc + ((dh·o)·(1 − t·t))
//                  dG_i = (dct·g)·(i·(1 − i)); dG_f = (dct·cPrev)·(f·(1 − f)); dG_g = (dct·i)·(1 − g·g)
//                  dG_o = (dh·t)·(o·(1 − o)); dcPrev = dct·f (dcPrev may be dc: read before written)
//   gru forward    r = σ(X_r + G_r); z = σ(X_z + G_z); n = tanh(X_n + r·G_n); h = n + z·(hPrev − n)
//                  gates ← r, z, n, G_n
//   gru backward   dh = dy + dhr; dn = dh·(1 − z); dan = dn·(1 − n·n); dar = (dan·G_n)·(r·(1 − r))
//                  daz = (dh·(hPrev − n))·(z·(1 − z)); dxg ← dar, daz, dan; dhg ← dar, daz, dan·r
//                  dhPrev = dh·z
#pragma once
#include <cstddef>

namespace fg {

struct rnn_table {
  void (*lstm_forward)(const float* xg, const float* hg, const float* c_prev, size_t H, float* gates, float* c, float* h,
                       size_t r0, size_t r1);
  void (*lstm_backward)(const float* dy, const float* dhr, const float* dc, const float* gates, const float* c_prev,
                        const float* c, size_t H, float* dG, float* dc_prev, size_t r0, size_t r1);
  void (*gru_forward)(const float* xg, const float* hg, const float* h_prev, size_t H, float* gates, float* h, size_t r0,
                      size_t r1);
  void (*gru_backward)(const float* dy, const float* dhr, const float* gates, const float* h_prev, size_t H, float* dxg,
                       float* dhg, float* dh_prev, size_t r0, size_t r1);
};

}  // namespace fg
