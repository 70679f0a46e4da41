// Reduction family, ISA-generic (spec in reduce_api.h). Included inside an ISA namespace.
// Sums go through block_reduce (kernels/canonical.h); max and argmax have their own block loops with
// the same shape; column reductions keep the canonical order per column while vectorising across columns.
// Uses each<V> from kernels/elementwise.h (included before this file by kernels/all.inc).

// mx(a, b) = (b > a || b is NaN) ? b : a, lane by lane.
template <class W>
static inline typename W::R red_mx(typename W::R a, typename W::R b) {
  return W::blend(W::mor(W::gt(b, a), W::isnan(b)), b, a);
}

// Argmax preference: does (v, k) beat (bv, bk)? A NaN beats any number, then the larger value wins,
// then (equal values, or two NaNs) the smaller index.
static inline bool red_beats(float v, size_t k, float bv, size_t bk) {
  const bool vn = v != v, bn = bv != bv;
  if (vn || bn) return vn && (!bn || k < bk);
  return v > bv || (v == bv && k < bk);
}

// Lane update of a running argmax: take the new value if it is greater, or NaN over a number.
template <class W>
static inline typename W::M red_takes(typename W::R v, typename W::R best) {
  return W::mor(W::gt(v, best), W::mand(W::isnan(v), W::eq(best, best)));
}

static inline size_t red_min(size_t a, size_t b) { return a < b ? a : b; }

// The term of a sum kind for the values v (m: the mean, for RK_SQDEV).
template <int Kind, class W>
static inline typename W::R red_term(typename W::R v, typename W::R m) {
  if constexpr (Kind == RK_SUMSQ) {
    return W::mul(v, v);
  } else if constexpr (Kind == RK_SQDEV) {
    const typename W::R d = W::sub(v, m);
    return W::mul(d, d);
  } else {
    return v;
  }
}

// One accumulation step: + for the sum kinds, mx for RK_MAX.
template <int Kind, class W>
static inline typename W::R red_step(typename W::R a, typename W::R t) {
  if constexpr (Kind == RK_MAX) return red_mx<W>(a, t);
  else return W::add(a, t);
}

// One canonical block (m terms from x) of a sum kind.
template <class V, int Kind>
static inline float red_block_sum(const float* x, size_t m, float mean) {
  return block_reduce<V>(m, [x, mean](auto w, size_t i) {
    using W = decltype(w);
    return red_term<Kind, W>(W::load(x + i), W::set1(mean));
  });
}

// One block of RK_MAX: 16 strided partials from -Inf, combined by the tree s = 8, 4, 2, 1.
template <class V>
static inline float red_block_max(const float* x, size_t m) {
  constexpr int K = 16 / V::N;
  typename V::R acc[K];
  for (int k = 0; k < K; ++k) acc[k] = V::set1(-__builtin_inff());
  size_t i = 0;
  for (; i + 16 <= m; i += 16)
    for (int k = 0; k < K; ++k) acc[k] = red_mx<V>(acc[k], V::load(x + i + (size_t)k * V::N));
  float q[16];
  for (int k = 0; k < K; ++k) V::store(q + k * V::N, acc[k]);
  for (size_t j = 0; i < m; ++i, ++j) q[j] = red_mx<Vs>(q[j], x[i]);
  for (int s = 8; s >= 1; s >>= 1)
    for (int j = 0; j < s; ++j) q[j] = red_mx<Vs>(q[j], q[j + s]);
  return q[0];
}

// Argmax of one block of m >= 1 values: value and block-local index. Lane j follows the elements
// j, j + 16, ... (block-local indices as floats, exact below 2^24), then the lanes are compared.
static const float red_iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// The best of lanes 0 .. lanes-1 (values q, block-local indices qi as floats).
static inline void red_lanes_best(const float* q, const float* qi, size_t lanes, float* bv, size_t* bk) {
  size_t best = 0;
  for (size_t j = 1; j < lanes; ++j)
    if (red_beats(q[j], (size_t)qi[j], q[best], (size_t)qi[best])) best = j;
  *bv = q[best];
  *bk = (size_t)qi[best];
}

template <class V>
static inline void red_block_argmax(const float* x, size_t m, float* bv, size_t* bk) {
  float q[16] = {}, qi[16] = {};
  size_t lanes = m < 16 ? m : 16, i = lanes;
  if (m >= 16) {
    constexpr int K = 16 / V::N;
    typename V::R acc[K], idx[K], cur[K];
    for (int k = 0; k < K; ++k) {
      acc[k] = V::load(x + (size_t)k * V::N);
      idx[k] = cur[k] = V::load(red_iota + k * V::N);
    }
    const typename V::R step = V::set1(16.0f);
    for (; i + 16 <= m; i += 16) {
      for (int k = 0; k < K; ++k) {
        cur[k] = V::add(cur[k], step);
        const typename V::R v = V::load(x + i + (size_t)k * V::N);
        const typename V::M take = red_takes<V>(v, acc[k]);
        acc[k] = V::blend(take, v, acc[k]);
        idx[k] = V::blend(take, cur[k], idx[k]);
      }
    }
    for (int k = 0; k < K; ++k) {
      V::store(q + k * V::N, acc[k]);
      V::store(qi + k * V::N, idx[k]);
    }
  } else {
    for (size_t j = 0; j < m; ++j) {
      q[j] = x[j];
      qi[j] = (float)j;
    }
  }
  for (size_t j = 0; i < m; ++i, ++j) {
    if (red_beats(x[i], i, q[j], (size_t)qi[j])) {
      q[j] = x[i];
      qi[j] = (float)i;
    }
  }
  red_lanes_best(q, qi, lanes, bv, bk);
}

// Argmax of Q full blocks at once (Q independent chains): per block, value and block-local index.
template <class V, int Q>
static inline void red_full_blocks_argmax(const float* x, float* bv, size_t* bk) {
  constexpr int K = 16 / V::N;
  typename V::R acc[Q][K], idx[Q][K], cur[K];
  for (int k = 0; k < K; ++k) {
    cur[k] = V::load(red_iota + k * V::N);
    for (int q = 0; q < Q; ++q) {
      acc[q][k] = V::load(x + q * FG_BLOCK + (size_t)k * V::N);
      idx[q][k] = cur[k];
    }
  }
  const typename V::R step = V::set1(16.0f);
  for (size_t i = 16; i < FG_BLOCK; i += 16) {
    for (int k = 0; k < K; ++k) cur[k] = V::add(cur[k], step);
    for (int q = 0; q < Q; ++q)
      for (int k = 0; k < K; ++k) {
        const typename V::R v = V::load(x + q * FG_BLOCK + i + (size_t)k * V::N);
        const typename V::M take = red_takes<V>(v, acc[q][k]);
        acc[q][k] = V::blend(take, v, acc[q][k]);
        idx[q][k] = V::blend(take, cur[k], idx[q][k]);
      }
  }
  for (int q = 0; q < Q; ++q) {
    float p[16], pi[16];
    for (int k = 0; k < K; ++k) {
      V::store(p + k * V::N, acc[q][k]);
      V::store(pi + k * V::N, idx[q][k]);
    }
    red_lanes_best(p, pi, 16, bv + q, bk + q);
  }
}

static inline size_t red_block_len(size_t n, size_t b) { return red_min(FG_BLOCK, n - b * FG_BLOCK); }

// The value of kind over canonical block b of x[0..n).
template <class V>
static inline float red_block_value(int kind, const float* x, size_t n, float m, size_t b) {
  const float* xb = x + b * FG_BLOCK;
  const size_t len = red_block_len(n, b);
  switch (kind) {
    case RK_SUM: return red_block_sum<V, RK_SUM>(xb, len, m);
    case RK_SUMSQ: return red_block_sum<V, RK_SUMSQ>(xb, len, m);
    case RK_SQDEV: return red_block_sum<V, RK_SQDEV>(xb, len, m);
    default: return red_block_max<V>(xb, len);
  }
}

// Q full blocks at once: Q independent accumulator chains, so the adds overlap instead of waiting on
// one chain's latency (L1/L2-resident data). Each block follows exactly the spec of block_reduce
// (sum kinds) or red_block_max (RK_MAX).
template <class V, int Kind, int Q>
static inline void red_full_blocks(const float* x, float mean, float* s) {
  constexpr int K = 16 / V::N;
  typename V::R acc[Q][K];
  const typename V::R init = V::set1(Kind == RK_MAX ? -__builtin_inff() : 0.0f), mv = V::set1(mean);
  for (int q = 0; q < Q; ++q)
    for (int k = 0; k < K; ++k) acc[q][k] = init;
  for (size_t i = 0; i < FG_BLOCK; i += 16)
    for (int q = 0; q < Q; ++q)
      for (int k = 0; k < K; ++k)
        acc[q][k] = red_step<Kind, V>(acc[q][k], red_term<Kind, V>(V::load(x + q * FG_BLOCK + i + (size_t)k * V::N), mv));
  for (int q = 0; q < Q; ++q) {
    float p[16];
    for (int k = 0; k < K; ++k) V::store(p + k * V::N, acc[q][k]);
    for (int t = 8; t >= 1; t >>= 1)
      for (int j = 0; j < t; ++j) p[j] = red_step<Kind, Vs>(p[j], p[j + t]);
    s[q] = p[0];
  }
}

// out[b - b0] for blocks b in [b0, b1): full blocks RED_Q at a time (one at a time for scalar Vs,
// whose 16 accumulators already fill the registers), the rest one by one.
constexpr size_t RED_Q = 4;
template <class V, int Kind>
static void red_blocks_of(const float* x, size_t n, float m, size_t b0, size_t b1, float* out) {
  size_t b = b0;
  if constexpr (V::N > 1)
    for (; b + RED_Q <= b1 && (b + RED_Q) * FG_BLOCK <= n; b += RED_Q) red_full_blocks<V, Kind, RED_Q>(x + b * FG_BLOCK, m, out + (b - b0));
  for (; b < b1; ++b) out[b - b0] = red_block_value<V>(Kind, x, n, m, b);
}

template <class V>
static void red_blocks_rel(int kind, const float* x, size_t n, float m, size_t b0, size_t b1, float* out) {
  switch (kind) {
    case RK_SUM: red_blocks_of<V, RK_SUM>(x, n, m, b0, b1, out); break;
    case RK_SUMSQ: red_blocks_of<V, RK_SUMSQ>(x, n, m, b0, b1, out); break;
    case RK_SQDEV: red_blocks_of<V, RK_SQDEV>(x, n, m, b0, b1, out); break;
    default: red_blocks_of<V, RK_MAX>(x, n, m, b0, b1, out); break;
  }
}

// s[b] for blocks b in [b0, b1).
template <class V>
static void red_blocks(int kind, const float* x, size_t n, float m, size_t b0, size_t b1, float* s) {
  red_blocks_rel<V>(kind, x, n, m, b0, b1, s + b0);
}

static float red_combine(int kind, const float* s, size_t nb) {
  if (nb == 0) return kind == RK_MAX ? -__builtin_inff() : 0.0f;
  float t = s[0];
  for (size_t b = 1; b < nb; ++b) t = kind == RK_MAX ? red_mx<Vs>(t, s[b]) : t + s[b];
  return t;
}

// v[b - b0], k[b - b0] = argmax value and global index of block b in [b0, b1) (full blocks RED_Q at a time).
template <class V>
static void red_argmax_blocks_rel(const float* x, size_t n, size_t b0, size_t b1, float* v, size_t* k) {
  size_t b = b0;
  if constexpr (V::N > 1) {
    for (; b + RED_Q <= b1 && (b + RED_Q) * FG_BLOCK <= n; b += RED_Q) {
      red_full_blocks_argmax<V, RED_Q>(x + b * FG_BLOCK, v + (b - b0), k + (b - b0));
      for (size_t q = 0; q < RED_Q; ++q) k[b - b0 + q] += (b + q) * FG_BLOCK;
    }
  }
  for (; b < b1; ++b) {
    red_block_argmax<V>(x + b * FG_BLOCK, red_block_len(n, b), v + (b - b0), k + (b - b0));
    k[b - b0] += b * FG_BLOCK;
  }
}

template <class V>
static void red_argmax_blocks(const float* x, size_t n, size_t b0, size_t b1, float* v, size_t* k) {
  red_argmax_blocks_rel<V>(x, n, b0, b1, v + b0, k + b0);
}

static size_t red_combine_argmax(const float* v, const size_t* k, size_t nb) {
  size_t best = 0;
  for (size_t b = 1; b < nb; ++b)
    if (red_beats(v[b], k[b], v[best], k[best])) best = b;
  return nb ? k[best] : 0;
}

// A whole contiguous range on the calling thread: the spec of reduce_api.h, blocks in order.
template <class V>
static float red_range(int kind, const float* x, size_t n, float m) {
  float t = 0.0f, s[RED_Q];
  const size_t nb = (n + FG_BLOCK - 1) / FG_BLOCK;
  for (size_t b = 0; b < nb; b += RED_Q) {
    const size_t e = red_min(nb, b + RED_Q);
    red_blocks_rel<V>(kind, x, n, m, b, e, s);
    for (size_t j = 0; j < e - b; ++j) t = b + j == 0 ? s[j] : kind == RK_MAX ? red_mx<Vs>(t, s[j]) : t + s[j];
  }
  return t;
}

template <class V>
static size_t red_range_argmax(const float* x, size_t n) {
  float bv = 0.0f, v[RED_Q];
  size_t bk = 0, k[RED_Q];
  const size_t nb = (n + FG_BLOCK - 1) / FG_BLOCK;
  for (size_t b = 0; b < nb; b += RED_Q) {
    const size_t e = red_min(nb, b + RED_Q);
    red_argmax_blocks_rel<V>(x, n, b, e, v, k);
    for (size_t j = 0; j < e - b; ++j)
      if (b + j == 0 || red_beats(v[j], k[j], bv, bk)) bv = v[j], bk = k[j];
  }
  return bk;
}

// One row (or any contiguous sequence) reduced by op; argmax as a binary32 index.
template <class V>
static float red_vector(int op, const float* x, size_t n, float divisor) {
  switch (op) {
    case RED_SUM: return red_range<V>(RK_SUM, x, n, 0.0f);
    case RED_MEAN: return red_range<V>(RK_SUM, x, n, 0.0f) / (float)n;
    case RED_SUMSQ: return red_range<V>(RK_SUMSQ, x, n, 0.0f);
    case RED_NORM: return Vs::sqrt(red_range<V>(RK_SUMSQ, x, n, 0.0f));
    case RED_VAR: {
      const float m = red_range<V>(RK_SUM, x, n, 0.0f) / (float)n;
      return red_range<V>(RK_SQDEV, x, n, m) / divisor;
    }
    case RED_MAX: return red_range<V>(RK_MAX, x, n, 0.0f);
    default: return (float)red_range_argmax<V>(x, n);
  }
}

template <class V>
static void red_rows(int op, const float* x, size_t cols, float divisor, size_t r0, size_t r1, float* out) {
  for (size_t r = r0; r < r1; ++r) out[r] = red_vector<V>(op, x + r * cols, cols, divisor);
}

// Column reductions work on chunks of RED_CH columns (16 partials x 2048 columns x 4 B = 128 KiB of
// accumulators on the stack, in L2). Rows go in tiles of RED_TILE; inside a tile, sub-chunks of RED_SUB
// columns take the tile's rows in order, so a sub-chunk's 16 KiB of accumulators stay in L1 while the
// tile's rows (a few pages each) stay in the TLB and L2. Every column still sees its rows in
// increasing order. (Measured on 2530x3952 at 1 thread: 0.22 -> 0.15 ns/element; a full sum is 0.14.)
constexpr size_t RED_CH = 2048;
constexpr size_t RED_SUB = 256;
constexpr size_t RED_TILE = 64;
// Rows ahead that a column reduction prefetches (each row's piece lies in another page).
constexpr size_t RED_PF = 4;

static inline void red_prefetch(const float* p, size_t w) {
  for (size_t o = 0; o < w; o += 16) __builtin_prefetch(p + o);
}

// tot[c] = fold of Kind over column cb + c (c < w <= RED_CH), in the canonical order of that column:
// row i of a block goes to partial i mod 16, tree, blocks in order. mean[c] is the column mean
// (RK_SQDEV only). Sub-chunk sc (columns sc .. sc + sw) keeps its 16 partials contiguous at
// acc + 16 * sc: partial p at + p * sw (16 KiB at most, no cache-set conflicts between partials).
template <class V, int Kind>
static void red_cols_pass(const float* x, size_t rows, size_t cols, size_t cb, size_t w, const float* mean, float* acc, float* tot) {
  const float init = Kind == RK_MAX ? -__builtin_inff() : 0.0f;
  if (rows == 0) each<V>(0, w, [&](auto v, size_t c) { using W = decltype(v); W::store(tot + c, W::set1(init)); });
  for (size_t b0 = 0; b0 < rows; b0 += FG_BLOCK) {
    const size_t m = red_min(FG_BLOCK, rows - b0);
    each<V>(0, 16 * w, [&](auto v, size_t j) { using W = decltype(v); W::store(acc + j, W::set1(init)); });
    for (size_t t0 = 0; t0 < m; t0 += RED_TILE) {
      const size_t t1 = red_min(m, t0 + RED_TILE);
      for (size_t sc = 0; sc < w; sc += RED_SUB) {
        const size_t sw = red_min(RED_SUB, w - sc);
        const float* mr = mean + sc;
        for (size_t i = t0; i < t1; ++i) {
          float* a = acc + 16 * sc + (i & 15) * sw;
          const float* xr = x + (b0 + i) * cols + cb + sc;
          if (b0 + i + RED_PF < rows) red_prefetch(xr + RED_PF * cols, sw);
          each<V>(0, sw, [&](auto v, size_t c) {
            using W = decltype(v);
            typename W::R mc = W::zero();
            if constexpr (Kind == RK_SQDEV) mc = W::load(mr + c);
            W::store(a + c, red_step<Kind, W>(W::load(a + c), red_term<Kind, W>(W::load(xr + c), mc)));
          });
        }
      }
    }
    for (size_t sc = 0; sc < w; sc += RED_SUB) {
      const size_t sw = red_min(RED_SUB, w - sc);
      float* base = acc + 16 * sc;
      for (size_t s = 8; s >= 1; s >>= 1)
        for (size_t j = 0; j < s; ++j) {
          float* p = base + j * sw;
          const float* q = base + (j + s) * sw;
          each<V>(0, sw, [&](auto v, size_t c) { using W = decltype(v); W::store(p + c, red_step<Kind, W>(W::load(p + c), W::load(q + c))); });
        }
      float* t = tot + sc;
      each<V>(0, sw, [&](auto v, size_t c) {
        using W = decltype(v);
        W::store(t + c, b0 == 0 ? W::load(base + c) : red_step<Kind, W>(W::load(t + c), W::load(base + c)));
      });
    }
  }
}

// Column argmax over rows >= 1: per block of rows a running (value, block-local row) per column,
// vectorised across columns, then merged in block order with the global (value, row) in gv, gk.
template <class V>
static void red_cols_argmax(const float* x, size_t rows, size_t cols, size_t cb, size_t w, float* bv, float* bi, float* gv, size_t* gk) {
  for (size_t b0 = 0; b0 < rows; b0 += FG_BLOCK) {
    const size_t m = red_min(FG_BLOCK, rows - b0);
    const float* x0 = x + b0 * cols + cb;
    each<V>(0, w, [&](auto v, size_t c) { using W = decltype(v); W::store(bv + c, W::load(x0 + c)); W::store(bi + c, W::zero()); });
    for (size_t i = 1; i < m; ++i) {
      const float* xr = x0 + i * cols;
      const float fi = (float)i;
      each<V>(0, w, [&](auto v, size_t c) {
        using W = decltype(v);
        const typename W::R val = W::load(xr + c), best = W::load(bv + c);
        const typename W::M take = red_takes<W>(val, best);
        W::store(bv + c, W::blend(take, val, best));
        W::store(bi + c, W::blend(take, W::set1(fi), W::load(bi + c)));
      });
    }
    for (size_t c = 0; c < w; ++c) {
      const size_t k = b0 + (size_t)bi[c];
      if (b0 == 0 || red_beats(bv[c], k, gv[c], gk[c])) gv[c] = bv[c], gk[c] = k;
    }
  }
}

template <class V>
static void red_cols(int op, const float* x, size_t rows, size_t cols, float divisor, size_t c0, size_t c1, float* out) {
  float acc[16 * RED_CH], aux[RED_CH];
  size_t gk[RED_CH];
  const float fr = (float)rows;
  for (size_t cb = c0; cb < c1; cb += RED_CH) {
    const size_t w = red_min(RED_CH, c1 - cb);
    float* o = out + cb;
    switch (op) {
      case RED_SUM: red_cols_pass<V, RK_SUM>(x, rows, cols, cb, w, nullptr, acc, o); break;
      case RED_MEAN:
        red_cols_pass<V, RK_SUM>(x, rows, cols, cb, w, nullptr, acc, o);
        for (size_t c = 0; c < w; ++c) o[c] = o[c] / fr;
        break;
      case RED_SUMSQ: red_cols_pass<V, RK_SUMSQ>(x, rows, cols, cb, w, nullptr, acc, o); break;
      case RED_NORM:
        red_cols_pass<V, RK_SUMSQ>(x, rows, cols, cb, w, nullptr, acc, o);
        for (size_t c = 0; c < w; ++c) o[c] = Vs::sqrt(o[c]);
        break;
      case RED_VAR:
        red_cols_pass<V, RK_SUM>(x, rows, cols, cb, w, nullptr, acc, aux);
        for (size_t c = 0; c < w; ++c) aux[c] = aux[c] / fr;
        red_cols_pass<V, RK_SQDEV>(x, rows, cols, cb, w, aux, acc, o);
        for (size_t c = 0; c < w; ++c) o[c] = o[c] / divisor;
        break;
      case RED_MAX: red_cols_pass<V, RK_MAX>(x, rows, cols, cb, w, nullptr, acc, o); break;
      default:
        red_cols_argmax<V>(x, rows, cols, cb, w, acc, acc + RED_CH, aux, gk);
        for (size_t c = 0; c < w; ++c) o[c] = (float)gk[c];
        break;
    }
  }
}

template <class V>
static void fill_reduce(reduce_table& t) {
  t.blocks = red_blocks<V>;
  t.combine = red_combine;
  t.argmax_blocks = red_argmax_blocks<V>;
  t.combine_argmax = red_combine_argmax;
  t.rows = red_rows<V>;
  t.cols = red_cols<V>;
}
