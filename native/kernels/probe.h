// Probe family, ISA-generic (spec in probe_api.h). Included inside an ISA namespace.

template <class V>
static void probe_triad(const float* a, const float* b, float s, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, W::add(W::load(a + i), W::mul(W::set1(s), W::load(b + i))));
  });
}

template <class V>
static float probe_fma_chains(float seed, size_t iters) {
  typename V::R acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = V::set1(seed + (float)k);
  const typename V::R m = V::set1(0.9999999f), c = V::set1(1e-7f);
  for (size_t it = 0; it < iters; ++it)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = V::fma(acc[k], m, c);
  float lanes[V::N > 0 ? V::N : 1];
  float sum = 0.0f;
  for (int k = 0; k < kFmaChains; ++k) {
    V::store(lanes, acc[k]);
    for (int l = 0; l < V::N; ++l) sum += lanes[l];
  }
  return sum;
}

template <class V>
static float probe_canonical_sum(const float* x, size_t n) {
  float total = 0.0f;
  for (size_t b = 0; b < n; b += FG_BLOCK) {
    const float* xb = x + b;
    const size_t m = n - b < FG_BLOCK ? n - b : FG_BLOCK;
    const float s = block_reduce<V>(m, [&](auto w, size_t i) { using W = decltype(w); return W::load(xb + i); });
    total = b == 0 ? s : total + s;  // combine_blocks: s0 + s1 + ... in index order
  }
  return total;
}

template <class V>
static void fill_probe(probe_table& t) {
  t.triad = probe_triad<V>;
  t.fma_chains = probe_fma_chains<V>;
  t.canonical_sum = probe_canonical_sum<V>;
  t.lanes = V::N;
}
