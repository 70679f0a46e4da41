// Exact binary32 fused multiply-add in TypeScript: fmaf(a, b, c) = a * b + c rounded once to binary32
// (round to nearest, ties to even), the same bits as the hardware fma the native kernels use.
//
// Why it is exact. For binary32 a and b the double product p = a * b is exact (24 + 24 significant
// bits, exponents far inside the double range). The double sum s = p + c is rounded once, and then
// Math.fround(s) rounds again; rounding twice differs from rounding the exact sum x once only when s
// lands exactly on a binary32 midpoint (rounding to the nearest double is monotone, so x and s lie
// on the same side of every binary32 midpoint unless s is one). Fast path: r = fround(s) is right
// when s is itself a binary32 value, or when s is not a midpoint; s is a midpoint of r and its other
// neighbour exactly when t = s + (s - r) is a binary32 value (t is then computed exactly). Otherwise (rare)
// the slow path computes the exact error e of s with TwoSum and rounds x = s + e to odd at double
// precision (53 >= 24 + 2 bits, so a later round to nearest binary32 is correct), then rounds.
// Infinities, NaN, signed zeros, overflow to infinity and binary32 subnormal results all follow from
// IEEE double arithmetic plus the final fround (no double ever overflows or underflows here).

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer); // little-endian: [low word, high word]

/** fma(a, b, c) for binary32 a, b, c (numbers holding binary32 values): one rounding. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  const t = s + (s - r); // s - r is exact; t is r's other neighbour exactly when s is a midpoint
  return Math.fround(t) === t && s !== r ? fmafSlow(p, c, s) : r;
}

/**
 * The rare path of fmaf: s = p + c rounded to double (p exact), s possibly a binary32 midpoint.
 * Exported for the GEMM twin's inlined fast path.
 */
export function fmafSlow(p: number, c: number, s: number): number {
  // TwoSum: s + e === p + c exactly.
  const bb = s - p;
  const e = (p - (s - bb)) + (c - bb);
  if (e === 0) return Math.fround(s);
  // Round to odd: if s's last bit is 0, move s one unit toward the exact value.
  scratch[0] = s;
  if ((scratchWords[0] & 1) === 0) {
    if (e > 0 === s > 0) {
      scratchWords[0] += 1; // magnitude up; the low word is even, so no carry
    } else if (scratchWords[0] === 0) {
      scratchWords[0] = 0xffffffff; // magnitude down with a borrow (s is not 0: e would be 0)
      scratchWords[1] -= 1;
    } else {
      scratchWords[0] -= 1;
    }
  }
  return Math.fround(scratch[0]);
}

/** y[i] = fma(a[i], b[i], c[i]) over Float32Arrays. */
export function fmafArray(a: Float32Array, b: Float32Array, c: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) out[i] = fmaf(a[i], b[i], c[i]);
}
