// Elementwise family, ISA-generic (spec in elementwise_api.h). Included inside an ISA namespace.

// Runs f(W, i) over [b, e): full vectors of V, then the tail one lane at a time with Vs.
template <class V, class F>
static inline void each(size_t b, size_t e, F f) {
  size_t i = b;
  for (; i + V::N <= e; i += V::N) f(V{}, i);
  for (; i < e; ++i) f(Vs{}, i);
}

template <int Op, class W>
static inline typename W::R binop(typename W::R a, typename W::R b) {
  if constexpr (Op == OP_ADD) return W::add(a, b);
  else if constexpr (Op == OP_SUB) return W::sub(a, b);
  else if constexpr (Op == OP_MUL) return W::mul(a, b);
  else return W::div(a, b);
}

template <class V, int Op>
static void ew_vv(const float* a, const float* b, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, binop<Op, W>(W::load(a + i), W::load(b + i)));
  });
}

template <class V, int Op>
static void ew_vs(const float* a, float s, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, binop<Op, W>(W::load(a + i), W::set1(s)));
  });
}

template <class V, int Op>
static void ew_row(const float* a, const float* b, float* y, size_t cols, size_t rbegin, size_t rend) {
  for (size_t r = rbegin; r < rend; ++r) {
    const float* ar = a + r * cols;
    float* yr = y + r * cols;
    each<V>(0, cols, [&](auto w, size_t c) {
      using W = decltype(w);
      W::store(yr + c, binop<Op, W>(W::load(ar + c), W::load(b + c)));
    });
  }
}

template <class V, int Op>
static void ew_col(const float* a, const float* b, float* y, size_t cols, size_t rbegin, size_t rend) {
  for (size_t r = rbegin; r < rend; ++r) ew_vs<V, Op>(a + r * cols, b[r], y + r * cols, 0, cols);
}

template <class V>
static void ew_axpy(float alpha, const float* x, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, W::add(W::load(y + i), W::mul(W::set1(alpha), W::load(x + i))));
  });
}

template <class V>
static void ew_fill(float v, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) { using W = decltype(w); W::store(y + i, W::set1(v)); });
}

template <class V>
static void ew_copy(const float* x, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) { using W = decltype(w); W::store(y + i, W::load(x + i)); });
}

template <class V>
static void ew_clamp(const float* x, float lo, float hi, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    // max(lo, x) = lo > x ? lo : x = x < lo ? lo : x;  min(hi, t) = hi < t ? hi : t = t > hi ? hi : t.
    W::store(y + i, W::min(W::set1(hi), W::max(W::set1(lo), W::load(x + i))));
  });
}

template <class V, int Op>
static void fill_binop(elementwise_table& t) {
  t.vv[Op] = ew_vv<V, Op>;
  t.vs[Op] = ew_vs<V, Op>;
  t.row[Op] = ew_row<V, Op>;
  t.col[Op] = ew_col<V, Op>;
}

template <class V>
static void fill_elementwise(elementwise_table& t) {
  fill_binop<V, OP_ADD>(t);
  fill_binop<V, OP_SUB>(t);
  fill_binop<V, OP_MUL>(t);
  fill_binop<V, OP_DIV>(t);
  t.axpy = ew_axpy<V>;
  t.fill = ew_fill<V>;
  t.copy = ew_copy<V>;
  t.clamp = ew_clamp<V>;
}
