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

// The plain C + OpenMP anchors (probe_api.h): deliberately not written with V, not through parallel.h.
static void probe_omp_sgd_momentum(float* p, const float* g, float* b, size_t n, float lr, float mom, float damp1, int threads) {
  const long N = (long)n;
#if defined(FG_HAVE_OPENMP)
#pragma omp parallel for simd num_threads(threads) schedule(static)
#endif
  for (long i = 0; i < N; ++i) {
    const float bi = (b[i] * mom) + (damp1 * g[i]);
    b[i] = bi;
    p[i] = p[i] - (lr * bi);
  }
}

static void probe_omp_adam(float* p, const float* g, float* m, float* v, size_t n, const float* h, int threads) {
  const float b1 = h[0], c1 = h[1], b2 = h[2], c2 = h[3], step = h[6], sbc2 = h[7], eps = h[8];
  const long N = (long)n;
#if defined(FG_HAVE_OPENMP)
#pragma omp parallel for simd num_threads(threads) schedule(static)
#endif
  for (long i = 0; i < N; ++i) {
    const float gi = g[i];
    const float mi = (m[i] * b1) + (c1 * gi);
    const float vi = (v[i] * b2) + ((c2 * gi) * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - (step * (mi / ((__builtin_sqrtf(vi) / sbc2) + eps)));
  }
}

template <class V>
static void fill_probe(probe_table& t) {
  t.omp_sgd_momentum = probe_omp_sgd_momentum;
  t.omp_adam = probe_omp_adam;
  t.triad = probe_triad<V>;
  t.fma_chains = probe_fma_chains<V>;
  t.canonical_sum = probe_canonical_sum<V>;
  t.lanes = V::N;
}
