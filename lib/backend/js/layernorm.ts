// Layer normalization over the last D values of each of R rows (docs/numerics.md "Layer normalization"),
// binary32, in this order; Σ is the canonical sum (blocks of 4096 terms, 16 strided partials, tree
// 8, 4, 2, 1, blocks in order) over the row's terms j = 0 … D−1, and "/ D" divides by fround(D):
//
//   forward   mean = (Σ x) / D; var = (Σ d·d) / D with d = x − mean; rstd = 1 / sqrt(var + eps)
//             h = (x − mean)·rstd; y = (h·γ) + β (affine) or y = h
//   backward  g = dy·γ (affine) or dy; h as above; c1 = (Σ g) / D; c2 = (Σ g·h) / D
//             dx = rstd·((g − c1) − (h·c2))
//             dγ[j] = Σ over rows r of dy·h, dβ[j] = Σ over rows of dy: canonical sums over r = 0 … R−1
//             (row r of a 4096-row block into partial r mod 16, as the reduce family's axis 0)
import { BLOCK } from './canonical.js';

const fr = Math.fround;
const P = new Float32Array(16);

function tree(p: Float32Array, at = 0, stride = 1): number {
  for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) p[at + j * stride] = p[at + j * stride] + p[at + (j + s) * stride];
  return p[at];
}

/** Canonical sum over one row: t(j) = x[off + j] − a when sq is false, (x − a)·(x − a) when true. */
function rowSum(x: Float32Array, off: number, D: number, a: number, sq: boolean): number {
  let total = 0;
  for (let b0 = 0; b0 < D; b0 += BLOCK) {
    const m = Math.min(BLOCK, D - b0);
    P.fill(0);
    for (let i = 0; i < m; i++) {
      const d = fr(x[off + b0 + i] - a);
      P[i & 15] += sq ? fr(d * d) : d;
    }
    const s = tree(P);
    total = b0 === 0 ? s : fr(total + s);
  }
  return total;
}

export function layerNormForward(x: Float32Array, R: number, D: number, eps: number, gamma: Float32Array | null, beta: Float32Array | null,
  y: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  const fD = fr(D);
  for (let r = 0, off = 0; r < R; r++, off += D) {
    const mu = fr(rowSum(x, off, D, 0, false) / fD);
    const v = fr(rowSum(x, off, D, mu, true) / fD);
    const rs = fr(1 / fr(Math.sqrt(fr(v + eps))));
    mean[r] = mu;
    rstd[r] = rs;
    if (gamma && beta) for (let j = 0; j < D; j++) y[off + j] = fr(fr(fr(x[off + j] - mu) * rs) * gamma[j]) + beta[j];
    else for (let j = 0; j < D; j++) y[off + j] = fr(x[off + j] - mu) * rs;
  }
}

const G = { g: new Float32Array(0), gh: new Float32Array(0) };

export function layerNormBackward(dy: Float32Array, x: Float32Array, R: number, D: number, mean: Float32Array, rstd: Float32Array,
  gamma: Float32Array | null, dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null): void {
  if (G.g.length < D) {
    G.g = new Float32Array(D);
    G.gh = new Float32Array(D);
  }
  const g = G.g, h = G.gh, fD = fr(D);
  for (let r = 0, off = 0; r < R; r++, off += D) {
    const mu = mean[r], rs = rstd[r];
    for (let j = 0; j < D; j++) {
      h[j] = fr(fr(x[off + j] - mu) * rs);
      g[j] = gamma ? fr(dy[off + j] * gamma[j]) : dy[off + j];
    }
    let s1 = 0, s2 = 0;
    for (let b0 = 0; b0 < D; b0 += BLOCK) {
      const m = Math.min(BLOCK, D - b0);
      P.fill(0);
      for (let i = 0; i < m; i++) P[i & 15] += g[b0 + i];
      const t1 = tree(P);
      P.fill(0);
      for (let i = 0; i < m; i++) P[i & 15] += fr(g[b0 + i] * h[b0 + i]);
      const t2 = tree(P);
      s1 = b0 === 0 ? t1 : fr(s1 + t1);
      s2 = b0 === 0 ? t2 : fr(s2 + t2);
    }
    const c1 = fr(s1 / fD), c2 = fr(s2 / fD);
    for (let j = 0; j < D; j++) dx[off + j] = rs * fr(fr(g[j] - c1) - fr(h[j] * c2));
  }
  if (!dgamma || !dbeta) return;
  // column sums over rows: 16 partials per column, row r of a block into partial r mod 16
  const Pg = new Float32Array(16 * D), Pb = new Float32Array(16 * D);
  for (let r0 = 0; r0 < R; r0 += BLOCK) {
    const r1 = Math.min(R, r0 + BLOCK);
    Pg.fill(0);
    Pb.fill(0);
    for (let r = r0; r < r1; r++) {
      const q = ((r - r0) & 15) * D, off = r * D, mu = mean[r], rs = rstd[r];
      for (let j = 0; j < D; j++) {
        const d = dy[off + j];
        Pg[q + j] += fr(d * fr(fr(x[off + j] - mu) * rs));
        Pb[q + j] += d;
      }
    }
    for (let j = 0; j < D; j++) {
      const tg = tree(Pg, j, D), tb = tree(Pb, j, D);
      dgamma[j] = r0 === 0 ? tg : fr(dgamma[j] + tg);
      dbeta[j] = r0 === 0 ? tb : fr(dbeta[j] + tb);
    }
  }
  if (R === 0) {
    dgamma.fill(0);
    dbeta.fill(0);
  }
}
