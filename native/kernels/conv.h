// Convolution data movement, ISA-generic (spec in conv_api.h). Included inside an ISA namespace.
// Both kernels are exact copies and in-order adds; vectorizing across ow keeps every element's order
// (a row (c, i, j) reaches each (h, w) at most once).

template <class V>
static void conv_im2col(const float* x, const ConvGeo& g, float* col, size_t r0, size_t r1) {
  const size_t P = g.OH * g.OW, kk = g.kh * g.kw;
  for (size_t r = r0; r < r1; ++r) {
    const size_t c = r / kk, i = (r / g.kw) % g.kh, j = r % g.kw;
    const float* plane = x + c * g.H * g.W;
    float* o = col + r * P;
    for (size_t oh = 0; oh < g.OH; ++oh, o += g.OW) {
      const ptrdiff_t h = (ptrdiff_t)(oh * g.sh + i * g.dh) - (ptrdiff_t)g.ph;
      if (h < 0 || h >= (ptrdiff_t)g.H) {
        for (size_t ow = 0; ow < g.OW; ++ow) o[ow] = 0.0f;
        continue;
      }
      const float* row = plane + (size_t)h * g.W;
      const ptrdiff_t w0 = (ptrdiff_t)(j * g.dw) - (ptrdiff_t)g.pw;
      if (g.sw == 1 && w0 >= 0 && w0 + (ptrdiff_t)g.OW <= (ptrdiff_t)g.W) {
        for (size_t ow = 0; ow < g.OW; ++ow) o[ow] = row[w0 + (ptrdiff_t)ow];
        continue;
      }
      ptrdiff_t w = w0;
      for (size_t ow = 0; ow < g.OW; ++ow, w += (ptrdiff_t)g.sw) o[ow] = (w >= 0 && w < (ptrdiff_t)g.W) ? row[w] : 0.0f;
    }
  }
}

template <class V>
static void conv_col2im(const float* col, const ConvGeo& g, float* dx, size_t c0, size_t c1) {
  const size_t P = g.OH * g.OW, HW = g.H * g.W;
  for (size_t c = c0; c < c1; ++c) {
    float* plane = dx + c * HW;
    for (size_t k = 0; k < HW; ++k) plane[k] = 0.0f;
    for (size_t i = 0; i < g.kh; ++i) {
      for (size_t j = 0; j < g.kw; ++j) {
        const float* o = col + ((c * g.kh + i) * g.kw + j) * P;
        for (size_t oh = 0; oh < g.OH; ++oh, o += g.OW) {
          const ptrdiff_t h = (ptrdiff_t)(oh * g.sh + i * g.dh) - (ptrdiff_t)g.ph;
          if (h < 0 || h >= (ptrdiff_t)g.H) continue;
          float* row = plane + (size_t)h * g.W;
          const ptrdiff_t w0 = (ptrdiff_t)(j * g.dw) - (ptrdiff_t)g.pw;
          if (g.sw == 1 && w0 >= 0 && w0 + (ptrdiff_t)g.OW <= (ptrdiff_t)g.W) {
            float* d = row + w0;
            for (size_t ow = 0; ow < g.OW; ++ow) d[ow] = d[ow] + o[ow];
            continue;
          }
          ptrdiff_t w = w0;
          for (size_t ow = 0; ow < g.OW; ++ow, w += (ptrdiff_t)g.sw)
            if (w >= 0 && w < (ptrdiff_t)g.W) row[w] = row[w] + o[ow];
        }
      }
    }
  }
}

template <class V>
static void fill_conv(conv_table& t) {
  t.im2col = conv_im2col<V>;
  t.col2im = conv_col2im<V>;
}
