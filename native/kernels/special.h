// Special family, ISA-generic (spec in special_api.h). Included inside an ISA namespace; the kernels
// are scalar binary64 code, identical at every level. (<cstdint>, <cstring>, <limits>: special_api.h.)

static inline int32_t sp_high(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return (int32_t)(uint32_t)(b >> 32);
}

static inline double sp_with_high(double x, int32_t hi) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  b = (b & 0xffffffffULL) | ((uint64_t)(uint32_t)hi << 32);
  std::memcpy(&x, &b, sizeof b);
  return x;
}

// fdlibm's log1p (the algorithm of V8's base::ieee754::log1p): log1p(x) = k*ln2 + log(1+f) with
// 1+x = 2^k * (1+f), sqrt(2)/2 < 1+f < sqrt(2), a correction term c for the rounding of 1+x, and
// log(1+f) = f - (hfsq - s*(hfsq+R)) with s = f/(2+f) and R a degree-14 polynomial in s.
static inline double sp_log1p(double x) {
  const double ln2_hi = 6.93147180369123816490e-01;  // 3fe62e42 fee00000
  const double ln2_lo = 1.90821492927058770002e-10;  // 3dea39ef 35793c76
  const double Lp1 = 6.666666666666735130e-01;       // 3FE55555 55555593
  const double Lp2 = 3.999999999940941908e-01;       // 3FD99999 9997FA04
  const double Lp3 = 2.857142874366239149e-01;       // 3FD24924 94229359
  const double Lp4 = 2.222219843214978396e-01;       // 3FCC71C5 1D8E78AF
  const double Lp5 = 1.818357216161805012e-01;       // 3FC74664 96CB03DE
  const double Lp6 = 1.531383769920937332e-01;       // 3FC39A09 D078C69F
  const double Lp7 = 1.479819860511658591e-01;       // 3FC2F112 DF3E5244
  const int32_t hx = sp_high(x), ax = hx & 0x7fffffff;
  double f = 0, c = 0;
  int32_t k = 1, hu = 0;
  if (hx < 0x3FDA827A) {                 // 1+x < sqrt(2)+
    if (ax >= 0x3ff00000) {              // x <= -1.0
      if (x == -1.0) return -std::numeric_limits<double>::infinity();
      return std::numeric_limits<double>::quiet_NaN();  // x < -1, or a NaN with the sign bit set
    }
    if (ax < 0x3e200000) {               // |x| < 2^-29
      if (ax < 0x3c900000) return x;     // |x| < 2^-54
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= (int32_t)0xbfd2bec4) {  // sqrt(2)/2- <= 1+x < sqrt(2)+
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;    // +inf or NaN
  if (k != 0) {
    double u;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = sp_high(u);
      k = (hu >> 20) - 1023;
      c = (k > 0) ? 1.0 - (u - x) : x - (u - 1.0);  // the rounding error of 1+x
      c /= u;
    } else {
      u = x;
      hu = sp_high(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {                  // u ~< sqrt(2)
      u = sp_with_high(u, hu | 0x3ff00000);
    } else {
      k += 1;
      u = sp_with_high(u, hu | 0x3fe00000);
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const double hfsq = 0.5 * f * f;
  if (hu == 0) {                         // |f| < 2^-20
    if (f == 0.0) {
      if (k == 0) return 0.0;
      c += k * ln2_lo;
      return k * ln2_hi + c;
    }
    const double R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k == 0) return f - R;
    return k * ln2_hi - ((R - (k * ln2_lo + c)) - f);
  }
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double R = z * (Lp1 + z * (Lp2 + z * (Lp3 + z * (Lp4 + z * (Lp5 + z * (Lp6 + z * Lp7))))));
  if (k == 0) return f - (hfsq - s * (hfsq + R));
  return k * ln2_hi - ((hfsq - (s * (hfsq + R) + (k * ln2_lo + c))) - f);
}

static void sp_log1p_range(const float* x, float* y, size_t i0, size_t i1) {
  for (size_t i = i0; i < i1; ++i) y[i] = (float)sp_log1p((double)x[i]);
}

template <class V>
static void fill_special(special_table& t) {
  t.log1p = sp_log1p_range;
}
