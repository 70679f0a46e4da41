// TypeScript twin of native/kernels/rng.h: Philox4x32-10 and the uniform / normal fills, same bits.
// The spec (counter -> element mapping, the binary32 ln / sincos polynomials) is in
// native/kernels/rng_api.h and docs/numerics.md ("RNG").
import type { RngKernels } from '../kernels.js';

const fround = Math.fround;
const TWO32 = 4294967296;
const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** The high word of the 64-bit product a * m of two uint32, from 16-bit limbs (every step exact). */
function mulhi(a: number, m: number): number {
  const al = a & 0xffff, ah = a >>> 16, ml = m & 0xffff, mh = m >>> 16;
  const lh = al * mh, hl = ah * ml;
  const mid = ((al * ml) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * mh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** One Philox4x32-10 block: writes the four output words of (counter, key) to out[off..off+3]. */
export function philoxBlock(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array, off = 0): void {
  for (let round = 0; round < 10; round++) {
    const h0 = mulhi(c0, M0), l0 = Math.imul(c0, M0) >>> 0;
    const h1 = mulhi(c2, M1), l1 = Math.imul(c2, M1) >>> 0;
    c0 = (h1 ^ c1 ^ k0) >>> 0;
    c1 = l1;
    c2 = (h0 ^ c3 ^ k1) >>> 0;
    c3 = l0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[off] = c0;
  out[off + 1] = c1;
  out[off + 2] = c2;
  out[off + 3] = c3;
}

/** Block b of a stream: counter (low32(b), high32(b), 0, 0); b < 2^53. */
export function streamBlock(k0: number, k1: number, b: number, out: Uint32Array, off = 0): void {
  philoxBlock(b >>> 0, Math.floor(b / TWO32) >>> 0, 0, 0, k0, k1, out, off);
}

const bits = new Uint32Array(1), asFloat = new Float32Array(bits.buffer);
function f32(u: number): number {
  bits[0] = u;
  return asFloat[0];
}

const SQRT2 = f32(0x3fb504f3), LN2_HI = f32(0x3f317200), LN2_LO = f32(0x35bfbe8e);
const L11 = f32(0x3e3a2e8c), L9 = f32(0x3e638e39), L7 = f32(0x3e924925), L5 = f32(0x3ecccccd), L3 = f32(0x3f2aaaab), L1 = 2;
const S9 = f32(0x39283c1a), S7 = f32(0xbb996966), S5 = f32(0x3da335e3), S3 = f32(0xbf255de7), S1 = f32(0x3fc90fdb);
const C10 = f32(0xb7d368f9), C8 = f32(0x3a70fa83), C6 = f32(0xbcaae9e4), C4 = f32(0x3e81e0f8), C2 = f32(0xbf9de9e6);
const TWO_M24 = 2 ** -24, TWO_M22 = 2 ** -22;
const INV_POW2 = Float64Array.from({ length: 32 }, (_, k) => 2 ** -k);

/** ln(m * 2^-24) for an integer m in [1, 2^24], by the binary32 polynomial of the spec. */
export function lnSpec(m: number): number {
  const p2 = 31 - Math.clz32(m);
  let e = p2 - 24, f = m * INV_POW2[p2]; // exponent and mantissa of the binary32 value m * 2^-24 (exact)
  if (f > SQRT2) {
    f *= 0.5;
    e += 1;
  }
  const z = fround(fround(f - 1) / fround(f + 1)), z2 = fround(z * z);
  let p = L11;
  p = fround(fround(p * z2) + L9);
  p = fround(fround(p * z2) + L7);
  p = fround(fround(p * z2) + L5);
  p = fround(fround(p * z2) + L3);
  p = fround(fround(p * z2) + L1);
  const lf = fround(z * p);
  return fround(fround(e * LN2_HI) + fround(lf + fround(e * LN2_LO)));
}

let cosOut = 0, sinOut = 0;
/** (cos, sin) of t quarter turns, t in [0, 4), by the binary32 polynomials of the spec (into cosOut, sinOut). */
export function sincosSpec(t: number): [number, number] {
  sincosInto(t);
  return [cosOut, sinOut];
}

function sincosInto(t: number): void {
  const q = Math.floor(fround(t + 0.5));
  const g = fround(t - q), g2 = fround(g * g);
  let sp = S9;
  sp = fround(fround(sp * g2) + S7);
  sp = fround(fround(sp * g2) + S5);
  sp = fround(fround(sp * g2) + S3);
  sp = fround(fround(sp * g2) + S1);
  const sn = fround(g * sp);
  let cp = C10;
  cp = fround(fround(cp * g2) + C8);
  cp = fround(fround(cp * g2) + C6);
  cp = fround(fround(cp * g2) + C4);
  cp = fround(fround(cp * g2) + C2);
  const cs = fround(fround(cp * g2) + 1);
  const swap = q === 1 || q === 3;
  const a = swap ? sn : cs, b = swap ? cs : sn;
  cosOut = q === 1 || q === 2 ? -a : a;
  sinOut = q === 2 || q === 3 ? -b : b;
}

const word = new Uint32Array(4);

export const jsRng: RngKernels = {
  uniform(k0, k1, start, lo, scale, out) {
    const n = out.length;
    for (let i = 0, b = start; i < n; i += 4, b++) {
      streamBlock(k0, k1, b, word);
      const m = Math.min(4, n - i);
      for (let l = 0; l < m; l++) out[i + l] = lo + fround(scale * ((word[l] >>> 8) * TWO_M24));
    }
  },
  normal(k0, k1, start, mean, std, out) {
    const n = out.length;
    for (let i = 0, b = start; i < n; i += 4, b++) {
      streamBlock(k0, k1, b, word);
      for (let pair = 0; pair < 2 && i + 2 * pair < n; pair++) {
        const wa = word[2 * pair], wb = word[2 * pair + 1];
        const r = fround(Math.sqrt(fround(lnSpec((wa >>> 8) + 1) * -2)));
        sincosInto((wb >>> 8) * TWO_M22);
        const e = i + 2 * pair;
        out[e] = mean + fround(std * fround(r * cosOut));
        if (e + 1 < n) out[e + 1] = mean + fround(std * fround(r * sinOut));
      }
    }
  },
  block(counter, key) {
    const out = new Uint32Array(4);
    philoxBlock(counter[0] >>> 0, counter[1] >>> 0, counter[2] >>> 0, counter[3] >>> 0, key[0] >>> 0, key[1] >>> 0, out);
    return out;
  },
};
