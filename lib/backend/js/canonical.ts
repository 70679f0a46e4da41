// Canonical reduction order (DESIGN §2), TypeScript twin of native/kernels/canonical.h:
// blocks of BLOCK terms; inside a block 16 strided partial sums (term i goes to partial i mod 16),
// combined by the tree s = 8, 4, 2, 1; block sums added in index order (empty sum = +0).
// Partials live in a Float32Array, so every += is a binary32 add.

import { CANONICAL_BLOCK } from '../spec/canonical.js';

export const BLOCK = CANONICAL_BLOCK.value;
const P = new Float32Array(16);

function tree(): number {
  for (let s = 8; s >= 1; s >>= 1) for (let j = 0; j < s; j++) P[j] = P[j] + P[j + s];
  return P[0];
}

/** Canonical sum of x[off + i*stride], i = 0..n-1. */
export function canonicalSum(x: Float32Array, off = 0, n = x.length - off, stride = 1): number {
  let total = 0;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const m = Math.min(BLOCK, n - b0);
    P.fill(0);
    let idx = off + b0 * stride;
    for (let i = 0; i < m; i++, idx += stride) P[i & 15] += x[idx];
    const s = tree();
    total = b0 === 0 ? s : Math.fround(total + s);
  }
  return total;
}

/** Canonical sum of term(i), i = 0..n-1; term must return a binary32 value. */
export function canonicalSumOf(n: number, term: (i: number) => number): number {
  let total = 0;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const m = Math.min(BLOCK, n - b0);
    P.fill(0);
    for (let i = 0; i < m; i++) P[i & 15] += term(b0 + i);
    const s = tree();
    total = b0 === 0 ? s : Math.fround(total + s);
  }
  return total;
}
