// Convolution data movement, ISA-generic (spec in conv_api.h). Included inside an ISA namespace.
// Both kernels are exact copies and in-order adds; vectorizing across ow keeps every element's order
// (a row (c, i, j) reaches each (h, w) at most once).

// The outputs ow in [lo, hi) whose tap w = w0 + ow·sw lies inside a row of W values (the others are
// padding): taps move right with ow, so the inside ones are one contiguous range (lo = hi when none).
static inline void conv_inside(ptrdiff_t w0, size_t sw, size_t W, size_t OW, size_t& lo, size_t& hi) {
  const ptrdiff_t s = (ptrdiff_t)sw;
  ptrdiff_t a, b;  // the first ow with w >= 0, the first with w >= W
  if (s == 1) {
    a = w0 >= 0 ? 0 : -w0;
    b = (ptrdiff_t)W - w0 <= 0 ? 0 : (ptrdiff_t)W - w0;
  } else {
    a = w0 >= 0 ? 0 : (-w0 + s - 1) / s;
    b = (ptrdiff_t)W - w0 <= 0 ? 0 : ((ptrdiff_t)W - w0 + s - 1) / s;
  }
  if (a > (ptrdiff_t)OW) a = (ptrdiff_t)OW;
  if (b > (ptrdiff_t)OW) b = (ptrdiff_t)OW;
  if (b < a) b = a;
  lo = (size_t)a;
  hi = (size_t)b;
}

// One sample's rows [r0, r1) of im2col: row r of col (K × P, row stride ld) from x (C planes of H × W).
static inline void conv_im2col_rows(const float* x, const ConvGeo& g, float* col, size_t ld, size_t r0, size_t r1) {
  const size_t kk = g.kh * g.kw;
  for (size_t r = r0; r < r1; ++r) {
    const size_t c = r / kk, i = (r / g.kw) % g.kh, j = r % g.kw;
    const float* plane = x + c * g.H * g.W;
    float* o = col + r * ld;
    const ptrdiff_t w0 = (ptrdiff_t)(j * g.dw) - (ptrdiff_t)g.pw;
    size_t lo, hi;
    conv_inside(w0, g.sw, g.W, g.OW, lo, hi);
    for (size_t oh = 0; oh < g.OH; ++oh, o += g.OW) {
      const ptrdiff_t h = (ptrdiff_t)(oh * g.sh + i * g.dh) - (ptrdiff_t)g.ph;
      if (h < 0 || h >= (ptrdiff_t)g.H) {
        for (size_t ow = 0; ow < g.OW; ++ow) o[ow] = 0.0f;
        continue;
      }
      const float* row = plane + (size_t)h * g.W;
      for (size_t ow = 0; ow < lo; ++ow) o[ow] = 0.0f;
      if (g.sw == 1 && hi > lo) {
        const float* src = row + (w0 + (ptrdiff_t)lo);
        float* dst = o + lo;
        for (size_t t = 0; t < hi - lo; ++t) dst[t] = src[t];
      } else {
        for (size_t ow = lo; ow < hi; ++ow) o[ow] = row[w0 + (ptrdiff_t)(ow * g.sw)];
      }
      for (size_t ow = hi; ow < g.OW; ++ow) o[ow] = 0.0f;
    }
  }
}

// Rows [r0, r1) of the K × (n·P) column matrix of n samples (sample s at x + s·xs, its columns s·P ...).
template <class V>
static void conv_im2col(const float* x, const ConvGeo& g, size_t n, size_t xs, float* col, size_t r0, size_t r1) {
  const size_t P = g.OH * g.OW, ld = n * P;
  for (size_t s = 0; s < n; ++s) conv_im2col_rows(x + s * xs, g, col + s * P, ld, r0, r1);
}

// Planes q = s·C + c in [q0, q1) of dx (sample s at dx + s·xs) from the K × (n·P) matrix col.
template <class V>
static void conv_col2im(const float* col, const ConvGeo& g, size_t n, size_t xs, float* dx, size_t q0, size_t q1) {
  const size_t P = g.OH * g.OW, HW = g.H * g.W, ld = n * P;
  for (size_t q = q0; q < q1; ++q) {
    const size_t s = q / g.C, c = q % g.C;
    float* plane = dx + s * xs + c * HW;
    for (size_t k = 0; k < HW; ++k) plane[k] = 0.0f;
    for (size_t i = 0; i < g.kh; ++i) {
      for (size_t j = 0; j < g.kw; ++j) {
        const float* o = col + ((c * g.kh + i) * g.kw + j) * ld + s * P;
        const ptrdiff_t w0 = (ptrdiff_t)(j * g.dw) - (ptrdiff_t)g.pw;
        size_t lo, hi;
        conv_inside(w0, g.sw, g.W, g.OW, lo, hi);
        for (size_t oh = 0; oh < g.OH; ++oh, o += g.OW) {
          const ptrdiff_t h = (ptrdiff_t)(oh * g.sh + i * g.dh) - (ptrdiff_t)g.ph;
          if (h < 0 || h >= (ptrdiff_t)g.H) continue;
          float* row = plane + (size_t)h * g.W;
          if (g.sw == 1 && hi > lo) {
            float* d = row + (w0 + (ptrdiff_t)lo);
            const float* src = o + lo;
            for (size_t t = 0; t < hi - lo; ++t) d[t] = d[t] + src[t];
          } else {
            for (size_t ow = lo; ow < hi; ++ow) row[w0 + (ptrdiff_t)(ow * g.sw)] = row[w0 + (ptrdiff_t)(ow * g.sw)] + o[ow];
          }
        }
      }
    }
  }
}

// ---- pools (spec in conv_api.h): one plane at a time, scalar (every output is a short window) ----

// Calls f(h, w) for each tap of window (oh, ow) inside the plane, in row-major (i, j) order.
template <class F>
static inline void pool_taps(const ConvGeo& g, size_t oh, size_t ow, F f) {
  for (size_t i = 0; i < g.kh; ++i) {
    const ptrdiff_t h = (ptrdiff_t)(oh * g.sh + i * g.dh) - (ptrdiff_t)g.ph;
    if (h < 0 || h >= (ptrdiff_t)g.H) continue;
    for (size_t j = 0; j < g.kw; ++j) {
      const ptrdiff_t w = (ptrdiff_t)(ow * g.sw + j * g.dw) - (ptrdiff_t)g.pw;
      if (w < 0 || w >= (ptrdiff_t)g.W) continue;
      f((size_t)h, (size_t)w);
    }
  }
}

// One output row's windows (oh, ow) for ow in [lo, hi) whose taps all lie inside the plane (rows
// h0 + i·dh, columns ow·sw − pw + j·dw): the spec's sequence without bounds tests and without branches on
// the data (m = −Inf, k = the first tap; then per tap in (i, j) order: if (v > m || v is NaN) take it), so
// the compiler can keep it in registers (and vectorize it across ow). KH, KW > 0: the kernel size fixed at
// compile time (2 × 2, 3 × 3); 0: read from g.
template <size_t KH, size_t KW>
static inline void pool_max_row_inside(const float* plane, const ConvGeo& g, size_t h0, size_t lo, size_t hi, float* y, int32_t* idx) {
  const size_t kh = KH ? KH : g.kh, kw = KW ? KW : g.kw;
  for (size_t ow = lo; ow < hi; ++ow) {
    const size_t w0 = ow * g.sw - g.pw;
    float m = -__builtin_inff();
    int32_t k = (int32_t)(h0 * g.W + w0);
    for (size_t i = 0; i < kh; ++i) {
      const size_t h = h0 + i * g.dh;
      const float* row = plane + h * g.W;
      for (size_t j = 0; j < kw; ++j) {
        const size_t w = w0 + j * g.dw;
        const float v = row[w];
        const bool t = (v > m) | (v != v);
        m = t ? v : m;
        k = t ? (int32_t)(h * g.W + w) : k;
      }
    }
    y[ow] = m;
    idx[ow] = k;
  }
}

template <class V>
static void pool_max_forward(const float* x, const ConvGeo& g, float* y, int32_t* idx, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  // the outputs ow in [lo, hi) have every tap column inside: the first tap's w0 >= 0 and the last's < W
  size_t lo = 0, hi = 0;
  {
    size_t a0, a1, b0, b1;
    conv_inside(-(ptrdiff_t)g.pw, g.sw, g.W, g.OW, a0, a1);
    conv_inside((ptrdiff_t)((g.kw - 1) * g.dw) - (ptrdiff_t)g.pw, g.sw, g.W, g.OW, b0, b1);
    lo = a0 > b0 ? a0 : b0;
    hi = a1 < b1 ? a1 : b1;
    if (hi < lo) hi = lo;
  }
  const bool k22 = g.kh == 2 && g.kw == 2, k33 = g.kh == 3 && g.kw == 3;
  for (size_t p = p0; p < p1; ++p) {
    const float* plane = x + p * HW;
    for (size_t oh = 0, o = p * P; oh < g.OH; ++oh, o += g.OW) {
      const ptrdiff_t h0 = (ptrdiff_t)(oh * g.sh) - (ptrdiff_t)g.ph, hl = h0 + (ptrdiff_t)((g.kh - 1) * g.dh);
      const bool rows_inside = h0 >= 0 && hl < (ptrdiff_t)g.H;
      const size_t a = rows_inside ? lo : g.OW, b = rows_inside ? hi : g.OW;
      // the windows that touch the padding: the generic walk over the taps inside
      auto edge = [&](size_t ow) {
        float m = -__builtin_inff();
        int32_t k = -1;
        pool_taps(g, oh, ow, [&](size_t h, size_t w) {
          const float v = plane[h * g.W + w];
          if (k < 0) k = (int32_t)(h * g.W + w);
          if (v > m || v != v) {
            m = v;
            k = (int32_t)(h * g.W + w);
          }
        });
        y[o + ow] = m;
        idx[o + ow] = k;
      };
      for (size_t ow = 0; ow < a; ++ow) edge(ow);
      if (a < b) {
        if (k22) pool_max_row_inside<2, 2>(plane, g, (size_t)h0, a, b, y + o, idx + o);
        else if (k33) pool_max_row_inside<3, 3>(plane, g, (size_t)h0, a, b, y + o, idx + o);
        else pool_max_row_inside<0, 0>(plane, g, (size_t)h0, a, b, y + o, idx + o);
      }
      for (size_t ow = b; ow < g.OW; ++ow) edge(ow);
    }
  }
}

template <class V>
static void pool_max_backward(const float* dy, const int32_t* idx, const ConvGeo& g, float* dx, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  for (size_t p = p0; p < p1; ++p) {
    float* plane = dx + p * HW;
    for (size_t k = 0; k < HW; ++k) plane[k] = 0.0f;
    for (size_t o = p * P; o < (p + 1) * P; ++o) plane[idx[o]] = plane[idx[o]] + dy[o];
  }
}

// The divisor of window (oh, ow): kh·kw, or the number of taps inside.
static inline float pool_divisor(const ConvGeo& g, bool count_include_pad, size_t oh, size_t ow) {
  if (count_include_pad) return (float)(g.kh * g.kw);
  size_t n = 0;
  pool_taps(g, oh, ow, [&](size_t, size_t) { ++n; });
  return (float)n;
}

template <class V>
static void pool_avg_forward(const float* x, const ConvGeo& g, bool count_include_pad, float* y, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  for (size_t p = p0; p < p1; ++p) {
    const float* plane = x + p * HW;
    for (size_t oh = 0, o = p * P; oh < g.OH; ++oh) {
      for (size_t ow = 0; ow < g.OW; ++ow, ++o) {
        float s = 0.0f;
        pool_taps(g, oh, ow, [&](size_t h, size_t w) { s = s + plane[h * g.W + w]; });
        y[o] = s / pool_divisor(g, count_include_pad, oh, ow);
      }
    }
  }
}

template <class V>
static void pool_avg_backward(const float* dy, const ConvGeo& g, bool count_include_pad, float* dx, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  for (size_t p = p0; p < p1; ++p) {
    float* plane = dx + p * HW;
    for (size_t k = 0; k < HW; ++k) plane[k] = 0.0f;
    for (size_t oh = 0, o = p * P; oh < g.OH; ++oh) {
      for (size_t ow = 0; ow < g.OW; ++ow, ++o) {
        const float t = dy[o] / pool_divisor(g, count_include_pad, oh, ow);
        pool_taps(g, oh, ow, [&](size_t h, size_t w) { plane[h * g.W + w] = plane[h * g.W + w] + t; });
      }
    }
  }
}

// torch's adaptive window [⌊o·L/O⌋, ⌈(o+1)·L/O⌉)
static inline size_t adaptive_start(size_t o, size_t L, size_t O) { return o * L / O; }
static inline size_t adaptive_end(size_t o, size_t L, size_t O) { return ((o + 1) * L + O - 1) / O; }

template <class V>
static void pool_adaptive_forward(const float* x, const ConvGeo& g, float* y, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  for (size_t p = p0; p < p1; ++p) {
    const float* plane = x + p * HW;
    for (size_t oh = 0, o = p * P; oh < g.OH; ++oh) {
      const size_t h0 = adaptive_start(oh, g.H, g.OH), h1 = adaptive_end(oh, g.H, g.OH);
      for (size_t ow = 0; ow < g.OW; ++ow, ++o) {
        const size_t w0 = adaptive_start(ow, g.W, g.OW), w1 = adaptive_end(ow, g.W, g.OW);
        float s = 0.0f;
        for (size_t h = h0; h < h1; ++h)
          for (size_t w = w0; w < w1; ++w) s = s + plane[h * g.W + w];
        y[o] = s / (float)((h1 - h0) * (w1 - w0));
      }
    }
  }
}

template <class V>
static void pool_adaptive_backward(const float* dy, const ConvGeo& g, float* dx, size_t p0, size_t p1) {
  const size_t HW = g.H * g.W, P = g.OH * g.OW;
  for (size_t p = p0; p < p1; ++p) {
    float* plane = dx + p * HW;
    for (size_t k = 0; k < HW; ++k) plane[k] = 0.0f;
    for (size_t oh = 0, o = p * P; oh < g.OH; ++oh) {
      const size_t h0 = adaptive_start(oh, g.H, g.OH), h1 = adaptive_end(oh, g.H, g.OH);
      for (size_t ow = 0; ow < g.OW; ++ow, ++o) {
        const size_t w0 = adaptive_start(ow, g.W, g.OW), w1 = adaptive_end(ow, g.W, g.OW);
        const float t = dy[o] / (float)((h1 - h0) * (w1 - w0));
        for (size_t h = h0; h < h1; ++h)
          for (size_t w = w0; w < w1; ++w) plane[h * g.W + w] = plane[h * g.W + w] + t;
      }
    }
  }
}

template <class V>
static void fill_conv(conv_table& t) {
  t.im2col = conv_im2col<V>;
  t.col2im = conv_col2im<V>;
  t.max_pool_forward = pool_max_forward<V>;
  t.max_pool_backward = pool_max_backward<V>;
  t.avg_pool_forward = pool_avg_forward<V>;
  t.avg_pool_backward = pool_avg_backward<V>;
  t.adaptive_avg_pool_forward = pool_adaptive_forward<V>;
  t.adaptive_avg_pool_backward = pool_adaptive_backward<V>;
}
