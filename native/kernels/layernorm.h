// Layer normalization, ISA-generic (spec in layernorm_api.h). Included inside an ISA namespace.

// Canonical sums over a row of D terms, one per term function (blocks of FG_BLOCK, block_reduce,
// blocks added in order): total[s] for terms[s]. Several sums go through one loop (block_reduce_each),
// so their add chains overlap: two rows' sums in the forward, c1 and c2 of two rows in the backward.
template <class V, class... Terms>
static inline void ln_row_sums(size_t D, float* total, Terms... terms) {
  constexpr size_t S = sizeof...(Terms);
  for (size_t k = 0; k < S; ++k) total[k] = 0.0f;  // D >= 1: the first block overwrites it
  for (size_t b = 0; b < D; b += FG_BLOCK) {
    const size_t m = D - b < FG_BLOCK ? D - b : FG_BLOCK;
    float s[S];
    block_reduce_each<V>(m, b, s, terms...);
    for (size_t k = 0; k < S; ++k) total[k] = b == 0 ? s[k] : total[k] + s[k];
  }
}

template <class V>
static void ln_forward(const float* x, size_t D, float eps, const float* gamma, const float* beta, float* y, float* mean,
                       float* rstd, size_t r0, size_t r1) {
  const float fD = (float)D;
  auto xs = [&](size_t r) {
    const float* xr = x + r * D;
    return [xr](auto w, size_t i) { using W = decltype(w); return W::load(xr + i); };
  };
  auto sqdev = [&](size_t r, float mu) {
    const float* xr = x + r * D;
    return [xr, mu](auto w, size_t i) {
      using W = decltype(w);
      const auto d = W::sub(W::load(xr + i), W::set1(mu));
      return W::mul(d, d);
    };
  };
  auto finish = [&](size_t r, float mu, float var) {
    const float* xr = x + r * D;
    float* yr = y + r * D;
    const float t = var + eps;
    const float rs = 1.0f / __builtin_sqrtf(t);
    mean[r] = mu;
    rstd[r] = rs;
    each<V>(0, D, [&](auto w, size_t j) {
      using W = decltype(w);
      auto h = W::mul(W::sub(W::load(xr + j), W::set1(mu)), W::set1(rs));
      if (gamma) h = W::add(W::mul(h, W::load(gamma + j)), W::load(beta + j));
      W::store(yr + j, h);
    });
  };
  size_t r = r0;
  for (; r + 2 <= r1; r += 2) {  // two rows at a time
    float s[2], v[2];
    ln_row_sums<V>(D, s, xs(r), xs(r + 1));
    const float mu0 = s[0] / fD, mu1 = s[1] / fD;
    ln_row_sums<V>(D, v, sqdev(r, mu0), sqdev(r + 1, mu1));
    finish(r, mu0, v[0] / fD);
    finish(r + 1, mu1, v[1] / fD);
  }
  for (; r < r1; ++r) {
    float s, v;
    ln_row_sums<V>(D, &s, xs(r));
    const float mu = s / fD;
    ln_row_sums<V>(D, &v, sqdev(r, mu));
    finish(r, mu, v / fD);
  }
}

// A compile-time flag for ln_backward's row loop (with or without the group sums).
template <bool B>
struct ln_flag {
  static constexpr bool value = B;
};

template <class V>
static void ln_backward(const float* dy, const float* x, size_t D, const float* mean, const float* rstd, const float* gamma,
                        float* dx, float* pg, float* pb, size_t r0, size_t r1) {
  const float fD = (float)D;
  // the terms of row r: g = dy·γ (or dy) and g·h with h = (x − mean)·rstd
  auto g_term = [&](size_t r) {
    const float* dr = dy + r * D;
    const float* gm = gamma;
    return [dr, gm](auto w, size_t i) {
      using W = decltype(w);
      return gm ? W::mul(W::load(dr + i), W::load(gm + i)) : W::load(dr + i);
    };
  };
  auto gh_term = [&](size_t r) {
    const float* dr = dy + r * D;
    const float* xr = x + r * D;
    const float* gm = gamma;
    const float mu = mean[r], rs = rstd[r];
    return [dr, xr, gm, mu, rs](auto w, size_t i) {
      using W = decltype(w);
      const auto g = gm ? W::mul(W::load(dr + i), W::load(gm + i)) : W::load(dr + i);
      return W::mul(g, W::mul(W::sub(W::load(xr + i), W::set1(mu)), W::set1(rs)));
    };
  };
  auto finish = [&](size_t r, float c1, float c2) {
    const float* xr = x + r * D;
    const float* dr = dy + r * D;
    float* out = dx + r * D;
    const float mu = mean[r], rs = rstd[r];
    // with group sums: this row's terms of dγ (dy·h) and dβ (dy) go into its group's sums, in row order from +0
    float* qg = pg == nullptr ? nullptr : pg + (r / LN_GROUP) * D;
    float* qb = pg == nullptr ? nullptr : pb + (r / LN_GROUP) * D;
    if (qg != nullptr && r % LN_GROUP == 0)
      for (size_t j = 0; j < D; ++j) qg[j] = 0.0f, qb[j] = 0.0f;
    // one loop, compiled twice (with and without the sums) so neither tests pg per vector
    auto row = [&](auto with_sums) {
      each<V>(0, D, [&](auto w, size_t j) {
        using W = decltype(w);
        const auto d = W::load(dr + j);
        const auto g = gamma ? W::mul(d, W::load(gamma + j)) : d;
        const auto h = W::mul(W::sub(W::load(xr + j), W::set1(mu)), W::set1(rs));
        W::store(out + j, W::mul(W::set1(rs), W::sub(W::sub(g, W::set1(c1)), W::mul(h, W::set1(c2)))));
        if constexpr (decltype(with_sums)::value) {
          W::store(qg + j, W::add(W::load(qg + j), W::mul(d, h)));
          W::store(qb + j, W::add(W::load(qb + j), d));
        }
      });
    };
    if (qg == nullptr) row(ln_flag<false>{});
    else row(ln_flag<true>{});
  };
  size_t r = r0;
  for (; r + 2 <= r1; r += 2) {  // two rows at a time: four interleaved sums
    float s[4];
    ln_row_sums<V>(D, s, g_term(r), gh_term(r), g_term(r + 1), gh_term(r + 1));
    finish(r, s[0] / fD, s[1] / fD);
    finish(r + 1, s[2] / fD, s[3] / fD);
  }
  for (; r < r1; ++r) {
    float s[2];
    ln_row_sums<V>(D, s, g_term(r), gh_term(r));
    finish(r, s[0] / fD, s[1] / fD);
  }
}

template <class V>
static void fill_layernorm(layernorm_table& t) {
  t.forward = ln_forward<V>;
  t.backward = ln_backward<V>;
}
