// Batch normalization family, ISA-generic (spec in batchnorm_api.h). Included inside an ISA namespace.
//
// Reductions produce, per (channel, canonical block), the canonical block sums of two term streams:
//   stats (G = false): a = shift K,  t1 = x - K,  t2 = t1 * t1
//   gsums (G = true):  a = mean, b = invstd,  t1 = dy,  t2 = dy * ((x - mean) * invstd)
// inner > 1: lanes run along a channel's term sequence (16-term groups that straddle a segment
//   boundary are gathered into a small buffer first);
// inner == 1: lanes run across channels, each lane keeping its own 16 partials (term j -> partial j mod 16).
// Either way every lane executes the canonical order of canonical.h exactly.

template <class W, bool G>
static inline void bn_terms(typename W::R x, typename W::R dy, typename W::R a, typename W::R b,
                            typename W::R& t1, typename W::R& t2) {
  if constexpr (G) {
    t1 = dy;
    t2 = W::mul(dy, W::mul(W::sub(x, a), b));
  } else {
    t1 = W::sub(x, a);
    t2 = W::mul(t1, t1);
  }
}

static inline void bn_tree(float* p) {
  for (int s = 8; s >= 1; s >>= 1)
    for (int j = 0; j < s; ++j) p[j] = p[j] + p[j + s];
}

// One canonical block [j0, j1) of channel c, inner > 1. Cursor (base, i): term j is at base + i.
template <class V, bool G>
static void bn_planar_block(const float* x, const float* dy, size_t C, size_t inner, size_t c, size_t j0, size_t j1,
                            float a, float b, float* o1, float* o2) {
  constexpr int K = 16 / V::N;
  typename V::R s1[K], s2[K];
  for (int k = 0; k < K; ++k) s1[k] = s2[k] = V::zero();
  const size_t stride = C * inner;
  size_t base = (j0 / inner) * stride + c * inner, i = j0 % inner, j = j0;
  const typename V::R va = V::set1(a), vb = V::set1(b);
  float gx[16], gd[16];
  for (; j + 16 <= j1; j += 16) {
    const float *px, *pd;
    if (i + 16 <= inner) {
      px = x + base + i;
      pd = dy + base + i;
      i += 16;
      if (i == inner) i = 0, base += stride;
    } else {
      for (int q = 0; q < 16; ++q) {
        gx[q] = x[base + i];
        if (G) gd[q] = dy[base + i];
        if (++i == inner) i = 0, base += stride;
      }
      px = gx;
      pd = gd;
    }
    for (int k = 0; k < K; ++k) {
      typename V::R t1, t2;
      bn_terms<V, G>(V::load(px + k * V::N), G ? V::load(pd + k * V::N) : V::zero(), va, vb, t1, t2);
      s1[k] = V::add(s1[k], t1);
      s2[k] = V::add(s2[k], t2);
    }
  }
  float p1[16], p2[16];
  for (int k = 0; k < K; ++k) V::store(p1 + k * V::N, s1[k]), V::store(p2 + k * V::N, s2[k]);
  for (int q = 0; j < j1; ++j, ++q) {
    float t1, t2;
    bn_terms<Vs, G>(x[base + i], G ? dy[base + i] : 0.0f, a, b, t1, t2);
    p1[q] = p1[q] + t1;
    p2[q] = p2[q] + t2;
    if (++i == inner) i = 0, base += stride;
  }
  bn_tree(p1);
  bn_tree(p2);
  *o1 = p1[0];
  *o2 = p2[0];
}

// One canonical block of rows [r0, r1) for W::N channels starting at c, inner == 1.
template <class W, bool G>
static inline void bn_rows_lanes(const float* x, const float* dy, size_t C, size_t c, size_t r0, size_t r1,
                                 typename W::R a, typename W::R b, float* o1, float* o2) {
  typename W::R s1[16], s2[16];
  for (int q = 0; q < 16; ++q) s1[q] = s2[q] = W::zero();
  size_t r = r0;
  auto step = [&](int q, size_t row) {
    typename W::R t1, t2;
    const size_t off = row * C + c;
    bn_terms<W, G>(W::load(x + off), G ? W::load(dy + off) : W::zero(), a, b, t1, t2);
    s1[q] = W::add(s1[q], t1);
    s2[q] = W::add(s2[q], t2);
  };
  for (; r + 16 <= r1; r += 16)
    for (int q = 0; q < 16; ++q) step(q, r + q);
  for (int q = 0; r < r1; ++r, ++q) step(q, r);
  for (int s = 8; s >= 1; s >>= 1)
    for (int q = 0; q < s; ++q) s1[q] = W::add(s1[q], s1[q + s]), s2[q] = W::add(s2[q], s2[q + s]);
  W::store(o1, s1[0]);
  W::store(o2, s2[0]);
}

template <class V, bool G>
static void bn_reduce(const float* x, const float* dy, const float* mean, const float* invstd, size_t outer, size_t C,
                      size_t inner, size_t u0, size_t u1, float* p1, float* p2) {
  const size_t m = outer * inner, nb = num_blocks(m);
  for (size_t u = u0; u < u1; ++u) {
    const size_t b = u % nb, j0 = b * FG_BLOCK, j1 = j0 + FG_BLOCK < m ? j0 + FG_BLOCK : m;
    if (inner > 1) {
      const size_t c = u / nb;
      const float a = G ? mean[c] : x[c * inner], s = G ? invstd[c] : 0.0f;
      bn_planar_block<V, G>(x, dy, C, inner, c, j0, j1, a, s, p1 + b * C + c, p2 + b * C + c);
    } else {
      const size_t c0 = (u / nb) * BN_CHUNK, c1 = c0 + BN_CHUNK < C ? c0 + BN_CHUNK : C;
      size_t c = c0;
      for (; c + V::N <= c1; c += V::N) {
        const typename V::R a = G ? V::load(mean + c) : V::load(x + c), s = G ? V::load(invstd + c) : V::zero();
        bn_rows_lanes<V, G>(x, dy, C, c, j0, j1, a, s, p1 + b * C + c, p2 + b * C + c);
      }
      for (; c < c1; ++c) {
        const float a = G ? mean[c] : x[c], s = G ? invstd[c] : 0.0f;
        bn_rows_lanes<Vs, G>(x, dy, C, c, j0, j1, a, s, p1 + b * C + c, p2 + b * C + c);
      }
    }
  }
}

template <class V>
static void bn_stats(const float* x, size_t outer, size_t C, size_t inner, size_t u0, size_t u1, float* p1, float* p2) {
  bn_reduce<V, false>(x, x, nullptr, nullptr, outer, C, inner, u0, u1, p1, p2);
}

template <class V>
static void bn_gsums(const float* x, const float* dy, const float* mean, const float* invstd, size_t outer, size_t C,
                     size_t inner, size_t u0, size_t u1, float* p1, float* p2) {
  bn_reduce<V, true>(x, dy, mean, invstd, outer, C, inner, u0, u1, p1, p2);
}

// Elementwise passes over rows [r0, r1): f(W, offset, coefficient loader) for each group of lanes.
// inner > 1: row r is segment (o, c = r mod C) of `inner` elements, coefficients broadcast;
// inner == 1: row r holds C channels, coefficients loaded per lane.
template <class V, class F>
static inline void bn_rows(size_t C, size_t inner, size_t r0, size_t r1, F f) {
  if (inner > 1) {
    for (size_t r = r0; r < r1; ++r) {
      const size_t c = r % C, base = r * inner;
      each<V>(0, inner, [&](auto w, size_t i) {
        using W = decltype(w);
        f(W{}, base + i, [&](const float* coef) { return W::set1(coef[c]); });
      });
    }
  } else {
    for (size_t r = r0; r < r1; ++r) {
      const size_t base = r * C;
      each<V>(0, C, [&](auto w, size_t c) {
        using W = decltype(w);
        f(W{}, base + c, [&](const float* coef) { return W::load(coef + c); });
      });
    }
  }
}

template <class V>
static void bn_affine(const float* x, const float* mean, const float* scale, const float* shift, float* y, size_t C,
                      size_t inner, size_t r0, size_t r1) {
  bn_rows<V>(C, inner, r0, r1, [&](auto w, size_t off, auto coef) {
    using W = decltype(w);
    W::store(y + off, W::add(W::mul(W::sub(W::load(x + off), coef(mean)), coef(scale)), coef(shift)));
  });
}

template <class V>
static void bn_dx(const float* x, const float* dy, const float* mean, const float* invstd, const float* g,
                  const float* c1, const float* c2, float* dx, size_t C, size_t inner, size_t r0, size_t r1) {
  bn_rows<V>(C, inner, r0, r1, [&](auto w, size_t off, auto coef) {
    using W = decltype(w);
    const typename W::R h = W::mul(W::sub(W::load(x + off), coef(mean)), coef(invstd));
    const typename W::R u = W::sub(W::load(dy + off), coef(c1));
    W::store(dx + off, W::mul(coef(g), W::sub(u, W::mul(h, coef(c2)))));
  });
}

template <class V>
static void fill_batchnorm(batchnorm_table& t) {
  t.stats = bn_stats<V>;
  t.gsums = bn_gsums<V>;
  t.affine = bn_affine<V>;
  t.dx = bn_dx<V>;
}
