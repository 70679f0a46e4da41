// Optimizer family, ISA-generic (spec in optim_api.h). Included inside an ISA namespace after
// elementwise.h (uses each<V>). Flags are tested per vector; they are loop-invariant, so the branches
// are perfectly predicted and cost nothing next to the memory traffic.

// Shorthand inside the per-lane bodies: W is V (full vectors) or Vs (the tail, one lane at a time).
#define FG_OPT_LANE using W = decltype(w); using R = typename W::R; (void)sizeof(R)

// g = MAXIMIZE ? -g : g;  if WD: g = g + (wd * p)
template <class W>
static inline typename W::R opt_grad(const optim_args& a, size_t i, typename W::R p, float wd) {
  typename W::R g = W::load(a.g + i);
  if (a.flags & OF_MAXIMIZE) g = W::neg(g);
  if (a.flags & OF_WD) g = W::add(g, W::mul(W::set1(wd), p));
  return g;
}

// (x * b) + (c * y): the exponential moving average form used by every optimizer.
template <class W>
static inline typename W::R opt_ema(typename W::R x, float b, float c, typename W::R y) {
  return W::add(W::mul(x, W::set1(b)), W::mul(W::set1(c), y));
}

// (x * b) + ((c * y) * y)
template <class W>
static inline typename W::R opt_ema_sq(typename W::R x, float b, float c, typename W::R y) {
  return W::add(W::mul(x, W::set1(b)), W::mul(W::mul(W::set1(c), y), y));
}

// The Adam family's moments (Adam/AdamW, NAdam, RAdam: their B1, OMB1, B2, OMB2 slots coincide):
//   m = (m * b1) + ((1 - b1) * g);  v = (v * b2) + (((1 - b2) * g) * g);  both stored (s0, s1).
static_assert(NADAM_B1 == ADAM_B1 && NADAM_OMB1 == ADAM_OMB1 && NADAM_B2 == ADAM_B2 && NADAM_OMB2 == ADAM_OMB2 &&
                  RADAM_B1 == ADAM_B1 && RADAM_OMB1 == ADAM_OMB1 && RADAM_B2 == ADAM_B2 && RADAM_OMB2 == ADAM_OMB2,
              "the Adam family shares its moment slots (lib/backend/spec/optim.ts ADAM_MOMENT_SLOTS)");
template <class W>
struct opt_mv {
  typename W::R m, v;
};
template <class W>
static inline opt_mv<W> opt_moments(const optim_args& a, size_t i, typename W::R g) {
  const float* h = a.h;
  const typename W::R m = opt_ema<W>(W::load(a.s[0] + i), h[ADAM_B1], h[ADAM_OMB1], g);
  const typename W::R v = opt_ema_sq<W>(W::load(a.s[1] + i), h[ADAM_B2], h[ADAM_OMB2], g);
  W::store(a.s[0] + i, m);
  W::store(a.s[1] + i, v);
  return {m, v};
}

template <class V>
static void opt_sgd(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[SGD_WD]);
    R d = g;
    if (a.flags & OF_MOMENTUM) {
      const R buf = (a.flags & OF_FIRST) ? g : opt_ema<W>(W::load(a.s[0] + i), h[SGD_MOM], h[SGD_DAMP1], g);
      W::store(a.s[0] + i, buf);
      d = (a.flags & OF_NESTEROV) ? W::add(g, W::mul(W::set1(h[SGD_MOM]), buf)) : buf;
    }
    W::store(a.p + i, W::sub(p, W::mul(W::set1(h[SGD_LR]), d)));
  });
}

template <class V>
static void opt_adam(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[ADAM_WD]);
    if (a.flags & OF_DECOUPLED) p = W::mul(p, W::set1(h[ADAM_DECAY]));
    const auto mv = opt_moments<W>(a, i, g);
    const R m = mv.m, v = mv.v;
    R u = v;
    if (a.flags & OF_AMSGRAD) {
      u = W::max(W::load(a.s[2] + i), v);
      W::store(a.s[2] + i, u);
    }
    const R den = W::add(W::div(W::sqrt(u), W::set1(h[ADAM_BC2S])), W::set1(h[ADAM_EPS]));
    W::store(a.p + i, W::sub(p, W::mul(W::set1(h[ADAM_SS]), W::div(m, den))));
  });
}

template <class V>
static void opt_adagrad(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[ADAGRAD_WD]);
    const R s = W::add(W::load(a.s[0] + i), W::mul(g, g));
    W::store(a.s[0] + i, s);
    const R std = W::add(W::sqrt(s), W::set1(h[ADAGRAD_EPS]));
    W::store(a.p + i, W::sub(p, W::mul(W::set1(h[ADAGRAD_CLR]), W::div(g, std))));
  });
}

template <class V>
static void opt_rmsprop(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[RMS_WD]);
    const R sq = opt_ema_sq<W>(W::load(a.s[0] + i), h[RMS_ALPHA], h[RMS_OMA], g);
    W::store(a.s[0] + i, sq);
    R avg;
    if (a.flags & OF_CENTERED) {
      const R ga = opt_ema<W>(W::load(a.s[1] + i), h[RMS_ALPHA], h[RMS_OMA], g);
      W::store(a.s[1] + i, ga);
      avg = W::sqrt(W::sub(sq, W::mul(ga, ga)));
    } else {
      avg = W::sqrt(sq);
    }
    avg = W::add(avg, W::set1(h[RMS_EPS]));
    if (a.flags & OF_MOMENTUM) {
      const R buf = W::add(W::mul(W::load(a.s[2] + i), W::set1(h[RMS_MOM])), W::div(g, avg));
      W::store(a.s[2] + i, buf);
      W::store(a.p + i, W::sub(p, W::mul(W::set1(h[RMS_LR]), buf)));
    } else {
      W::store(a.p + i, W::sub(p, W::mul(W::set1(h[RMS_LR]), W::div(g, avg))));
    }
  });
}

template <class V>
static void opt_rprop(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    R g = W::load(a.g + i);
    if (a.flags & OF_MAXIMIZE) g = W::neg(g);
    const R zero = W::zero(), one = W::set1(1.0f);
    const R q = W::mul(g, W::load(a.s[0] + i));
    const auto flip = W::lt(q, zero);
    const R f = W::blend(W::gt(q, zero), W::set1(h[RPROP_ETAP]), W::blend(flip, W::set1(h[RPROP_ETAM]), one));
    const R t = W::mul(W::load(a.s[1] + i), f);
    // (t < min ? min : t) = max(min, t); then (x > max ? max : x) = min(max, x)
    const R step = W::min(W::set1(h[RPROP_MAX]), W::max(W::set1(h[RPROP_MIN]), t));
    W::store(a.s[1] + i, step);
    g = W::blend(flip, zero, g);
    const R sign = W::blend(W::gt(g, zero), one, W::blend(W::lt(g, zero), W::neg(one), zero));
    W::store(a.p + i, W::sub(p, W::mul(sign, step)));
    W::store(a.s[0] + i, g);
  });
}

template <class V>
static void opt_adadelta(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[ADADELTA_WD]);
    const R eps = W::set1(h[ADADELTA_EPS]);
    const R sq = opt_ema_sq<W>(W::load(a.s[0] + i), h[ADADELTA_RHO], h[ADADELTA_OMR], g);
    W::store(a.s[0] + i, sq);
    const R std = W::sqrt(W::add(sq, eps));
    const R acc = W::load(a.s[1] + i);
    const R d = W::mul(W::div(W::sqrt(W::add(acc, eps)), std), g);
    W::store(a.s[1] + i, opt_ema_sq<W>(acc, h[ADADELTA_RHO], h[ADADELTA_OMR], d));
    W::store(a.p + i, W::sub(p, W::mul(W::set1(h[ADADELTA_LR]), d)));
  });
}

template <class V>
static void opt_adamax(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[ADAMAX_WD]);
    const R m = opt_ema<W>(W::load(a.s[0] + i), h[ADAMAX_B1], h[ADAMAX_OMB1], g);
    const R u = W::max(W::mul(W::load(a.s[1] + i), W::set1(h[ADAMAX_B2])), W::add(W::abs(g), W::set1(h[ADAMAX_EPS])));
    W::store(a.s[0] + i, m);
    W::store(a.s[1] + i, u);
    W::store(a.p + i, W::sub(p, W::mul(W::set1(h[ADAMAX_CLR]), W::div(m, u))));
  });
}

template <class V>
static void opt_nadam(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[NADAM_WD]);
    const auto mv = opt_moments<W>(a, i, g);
    const R m = mv.m, v = mv.v;
    const R den = W::add(W::sqrt(W::div(v, W::set1(h[NADAM_BC2]))), W::set1(h[NADAM_EPS]));
    const R p1 = W::sub(p, W::mul(W::set1(h[NADAM_C1]), W::div(g, den)));
    W::store(a.p + i, W::sub(p1, W::mul(W::set1(h[NADAM_C2]), W::div(m, den))));
  });
}

template <class V>
static void opt_radam(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[RADAM_WD]);
    const auto mv = opt_moments<W>(a, i, g);
    const R m = mv.m, v = mv.v;
    const R mlr = W::mul(W::div(m, W::set1(h[RADAM_BC1])), W::set1(h[RADAM_LR]));
    R u = mlr;
    if (a.flags & OF_RECTIFY) {
      const R ad = W::div(W::set1(h[RADAM_BC2S]), W::add(W::sqrt(v), W::set1(h[RADAM_EPS])));
      u = W::mul(W::mul(mlr, ad), W::set1(h[RADAM_RECT]));
    }
    W::store(a.p + i, W::sub(p, u));
  });
}

template <class V>
static void opt_momentum(const optim_args& a, size_t b, size_t e) {
  const float* h = a.h;
  each<V>(b, e, [&](auto w, size_t i) {
    FG_OPT_LANE;
    const R p = W::load(a.p + i);
    const R g = opt_grad<W>(a, i, p, h[MOM_WD]);
    const R v = W::sub(W::mul(W::set1(h[MOM_MU]), W::load(a.s[0] + i)), W::mul(W::set1(h[MOM_LR]), g));
    W::store(a.s[0] + i, v);
    if (a.flags & OF_LOOKAHEAD) {
      const R th = W::add(W::load(a.s[1] + i), v);
      W::store(a.s[1] + i, th);
      W::store(a.p + i, W::add(th, W::mul(W::set1(h[MOM_MUNEXT]), v)));
    } else {
      W::store(a.p + i, W::add(p, v));
    }
  });
}

#undef FG_OPT_LANE

template <class V>
static void fill_optim(optim_table& t) {
  t.step[OPT_SGD] = opt_sgd<V>;
  t.step[OPT_ADAM] = opt_adam<V>;
  t.step[OPT_ADAGRAD] = opt_adagrad<V>;
  t.step[OPT_RMSPROP] = opt_rmsprop<V>;
  t.step[OPT_RPROP] = opt_rprop<V>;
  t.step[OPT_ADADELTA] = opt_adadelta<V>;
  t.step[OPT_ADAMAX] = opt_adamax<V>;
  t.step[OPT_NADAM] = opt_nadam<V>;
  t.step[OPT_RADAM] = opt_radam<V>;
  t.step[OPT_MOMENTUM] = opt_momentum<V>;
}
