// Layer normalization, ISA-generic (spec in layernorm_api.h). Included inside an ISA namespace.

// Canonical sum over a row of D terms: blocks of FG_BLOCK, block_reduce, blocks added in order.
template <class V, class Term>
static inline float ln_row_sum(size_t D, Term term) {
  float total = 0.0f;
  for (size_t b = 0; b < D; b += FG_BLOCK) {
    const size_t m = D - b < FG_BLOCK ? D - b : FG_BLOCK;
    const float s = block_reduce<V>(m, [&](auto w, size_t i) { return term(w, b + i); });
    total = b == 0 ? s : total + s;
  }
  return total;
}

template <class V>
static void ln_forward(const float* x, size_t D, float eps, const float* gamma, const float* beta, float* y, float* mean,
                       float* rstd, size_t r0, size_t r1) {
  const float fD = (float)D;
  for (size_t r = r0; r < r1; ++r) {
    const float* xr = x + r * D;
    float* yr = y + r * D;
    const float mu = ln_row_sum<V>(D, [&](auto w, size_t i) { using W = decltype(w); return W::load(xr + i); }) / fD;
    const float var = ln_row_sum<V>(D, [&](auto w, size_t i) {
      using W = decltype(w);
      const auto d = W::sub(W::load(xr + i), W::set1(mu));
      return W::mul(d, d);
    }) / fD;
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
  }
}

template <class V>
static void ln_backward(const float* dy, const float* x, size_t D, const float* mean, const float* rstd, const float* gamma,
                        float* dx, float* pg, float* pb, size_t r0, size_t r1) {
  const float fD = (float)D;
  for (size_t r = r0; r < r1; ++r) {
    const float* xr = x + r * D;
    const float* dr = dy + r * D;
    float* out = dx + r * D;
    const float mu = mean[r], rs = rstd[r];
    auto g_of = [&](auto w, size_t i) {
      using W = decltype(w);
      return gamma ? W::mul(W::load(dr + i), W::load(gamma + i)) : W::load(dr + i);
    };
    auto h_of = [&](auto w, size_t i) {
      using W = decltype(w);
      return W::mul(W::sub(W::load(xr + i), W::set1(mu)), W::set1(rs));
    };
    const float c1 = ln_row_sum<V>(D, g_of) / fD;
    const float c2 = ln_row_sum<V>(D, [&](auto w, size_t i) { using W = decltype(w); return W::mul(g_of(w, i), h_of(w, i)); }) / fD;
    if (pg == nullptr) {
      each<V>(0, D, [&](auto w, size_t j) {
        using W = decltype(w);
        const auto u = W::sub(g_of(w, j), W::set1(c1));
        const auto v = W::mul(h_of(w, j), W::set1(c2));
        W::store(out + j, W::mul(W::set1(rs), W::sub(u, v)));
      });
      continue;
    }
    // this row's terms of dγ (dy·h) and dβ (dy) go into its group's sums, in row order from +0
    float* qg = pg + (r / LN_GROUP) * D;
    float* qb = pb + (r / LN_GROUP) * D;
    if (r % LN_GROUP == 0)
      for (size_t j = 0; j < D; ++j) qg[j] = 0.0f, qb[j] = 0.0f;
    each<V>(0, D, [&](auto w, size_t j) {
      using W = decltype(w);
      const auto d = W::load(dr + j);
      const auto h = h_of(w, j);
      const auto g = gamma ? W::mul(d, W::load(gamma + j)) : d;
      const auto u = W::sub(g, W::set1(c1));
      const auto v = W::mul(h, W::set1(c2));
      W::store(out + j, W::mul(W::set1(rs), W::sub(u, v)));
      W::store(qg + j, W::add(W::load(qg + j), W::mul(d, h)));
      W::store(qb + j, W::add(W::load(qb + j), d));
    });
  }
}

template <class V>
static void fill_layernorm(layernorm_table& t) {
  t.forward = ln_forward<V>;
  t.backward = ln_backward<V>;
}
