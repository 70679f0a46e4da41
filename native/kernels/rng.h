// RNG family, ISA-generic (spec in rng_api.h). Included inside an ISA namespace.
// The integer Philox rounds are plain uint32/uint64 C++ over a chunk of blocks (structure of arrays,
// which compilers vectorize at each ISA's width); the float stage runs on Vec, tails on Vs.

static constexpr size_t kRngChunkBlocks = 16;  // blocks per chunk: 64 output elements
static constexpr float kRngTwoM24 = 0x1p-24f, kRngTwoM22 = 0x1p-22f;

// Ten Philox rounds, in place, on kRngChunkBlocks counters held as four word arrays. Kept out of line
// with restrict pointers: that is the shape compilers vectorize (vpmuludq / vpmullq at each ISA's width).
__attribute__((noinline)) static void philox_rounds(uint32_t k0, uint32_t k1, uint32_t* __restrict c0, uint32_t* __restrict c1,
                                                    uint32_t* __restrict c2, uint32_t* __restrict c3) {
  for (int round = 0; round < 10; ++round) {
    for (size_t j = 0; j < kRngChunkBlocks; ++j) {
      const uint64_t p0 = (uint64_t)0xD2511F53u * c0[j], p1 = (uint64_t)0xCD9E8D57u * c2[j];
      const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[j] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = (uint32_t)p1;
      c3[j] = (uint32_t)p0;
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// Philox4x32-10 of the kRngChunkBlocks counters (first + j, as (low32, high32, 0, 0)): w[l][j] = word l of block j.
static inline void philox_chunk(uint32_t k0, uint32_t k1, uint64_t first, uint32_t (*w)[kRngChunkBlocks]) {
  for (size_t j = 0; j < kRngChunkBlocks; ++j) {
    const uint64_t b = first + j;
    w[0][j] = (uint32_t)b;
    w[1][j] = (uint32_t)(b >> 32);
    w[2][j] = 0;
    w[3][j] = 0;
  }
  philox_rounds(k0, k1, w[0], w[1], w[2], w[3]);
}

static void rng_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

template <class V>
static void rng_uniform(uint32_t k0, uint32_t k1, uint64_t start, float lo, float scale, float* y, size_t begin, size_t end) {
  uint32_t w[4][kRngChunkBlocks];
  float u[4 * kRngChunkBlocks];
  for (size_t i = begin; i < end; i += 4 * kRngChunkBlocks) {
    const size_t m = end - i < 4 * kRngChunkBlocks ? end - i : 4 * kRngChunkBlocks;
    const size_t nb = (m + 3) / 4;
    philox_chunk(k0, k1, start + i / 4, w);
    for (size_t j = 0; j < nb; ++j)
      for (size_t l = 0; l < 4; ++l) u[4 * j + l] = (float)(w[l][j] >> 8);  // exact: < 2^24
    float* yc = y + i;
    each<V>(0, m, [&](auto v, size_t e) {
      using W = decltype(v);
      const typename W::R x = W::mul(W::load(u + e), W::set1(kRngTwoM24));
      W::store(yc + e, W::add(W::set1(lo), W::mul(W::set1(scale), x)));
    });
  }
}

// ln(u) for u in (0, 1], the binary32 polynomial of rng_api.h.
template <class W>
static inline typename W::R rng_ln(typename W::R u) {
  using R = typename W::R;
  R e = W::exponent(u), f = W::mantissa(u);
  const typename W::M big = W::gt(f, W::set1(0x1.6a09e6p0f));
  f = W::blend(big, W::mul(f, W::set1(0.5f)), f);
  e = W::blend(big, W::add(e, W::set1(1.0f)), e);
  const R one = W::set1(1.0f);
  const R z = W::div(W::sub(f, one), W::add(f, one)), z2 = W::mul(z, z);
  R p = W::set1(0x1.745d18p-3f);
  p = W::add(W::mul(p, z2), W::set1(0x1.c71c72p-3f));
  p = W::add(W::mul(p, z2), W::set1(0x1.24924ap-2f));
  p = W::add(W::mul(p, z2), W::set1(0x1.99999ap-2f));
  p = W::add(W::mul(p, z2), W::set1(0x1.555556p-1f));
  p = W::add(W::mul(p, z2), W::set1(2.0f));
  const R lf = W::mul(z, p);
  return W::add(W::mul(e, W::set1(0x1.62e4p-1f)), W::add(lf, W::mul(e, W::set1(0x1.7f7d1cp-20f))));
}

// (cos, sin) of t quarter turns, t in [0, 4): the binary32 polynomials of rng_api.h.
template <class W>
static inline void rng_sincos(typename W::R t, typename W::R& c, typename W::R& s) {
  using R = typename W::R;
  const R q = W::floor(W::add(t, W::set1(0.5f)));
  const R g = W::sub(t, q), g2 = W::mul(g, g);
  R sp = W::set1(0x1.507834p-13f);
  sp = W::add(W::mul(sp, g2), W::set1(-0x1.32d2ccp-8f));
  sp = W::add(W::mul(sp, g2), W::set1(0x1.466bc6p-4f));
  sp = W::add(W::mul(sp, g2), W::set1(-0x1.4abbcep-1f));
  sp = W::add(W::mul(sp, g2), W::set1(0x1.921fb6p0f));
  const R sn = W::mul(g, sp);
  R cp = W::set1(-0x1.a6d1f2p-16f);
  cp = W::add(W::mul(cp, g2), W::set1(0x1.e1f506p-11f));
  cp = W::add(W::mul(cp, g2), W::set1(-0x1.55d3c8p-6f));
  cp = W::add(W::mul(cp, g2), W::set1(0x1.03c1f0p-2f));
  cp = W::add(W::mul(cp, g2), W::set1(-0x1.3bd3ccp0f));
  const R cs = W::add(W::mul(cp, g2), W::set1(1.0f));
  const typename W::M q1 = W::eq(q, W::set1(1.0f)), q2 = W::eq(q, W::set1(2.0f)), q3 = W::eq(q, W::set1(3.0f));
  const typename W::M swap = W::mor(q1, q3);
  const R a = W::blend(swap, sn, cs), b = W::blend(swap, cs, sn);
  c = W::blend(W::mor(q1, q2), W::neg(a), a);
  s = W::blend(W::mor(q2, q3), W::neg(b), b);
}

template <class V>
static void rng_normal(uint32_t k0, uint32_t k1, uint64_t start, float mean, float std, float* y, size_t begin, size_t end) {
  constexpr size_t P = 2 * kRngChunkBlocks;  // Box–Muller pairs per chunk
  uint32_t w[4][kRngChunkBlocks];
  float a[P], t[P], zc[P], zs[P];
  for (size_t i = begin; i < end; i += 4 * kRngChunkBlocks) {
    const size_t m = end - i < 4 * kRngChunkBlocks ? end - i : 4 * kRngChunkBlocks;
    const size_t nb = (m + 3) / 4, np = (m + 1) / 2;
    philox_chunk(k0, k1, start + i / 4, w);
    for (size_t j = 0; j < nb; ++j) {
      a[2 * j] = (float)((w[0][j] >> 8) + 1);  // exact: <= 2^24
      t[2 * j] = (float)(w[1][j] >> 8);
      a[2 * j + 1] = (float)((w[2][j] >> 8) + 1);
      t[2 * j + 1] = (float)(w[3][j] >> 8);
    }
    each<V>(0, np, [&](auto v, size_t p) {
      using W = decltype(v);
      using R = typename W::R;
      const R u1 = W::mul(W::load(a + p), W::set1(kRngTwoM24));
      const R r = W::sqrt(W::mul(rng_ln<W>(u1), W::set1(-2.0f)));
      R c, s;
      rng_sincos<W>(W::mul(W::load(t + p), W::set1(kRngTwoM22)), c, s);
      const R sd = W::set1(std), mu = W::set1(mean);
      W::store(zc + p, W::add(mu, W::mul(sd, W::mul(r, c))));
      W::store(zs + p, W::add(mu, W::mul(sd, W::mul(r, s))));
    });
    float* yc = y + i;
    for (size_t e = 0; e < m; ++e) yc[e] = (e & 1) ? zs[e >> 1] : zc[e >> 1];
  }
}

template <class V>
static void fill_rng(rng_table& t) {
  t.uniform = rng_uniform<V>;
  t.normal = rng_normal<V>;
  t.block = rng_block;
}
