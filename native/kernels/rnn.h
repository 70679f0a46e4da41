// LSTM and GRU cells, ISA-generic (spec in rnn_api.h). Included inside an ISA namespace after
// kernels/unary.h (un_sigmoid, un_tanh) and kernels/elementwise.h (each). Every (row, unit) is
// independent: vectors run along the units of a row, tails one lane at a time with the same ops.

template <class V>
static void rnn_lstm_forward(const float* xg, const float* hg, const float* c_prev, size_t H, float* gates, float* c,
                             float* h, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; ++r) {
    const float* X = xg + r * 4 * H;
    const float* G = hg + r * 4 * H;
    float* S = gates + r * 4 * H;
    const float* cp = c_prev + r * H;
    float* cr = c + r * H;
    float* hr = h + r * H;
    each<V>(0, H, [&](auto w, size_t j) {
      using W = decltype(w);
      const auto i = un_sigmoid<W>(W::add(W::load(X + j), W::load(G + j)));
      const auto f = un_sigmoid<W>(W::add(W::load(X + H + j), W::load(G + H + j)));
      const auto g = un_tanh<W>(W::add(W::load(X + 2 * H + j), W::load(G + 2 * H + j)));
      const auto o = un_sigmoid<W>(W::add(W::load(X + 3 * H + j), W::load(G + 3 * H + j)));
      const auto cn = W::add(W::mul(f, W::load(cp + j)), W::mul(i, g));
      W::store(S + j, i);
      W::store(S + H + j, f);
      W::store(S + 2 * H + j, g);
      W::store(S + 3 * H + j, o);
      W::store(cr + j, cn);
      W::store(hr + j, W::mul(o, un_tanh<W>(cn)));
    });
  }
}

template <class V>
static void rnn_lstm_backward(const float* dy, const float* dhr, const float* dc, const float* gates, const float* c_prev,
                              const float* c, size_t H, float* dG, float* dc_prev, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; ++r) {
    const float* S = gates + r * 4 * H;
    float* D = dG + r * 4 * H;
    const size_t o_ = r * H;
    each<V>(0, H, [&](auto w, size_t j) {
      using W = decltype(w);
      const auto one = W::set1(1.0f);
      const auto i = W::load(S + j), f = W::load(S + H + j), g = W::load(S + 2 * H + j), o = W::load(S + 3 * H + j);
      const auto dh = W::add(W::load(dy + o_ + j), W::load(dhr + o_ + j));
      const auto t = un_tanh<W>(W::load(c + o_ + j));
      const auto dct = W::add(W::load(dc + o_ + j), W::mul(W::mul(dh, o), W::sub(one, W::mul(t, t))));
      W::store(D + j, W::mul(W::mul(dct, g), W::mul(i, W::sub(one, i))));
      W::store(D + H + j, W::mul(W::mul(dct, W::load(c_prev + o_ + j)), W::mul(f, W::sub(one, f))));
      W::store(D + 2 * H + j, W::mul(W::mul(dct, i), W::sub(one, W::mul(g, g))));
      W::store(D + 3 * H + j, W::mul(W::mul(dh, t), W::mul(o, W::sub(one, o))));
      W::store(dc_prev + o_ + j, W::mul(dct, f));
    });
  }
}

template <class V>
static void rnn_gru_forward(const float* xg, const float* hg, const float* h_prev, size_t H, float* gates, float* h,
                            size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; ++r) {
    const float* X = xg + r * 3 * H;
    const float* G = hg + r * 3 * H;
    float* S = gates + r * 4 * H;
    const float* hp = h_prev + r * H;
    float* hr = h + r * H;
    each<V>(0, H, [&](auto w, size_t j) {
      using W = decltype(w);
      const auto rg = un_sigmoid<W>(W::add(W::load(X + j), W::load(G + j)));
      const auto z = un_sigmoid<W>(W::add(W::load(X + H + j), W::load(G + H + j)));
      const auto gn = W::load(G + 2 * H + j);
      const auto n = un_tanh<W>(W::add(W::load(X + 2 * H + j), W::mul(rg, gn)));
      W::store(S + j, rg);
      W::store(S + H + j, z);
      W::store(S + 2 * H + j, n);
      W::store(S + 3 * H + j, gn);
      W::store(hr + j, W::add(n, W::mul(z, W::sub(W::load(hp + j), n))));
    });
  }
}

template <class V>
static void rnn_gru_backward(const float* dy, const float* dhr, const float* gates, const float* h_prev, size_t H,
                             float* dxg, float* dhg, float* dh_prev, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; ++r) {
    const float* S = gates + r * 4 * H;
    float* DX = dxg + r * 3 * H;
    float* DH = dhg + r * 3 * H;
    const size_t o_ = r * H;
    each<V>(0, H, [&](auto w, size_t j) {
      using W = decltype(w);
      const auto one = W::set1(1.0f);
      const auto rg = W::load(S + j), z = W::load(S + H + j), n = W::load(S + 2 * H + j), gn = W::load(S + 3 * H + j);
      const auto dh = W::add(W::load(dy + o_ + j), W::load(dhr + o_ + j));
      const auto dan = W::mul(W::mul(dh, W::sub(one, z)), W::sub(one, W::mul(n, n)));
      const auto dar = W::mul(W::mul(dan, gn), W::mul(rg, W::sub(one, rg)));
      const auto daz = W::mul(W::mul(dh, W::sub(W::load(h_prev + o_ + j), n)), W::mul(z, W::sub(one, z)));
      W::store(DX + j, dar);
      W::store(DX + H + j, daz);
      W::store(DX + 2 * H + j, dan);
      W::store(DH + j, dar);
      W::store(DH + H + j, daz);
      W::store(DH + 2 * H + j, W::mul(dan, rg));
      W::store(dh_prev + o_ + j, W::mul(dh, z));
    });
  }
}

template <class V>
static void fill_rnn(rnn_table& t) {
  t.lstm_forward = rnn_lstm_forward<V>;
  t.lstm_backward = rnn_lstm_backward<V>;
  t.gru_forward = rnn_gru_forward<V>;
  t.gru_backward = rnn_gru_backward<V>;
}
