// RNG family: Philox4x32-10 (Salmon et al., SC'11; Random123) and the uniform / normal fills built on it.
//
// Philox4x32-10, one block: counter c = (c0, c1, c2, c3), key k = (k0, k1), all uint32. Ten rounds;
// before rounds 2..10 the key is bumped: k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32). One round:
//   (hi0, lo0) = 0xD2511F53 * c0 (the 64-bit product's high and low words)
//   (hi1, lo1) = 0xCD9E8D57 * c2
//   c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
// The block's output is the four words of c after round 10 (Random123's kat_vectors agree).
//
// Streams. A fill with key (k0, k1) and 64-bit start counter s writes element i from block
//   b = s + floor(i / 4) (mod 2^64), counter (low32(b), high32(b), 0, 0), word w_j, j = i mod 4,
// so element i depends only on (key, s, i): any split of [0, n) over threads, and any SIMD width,
// gives the same array. A fill of n elements consumes ceil(n / 4) blocks.
//   uniform: u = (w_j >> 8) * 2^-24 in [0, 1) (exact); y = lo + (scale * u)   (two roundings)
//   normal (Box–Muller): the block's words pair up (w0, w1) -> elements 4b', 4b'+1 and
//     (w2, w3) -> 4b'+2, 4b'+3 (b' the block's position in the fill). For a pair (wa, wb):
//       u1 = ((wa >> 8) + 1) * 2^-24 in (0, 1], t = (wb >> 8) * 2^-22 in [0, 4) (quarter turns)
//       r = sqrt(-2 * ln(u1)),  (c, s) = (cos, sin)(2 pi * t / 4)
//       y_even = mean + (std * (r * c)), y_odd = mean + (std * (r * s))
//     ln and sincos are the fixed binary32 polynomials below (no libm); every op is binary32, in order:
//   ln(u1): e = exponent(u1), f = mantissa(u1) in [1, 2); if f > SQRT2 { f = f * 0.5; e = e + 1 }
//     z = (f - 1) / (f + 1); z2 = z * z; p = L11; p = p*z2 + L9; p = p*z2 + L7; p = p*z2 + L5;
//     p = p*z2 + L3; p = p*z2 + L1; lf = z * p; ln = e*LN2_HI + (lf + e*LN2_LO)
//     (L_k = float(2/k); LN2_HI = 0x3f317200, LN2_LO = 0x35bfbe8e)
//   sincos(t): q = floor(t + 0.5); g = t - q (in [-0.5, 0.5]); g2 = g * g
//     sp = S9; sp = sp*g2 + S7; sp = sp*g2 + S5; sp = sp*g2 + S3; sp = sp*g2 + S1; sn = g * sp
//     cp = C10; cp = cp*g2 + C8; cp = cp*g2 + C6; cp = cp*g2 + C4; cp = cp*g2 + C2; cs = cp*g2 + 1
//     (S_k, C_k: float of the Taylor coefficients of sin(pi g / 2), cos(pi g / 2))
//     quadrant: q in {0, 4}: (c, s) = (cs, sn); 1: (-sn, cs); 2: (-cs, -sn); 3: (sn, -cs) (sign flips)
//   r: r = sqrt(ln * -2)
// Ranges: begin is a multiple of 4 (threads own whole blocks), end is any element index.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fg {

struct rng_table {
  void (*uniform)(uint32_t k0, uint32_t k1, uint64_t start, float lo, float scale, float* y, size_t begin, size_t end);
  void (*normal)(uint32_t k0, uint32_t k1, uint64_t start, float mean, float std, float* y, size_t begin, size_t end);
  // One Philox4x32-10 block (known-answer tests): out = philox(ctr, key).
  void (*block)(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
};

}  // namespace fg
