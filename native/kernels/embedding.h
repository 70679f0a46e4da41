// The embedding's weight gradient, ISA-generic (spec in embedding_api.h). Included inside an ISA
// namespace after kernels/elementwise.h (each): vectors run along a row's columns.

template <class V>
static void emb_backward(const float* dy, const int32_t* idx, size_t m, size_t n, size_t D, int32_t padding_idx, float* dw,
                         size_t j0, size_t j1) {
  for (size_t r = 0; r < n; ++r)
    for (size_t j = j0; j < j1; ++j) dw[r * D + j] = 0.0f;
  for (size_t i = 0; i < m; ++i) {
    if (idx[i] == padding_idx) continue;
    float* o = dw + (size_t)idx[i] * D;
    const float* s = dy + i * D;
    each<V>(j0, j1, [&](auto w, size_t j) {
      using W = decltype(w);
      W::store(o + j, W::add(W::load(o + j), W::load(s + j)));
    });
  }
}

template <class V>
static void fill_embedding(embedding_table& t) {
  t.backward = emb_backward<V>;
}
