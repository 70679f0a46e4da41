// Layer normalization over the last D values of each of R rows (docs/numerics.md "Layer normalization"),
// binary32, in this order; Σ is the canonical sum (blocks of 4096 terms, 16 strided partials, tree
// 8, 4, 2, 1, blocks in order) over the row's terms j = 0 … D−1, and "/ D" divides by fround(D):
//
//   forward   mean = (Σ x) / D; var = (Σ d·d) / D with d = x − mean; rstd = 1 / sqrt(var + eps)
//             h = (x − mean)·rstd; y = (h·γ) + β (affine) or y = h
//   backward  g = dy·γ (affine) or dy; h as above; c1 = (Σ g) / D; c2 = (Σ g·h) / D
//             dx = rstd·((g − c1) − (h·c2))
//             dγ[j] (terms dy·h) and dβ[j] (terms dy): rows in groups of LN_GROUP = 64; a group's sum starts
//             at +0 and adds its rows' terms in row order; dγ, dβ are the canonical column sums (the reduce
//             family's axis 0) of the ⌈R/64⌉ group sums
import type { LayerNormKernels } from '../kernels.js';
import { LN_GROUP } from '../spec/layernorm.js';
import { BLOCK } from './canonical.js';
import { jsReduce } from './reduce.js';

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
  const sums = dgamma !== null && dbeta !== null;
  const ng = sums ? Math.ceil(R / LN_GROUP) : 0;
  // group sums of dγ's terms dy·h and dβ's terms dy: rows of a group added in order from +0
  const Qg = new Float32Array(ng * D), Qb = new Float32Array(ng * D);
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
    if (!sums) continue;
    const q = Math.floor(r / LN_GROUP) * D;
    for (let j = 0; j < D; j++) {
      const d = dy[off + j];
      Qg[q + j] += fr(d * h[j]);
      Qb[q + j] += d;
    }
  }
  if (!dgamma || !dbeta) return;
  // dγ, dβ: canonical column sums of the group sums (the reduce family's axis 0)
  jsReduce.axis('sum', Qg, ng, D, 0, 1, dgamma);
  jsReduce.axis('sum', Qb, ng, D, 0, 1, dbeta);
}

export const jsLayerNorm: LayerNormKernels = { forward: layerNormForward, backward: layerNormBackward };
