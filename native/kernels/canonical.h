// Canonical reduction order (DESIGN §2), ISA-generic part. Included inside an ISA namespace.
//
// Spec of a canonical sum of terms t(0..n-1):
//   - the range is cut into blocks of FG_BLOCK = 4096 terms (the last may be shorter);
//   - inside a block of length m, 16 partial sums p[0..15] start at +0 and, for i = 0..m-1 in order,
//     p[i mod 16] = p[i mod 16] + t(i)   (binary32 add);
//   - the partials are combined by a fixed tree: for s = 8, 4, 2, 1: p[j] = p[j] + p[j + s] for j < s;
//     the block sum is p[0];
//   - block sums are combined in index order: total = s0, total = total + s1, ... (empty sum = +0).
// Threads own whole blocks, so the result never depends on the ISA or the thread count.
//
// block_reduce<V>(m, term) evaluates one block; term(W, i) returns the W::R of terms i .. i+W::N-1,
// for W = V (full groups) or W = Vs (tail, one term at a time).
template <class V, class Term>
static inline float block_reduce(size_t m, Term term) {
  constexpr int K = 16 / V::N;
  typename V::R acc[K];
  for (int k = 0; k < K; ++k) acc[k] = V::zero();
  size_t i = 0;
  for (; i + 16 <= m; i += 16) {
    for (int k = 0; k < K; ++k) acc[k] = V::add(acc[k], term(V{}, i + (size_t)k * V::N));
  }
  float p[16];
  for (int k = 0; k < K; ++k) V::store(p + k * V::N, acc[k]);
  for (size_t j = 0; i < m; ++i, ++j) p[j] = p[j] + term(Vs{}, i);
  for (int s = 8; s >= 1; s >>= 1)
    for (int j = 0; j < s; ++j) p[j] = p[j] + p[j + s];
  return p[0];
}

// block_reduce of several independent sums over the same block, out[s] = the block value of terms[s]
// with term(W, base + i): the same bits as one block_reduce per sum, but their accumulator chains
// interleave, so a short block (a row of a few hundred terms) is not bound by one chain's add latency.
template <class V, class Term>
static inline float block_finish(typename V::R* acc, size_t i, size_t m, size_t base, Term& term) {
  constexpr int K = 16 / V::N;
  float p[16];
  for (int k = 0; k < K; ++k) V::store(p + k * V::N, acc[k]);
  for (size_t j = 0; i < m; ++i, ++j) p[j] = p[j] + term(Vs{}, base + i);
  for (int s = 8; s >= 1; s >>= 1)
    for (int j = 0; j < s; ++j) p[j] = p[j] + p[j + s];
  return p[0];
}

template <class V, class... Terms>
static inline void block_reduce_each(size_t m, size_t base, float* out, Terms&... terms) {
  constexpr size_t S = sizeof...(Terms);
  constexpr int K = 16 / V::N;
  typename V::R acc[S][K];
  for (size_t s = 0; s < S; ++s)
    for (int k = 0; k < K; ++k) acc[s][k] = V::zero();
  size_t i = 0;
  for (; i + 16 <= m; i += 16) {
    for (int k = 0; k < K; ++k) {
      size_t s = 0;
      ((acc[s][k] = V::add(acc[s][k], terms(V{}, base + i + (size_t)k * V::N)), ++s), ...);
    }
  }
  size_t s = 0;
  ((out[s] = block_finish<V>(acc[s], i, m, base, terms), ++s), ...);
}
