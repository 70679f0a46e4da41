// LSTM and GRU cells (docs/numerics.md "LSTM and GRU cells"; the native kernels: native/kernels/rnn.h),
// binary32 in exactly this order, σ and tanh the unary family's (sigmoidf, tanhf: bit-identical to the
// native ones). Per row r and unit j, with X_q = xg[q·H + j], G_q = hg[q·H + j] (gate blocks in torch's
// order: LSTM i, f, g, o; GRU r, z, n):
//   lstm forward   i = σ(X_i + G_i); f = σ(X_f + G_f); g = tanh(X_g + G_g); o = σ(X_o + G_o)
//                  c = (f·cPrev) + (i·g); h = o·tanh(c); gates ← i, f, g, o
//   lstm backward  dh = dy + dhr; t = tanh(c); dct = dc + ((dh·o)·(1 − t·t))
//                  dG_i = (dct·g)·(i·(1 − i)); dG_f = (dct·cPrev)·(f·(1 − f)); dG_g = (dct·i)·(1 − g·g)
//                  dG_o = (dh·t)·(o·(1 − o)); dcPrev = dct·f
//   gru forward    r = σ(X_r + G_r); z = σ(X_z + G_z); n = tanh(X_n + r·G_n); h = n + z·(hPrev − n)
//                  gates ← r, z, n, G_n
//   gru backward   dh = dy + dhr; dan = (dh·(1 − z))·(1 − n·n); dar = (dan·G_n)·(r·(1 − r))
//                  daz = (dh·(hPrev − n))·(z·(1 − z)); dxg ← dar, daz, dan; dhg ← dar, daz, dan·r; dhPrev = dh·z
import type { RnnKernels } from '../kernels.js';
import { sigmoidf, tanhf } from './unary.js';

const fr = Math.fround;

function lstmForward(xg: Float32Array, hg: Float32Array, cPrev: Float32Array, N: number, H: number, gates: Float32Array, c: Float32Array, h: Float32Array): void {
  for (let r = 0; r < N; r++) {
    const a = r * 4 * H, u = r * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoidf(fr(xg[a + j] + hg[a + j]));
      const f = sigmoidf(fr(xg[a + H + j] + hg[a + H + j]));
      const g = tanhf(fr(xg[a + 2 * H + j] + hg[a + 2 * H + j]));
      const o = sigmoidf(fr(xg[a + 3 * H + j] + hg[a + 3 * H + j]));
      const cn = fr(fr(f * cPrev[u + j]) + fr(i * g));
      gates[a + j] = i;
      gates[a + H + j] = f;
      gates[a + 2 * H + j] = g;
      gates[a + 3 * H + j] = o;
      c[u + j] = cn;
      h[u + j] = fr(o * tanhf(cn));
    }
  }
}

function lstmBackward(dy: Float32Array, dhr: Float32Array, dc: Float32Array, gates: Float32Array, cPrev: Float32Array, c: Float32Array, N: number, H: number,
  dG: Float32Array, dcPrev: Float32Array): void {
  for (let r = 0; r < N; r++) {
    const a = r * 4 * H, u = r * H;
    for (let j = 0; j < H; j++) {
      const i = gates[a + j], f = gates[a + H + j], g = gates[a + 2 * H + j], o = gates[a + 3 * H + j];
      const dh = fr(dy[u + j] + dhr[u + j]);
      const t = tanhf(c[u + j]);
      const dct = fr(dc[u + j] + fr(fr(dh * o) * fr(1 - fr(t * t))));
      dG[a + j] = fr(fr(dct * g) * fr(i * fr(1 - i)));
      dG[a + H + j] = fr(fr(dct * cPrev[u + j]) * fr(f * fr(1 - f)));
      dG[a + 2 * H + j] = fr(fr(dct * i) * fr(1 - fr(g * g)));
      dG[a + 3 * H + j] = fr(fr(dh * t) * fr(o * fr(1 - o)));
      dcPrev[u + j] = fr(dct * f);
    }
  }
}

function gruForward(xg: Float32Array, hg: Float32Array, hPrev: Float32Array, N: number, H: number, gates: Float32Array, h: Float32Array): void {
  for (let r = 0; r < N; r++) {
    const a = r * 3 * H, s = r * 4 * H, u = r * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoidf(fr(xg[a + j] + hg[a + j]));
      const z = sigmoidf(fr(xg[a + H + j] + hg[a + H + j]));
      const gn = hg[a + 2 * H + j];
      const n = tanhf(fr(xg[a + 2 * H + j] + fr(rg * gn)));
      gates[s + j] = rg;
      gates[s + H + j] = z;
      gates[s + 2 * H + j] = n;
      gates[s + 3 * H + j] = gn;
      h[u + j] = fr(n + fr(z * fr(hPrev[u + j] - n)));
    }
  }
}

function gruBackward(dy: Float32Array, dhr: Float32Array, gates: Float32Array, hPrev: Float32Array, N: number, H: number,
  dxg: Float32Array, dhg: Float32Array, dhPrev: Float32Array): void {
  for (let r = 0; r < N; r++) {
    const a = r * 3 * H, s = r * 4 * H, u = r * H;
    for (let j = 0; j < H; j++) {
      const rg = gates[s + j], z = gates[s + H + j], n = gates[s + 2 * H + j], gn = gates[s + 3 * H + j];
      const dh = fr(dy[u + j] + dhr[u + j]);
      const dan = fr(fr(dh * fr(1 - z)) * fr(1 - fr(n * n)));
      const dar = fr(fr(dan * gn) * fr(rg * fr(1 - rg)));
      const daz = fr(fr(dh * fr(hPrev[u + j] - n)) * fr(z * fr(1 - z)));
      dxg[a + j] = dar;
      dxg[a + H + j] = daz;
      dxg[a + 2 * H + j] = dan;
      dhg[a + j] = dar;
      dhg[a + H + j] = daz;
      dhg[a + 2 * H + j] = fr(dan * rg);
      dhPrev[u + j] = fr(dh * z);
    }
  }
}

export const jsRnn: RnnKernels = { lstmForward, lstmBackward, gruForward, gruBackward };
