// Unary family, ISA-generic (spec in unary_api.h). Included inside an ISA namespace after
// kernels/canonical.h (block_reduce) and kernels/elementwise.h (each). Every helper is a template on
// W = Vec (full vectors) or Vs (one lane, loop tails), so tails follow the same per-lane spec.

// ---- transcendentals: one polynomial spec, shared bit for bit with lib/backend/js/unary.ts ----
// exp: Cephes expf range reduction and polynomial.
constexpr float UN_EXP_HI = 89.0f;    // x > ln(FLT_MAX) gives +inf; the clamp keeps 2^n1, 2^n2 in range
constexpr float UN_EXP_LO = -104.0f;  // x < ln(2^-150) gives +0
constexpr float UN_LOG2E = 0x1.715476p+0f;
constexpr float UN_LN2_HI = 0x1.630000p-1f;  // 0.693359375: 9 significant bits, n * LN2_HI is exact
constexpr float UN_LN2_LO = -0x1.bd0106p-13f;
constexpr float UN_E5 = 0x1.a0d2cep-13f, UN_E4 = 0x1.6e879cp-10f, UN_E3 = 0x1.111210p-7f;
constexpr float UN_E2 = 0x1.555382p-5f, UN_E1 = 0x1.555554p-3f, UN_E0 = 0x1.000000p-1f;
// log: Cephes logf polynomial on f = m - 1, m in [sqrt(0.5), sqrt(2)).
constexpr float UN_SQRT2 = 0x1.6a09e6p+0f;
constexpr float UN_L8 = 0x1.204376p-4f, UN_L7 = -0x1.d7a370p-4f, UN_L6 = 0x1.de4a34p-4f;
constexpr float UN_L5 = -0x1.fcba9ep-4f, UN_L4 = 0x1.23d37ep-3f, UN_L3 = -0x1.555ca0p-3f;
constexpr float UN_L2 = 0x1.999d58p-3f, UN_L1 = -0x1.fffff8p-3f, UN_L0 = 0x1.555554p-2f;
// tanh: Cephes tanhf odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) above.
constexpr float UN_TANH_SMALL = 0.625f;
constexpr float UN_T4 = -0x1.75e1d4p-8f, UN_T3 = 0x1.52269cp-6f, UN_T2 = -0x1.b83c5ap-5f;
constexpr float UN_T1 = 0x1.110726p-3f, UN_T0 = -0x1.555532p-2f;

template <class W>
static inline typename W::R un_exp(typename W::R x) {
  using R = typename W::R;
  const R c = W::min(W::set1(UN_EXP_HI), W::max(x, W::set1(UN_EXP_LO)));
  const R n = W::floor(W::add(W::mul(c, W::set1(UN_LOG2E)), W::set1(0.5f)));
  R r = W::sub(c, W::mul(n, W::set1(UN_LN2_HI)));
  r = W::sub(r, W::mul(n, W::set1(UN_LN2_LO)));
  const R z = W::mul(r, r);
  R p = W::set1(UN_E5);
  p = W::add(W::mul(p, r), W::set1(UN_E4));
  p = W::add(W::mul(p, r), W::set1(UN_E3));
  p = W::add(W::mul(p, r), W::set1(UN_E2));
  p = W::add(W::mul(p, r), W::set1(UN_E1));
  p = W::add(W::mul(p, r), W::set1(UN_E0));
  p = W::mul(p, z);
  p = W::add(p, r);
  p = W::add(p, W::set1(1.0f));
  const R n1 = W::floor(W::mul(n, W::set1(0.5f)));
  const R n2 = W::sub(n, n1);
  const R y = W::mul(W::mul(p, W::pow2i(n1)), W::pow2i(n2));
  return W::blend(W::isnan(x), x, y);
}

template <class W>
static inline typename W::R un_log(typename W::R x) {
  using R = typename W::R;
  using M = typename W::M;
  const R one = W::set1(1.0f), zero = W::zero();
  const M sub = W::lt(x, W::set1(0x1p-126f));
  const R u = W::blend(sub, W::mul(x, W::set1(0x1p23f)), x);
  R e = W::add(W::exponent(u), W::blend(sub, W::set1(-23.0f), zero));
  const R m = W::mantissa(u);
  const M low = W::lt(m, W::set1(UN_SQRT2));
  const R f = W::blend(low, W::sub(m, one), W::sub(W::mul(m, W::set1(0.5f)), one));
  e = W::add(e, W::blend(low, zero, one));
  const R z = W::mul(f, f);
  R p = W::set1(UN_L8);
  p = W::add(W::mul(p, f), W::set1(UN_L7));
  p = W::add(W::mul(p, f), W::set1(UN_L6));
  p = W::add(W::mul(p, f), W::set1(UN_L5));
  p = W::add(W::mul(p, f), W::set1(UN_L4));
  p = W::add(W::mul(p, f), W::set1(UN_L3));
  p = W::add(W::mul(p, f), W::set1(UN_L2));
  p = W::add(W::mul(p, f), W::set1(UN_L1));
  p = W::add(W::mul(p, f), W::set1(UN_L0));
  p = W::mul(p, f);
  p = W::mul(p, z);
  p = W::add(p, W::mul(e, W::set1(UN_LN2_LO)));
  p = W::sub(p, W::mul(z, W::set1(0.5f)));
  R y = W::add(f, p);
  y = W::add(y, W::mul(e, W::set1(UN_LN2_HI)));
  y = W::blend(W::eq(x, W::set1(__builtin_inff())), x, y);
  y = W::blend(W::eq(x, zero), W::set1(-__builtin_inff()), y);
  y = W::blend(W::lt(x, zero), W::set1(__builtin_nanf("")), y);
  return W::blend(W::isnan(x), x, y);
}

template <class W>
static inline typename W::R un_tanh(typename W::R x) {
  using R = typename W::R;
  const R one = W::set1(1.0f);
  const R z = W::abs(x);
  const R s = W::mul(z, z);
  R p = W::set1(UN_T4);
  p = W::add(W::mul(p, s), W::set1(UN_T3));
  p = W::add(W::mul(p, s), W::set1(UN_T2));
  p = W::add(W::mul(p, s), W::set1(UN_T1));
  p = W::add(W::mul(p, s), W::set1(UN_T0));
  p = W::mul(p, s);
  p = W::mul(p, z);
  const R small = W::add(p, z);
  const R big = W::sub(one, W::div(W::set1(2.0f), W::add(un_exp<W>(W::add(z, z)), one)));
  return W::with_sign(W::blend(W::lt(z, W::set1(UN_TANH_SMALL)), small, big), x);
}

template <class W>
static inline typename W::R un_sigmoid(typename W::R x) {
  const typename W::R one = W::set1(1.0f);
  const typename W::R e = un_exp<W>(W::neg(W::abs(x)));
  return W::div(W::blend(W::lt(x, W::zero()), e, one), W::add(one, e));
}

template <class W>
static inline typename W::R un_relu(typename W::R x) {
  return W::blend(W::le(x, W::zero()), W::zero(), x);
}

template <int Op, class W>
static inline typename W::R un_apply(typename W::R x) {
  if constexpr (Op == UN_NEG) return W::neg(x);
  else if constexpr (Op == UN_ABS) return W::abs(x);
  else if constexpr (Op == UN_SQRT) return W::sqrt(x);
  else if constexpr (Op == UN_SQUARE) return W::mul(x, x);
  else if constexpr (Op == UN_EXP) return un_exp<W>(x);
  else if constexpr (Op == UN_LOG) return un_log<W>(x);
  else if constexpr (Op == UN_RELU) return un_relu<W>(x);
  else if constexpr (Op == UN_SIGMOID) return un_sigmoid<W>(x);
  else if constexpr (Op == UN_TANH) return un_tanh<W>(x);
  else return W::div(W::set1(1.0f), x);  // reciprocal: 1 / x, one rounding
}

template <int Op, class W>
static inline typename W::R un_backward(typename W::R y, typename W::R dy) {
  const typename W::R one = W::set1(1.0f);
  if constexpr (Op == ACT_RELU) return W::blend(W::gt(y, W::zero()), dy, W::zero());
  else if constexpr (Op == ACT_SIGMOID) return W::mul(dy, W::mul(y, W::sub(one, y)));
  else return W::mul(dy, W::sub(one, W::mul(y, y)));
}

// ---- kernels ----
template <class V, int Op>
static void un_map(const float* x, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, un_apply<Op, W>(W::load(x + i)));
  });
}

template <class V, int Op>
static void un_map_backward(const float* y, const float* dy, float* dx, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(dx + i, un_backward<Op, W>(W::load(y + i), W::load(dy + i)));
  });
}

// Row max in the canonical block structure, with p = max(x_i, p) (NaN skipped); -inf for n = 0.
template <class V>
static float un_row_max(const float* x, size_t n) {
  constexpr int K = 16 / V::N;
  float m = -__builtin_inff();
  for (size_t b0 = 0; b0 < n; b0 += FG_BLOCK) {
    const size_t len = n - b0 < FG_BLOCK ? n - b0 : FG_BLOCK;
    const float* xb = x + b0;
    typename V::R acc[K];
    for (int k = 0; k < K; ++k) acc[k] = V::set1(-__builtin_inff());
    size_t i = 0;
    for (; i + 16 <= len; i += 16)
      for (int k = 0; k < K; ++k) acc[k] = V::max(V::load(xb + i + (size_t)k * V::N), acc[k]);
    float p[16];
    for (int k = 0; k < K; ++k) V::store(p + k * V::N, acc[k]);
    for (size_t j = 0; i < len; ++i, ++j) p[j] = Vs::max(xb[i], p[j]);
    for (int s = 8; s >= 1; s >>= 1)
      for (int j = 0; j < s; ++j) p[j] = Vs::max(p[j], p[j + s]);
    m = b0 == 0 ? p[0] : Vs::max(m, p[0]);
  }
  return m;
}

// Canonical sum of e_i = exp(x_i - m); stores e_i into y when Store.
template <class V, bool Store>
static float un_row_exp_sum(const float* x, float* y, size_t n, float m) {
  float total = 0.0f;
  for (size_t b0 = 0; b0 < n; b0 += FG_BLOCK) {
    const size_t len = n - b0 < FG_BLOCK ? n - b0 : FG_BLOCK;
    const float* xb = x + b0;
    float* yb = y + b0;
    const float s = block_reduce<V>(len, [&](auto w, size_t i) {
      using W = decltype(w);
      const typename W::R e = un_exp<W>(W::sub(W::load(xb + i), W::set1(m)));
      if constexpr (Store) W::store(yb + i, e);
      return e;
    });
    total = b0 == 0 ? s : total + s;
  }
  return total;
}

template <class V>
static void un_softmax(const float* x, float* y, size_t cols, size_t rbegin, size_t rend) {
  for (size_t r = rbegin; r < rend; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float s = un_row_exp_sum<V, true>(xr, yr, cols, un_row_max<V>(xr, cols));
    each<V>(0, cols, [&](auto w, size_t i) {
      using W = decltype(w);
      W::store(yr + i, W::div(W::load(yr + i), W::set1(s)));
    });
  }
}

template <class V>
static void un_log_softmax(const float* x, float* y, size_t cols, size_t rbegin, size_t rend) {
  for (size_t r = rbegin; r < rend; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float m = un_row_max<V>(xr, cols);
    const float ls = un_log<Vs>(un_row_exp_sum<V, false>(xr, yr, cols, m));
    each<V>(0, cols, [&](auto w, size_t i) {
      using W = decltype(w);
      W::store(yr + i, W::sub(W::sub(W::load(xr + i), W::set1(m)), W::set1(ls)));
    });
  }
}

template <class V>
static void fill_unary(unary_table& t) {
  t.map[UN_NEG] = un_map<V, UN_NEG>;
  t.map[UN_ABS] = un_map<V, UN_ABS>;
  t.map[UN_SQRT] = un_map<V, UN_SQRT>;
  t.map[UN_SQUARE] = un_map<V, UN_SQUARE>;
  t.map[UN_EXP] = un_map<V, UN_EXP>;
  t.map[UN_LOG] = un_map<V, UN_LOG>;
  t.map[UN_RELU] = un_map<V, UN_RELU>;
  t.map[UN_SIGMOID] = un_map<V, UN_SIGMOID>;
  t.map[UN_TANH] = un_map<V, UN_TANH>;
  t.map[UN_RECIPROCAL] = un_map<V, UN_RECIPROCAL>;
  t.backward[ACT_RELU] = un_map_backward<V, ACT_RELU>;
  t.backward[ACT_SIGMOID] = un_map_backward<V, ACT_SIGMOID>;
  t.backward[ACT_TANH] = un_map_backward<V, ACT_TANH>;
  t.softmax = un_softmax<V>;
  t.log_softmax = un_log_softmax<V>;
}
