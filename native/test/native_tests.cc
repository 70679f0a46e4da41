// C++ tests (ctest; `npm run test:native`): dispatch (tables, forced levels, clamping, FASTGRAD_SIMD)
// and the canonical order (the same bits at every SIMD level, equal to a reference written from the
// spec in kernels/canonical.h), plus every kernel family (families.inc: elementwise, unary, reduce,
// gemm, batchnorm, rng, optim, probe) giving the scalar table's bits at every available SIMD level,
// and ranged calls (splits of elements, rows, units, blocks, sub-rectangles of C) giving the whole call's.
// Usage: fastgrad_native_tests              all tests
//        fastgrad_native_tests --env-check L  with FASTGRAD_SIMD=L set: checks what choose_simd("") picks
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>
#include "dispatch.h"

using namespace fg;

static int checks = 0, failures = 0;
#define CHECK(cond, ...)                                                        \
  do {                                                                          \
    ++checks;                                                                   \
    if (!(cond)) {                                                              \
      ++failures;                                                               \
      std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      std::fprintf(stderr, __VA_ARGS__);                                        \
      std::fputc('\n', stderr);                                                 \
    }                                                                           \
  } while (0)

static uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static bool same_bits(float a, float b) { return (a != a && b != b) || bits(a) == bits(b); }  // NaN payloads not compared

struct Rng {  // mulberry32, as test/support/harness.ts
  uint32_t s;
  float next() {
    s += 0x6d2b79f5u;
    uint32_t t = s;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return (float)(((t ^ (t >> 14)) >> 0) / 4294967296.0);
  }
};

static const float kSpecials[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-40f, 1e38f, -1e38f, 1e-38f, 3.4028234e38f, 1.0f, -1.0f,
                                  __builtin_inff(), -__builtin_inff(), __builtin_nanf("")};

static std::vector<float> data(size_t n, uint32_t seed, float lo, float hi, float specials) {
  Rng r{seed};
  std::vector<float> v(n);
  for (auto& x : v) {
    if (specials > 0 && r.next() < specials) x = kSpecials[(size_t)(r.next() * (sizeof kSpecials / sizeof *kSpecials)) % (sizeof kSpecials / sizeof *kSpecials)];
    else x = lo + (hi - lo) * r.next();
  }
  return v;
}

static std::vector<int> levels() {
  std::vector<int> out;
  for (int l = 0; l < SIMD_LEVELS; ++l)
    if (simd_available(l)) out.push_back(l);
  return out;
}

// The highest available level at or below `want`, neon standing apart from the x86 levels.
static int expected_clamp(int want) {
  for (int l = want; l > 0; --l)
    if (simd_available(l) && !(l == SIMD_NEON && want != SIMD_NEON)) return l;
  return SIMD_SCALAR;
}

static bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

static void test_dispatch() {
  CHECK(simd_available(SIMD_SCALAR), "scalar must always be available");
  CHECK(table_for(SIMD_SCALAR) != nullptr, "scalar table");
  const int best = detect_simd();
  CHECK(simd_available(best), "detected %s", simd_name(best));
  for (int l = 0; l < SIMD_LEVELS; ++l) {
    CHECK((table_for(l) != nullptr) == simd_available(l), "table_for(%s) vs simd_available", simd_name(l));
    CHECK(table_for(l) == table_for(l), "tables are built once");
    CHECK(simd_from_name(simd_name(l)) == l, "name round trip %s", simd_name(l));
    CHECK(!simd_available(l) || l <= best, "%s available above the detected %s", simd_name(l), simd_name(best));
  }
  CHECK(!simd_available(-1) && !simd_available(SIMD_LEVELS) && table_for(99) == nullptr, "out-of-range levels");
  CHECK(simd_from_name("sse4") == -1 && simd_from_name("") == -1, "unknown names");

  // Forced levels: exactly the level when the CPU has it, else clamped down (the note says so).
  for (int l = 0; l < SIMD_LEVELS; ++l) {
    std::string note;
    const int got = choose_simd(simd_name(l), &note);
    if (simd_available(l)) {
      CHECK(got == l && note == std::string("forced ") + simd_name(l), "forcing %s gave %s (%s)", simd_name(l), simd_name(got), note.c_str());
    } else {
      CHECK(got == expected_clamp(l) && simd_available(got) && contains(note, "clamped to"), "forcing unavailable %s gave %s (%s)",
            simd_name(l), simd_name(got), note.c_str());
    }
  }
  std::string note;
  CHECK(choose_simd("auto", &note) == best && contains(note, "detected"), "auto: %s", note.c_str());
  CHECK(choose_simd("bogus", &note) == best && contains(note, "not one of"), "bogus: %s", note.c_str());

  // FASTGRAD_SIMD applies when no level is requested; a requested level wins over it.
  const char* saved = std::getenv("FASTGRAD_SIMD");
  const std::string keep = saved ? saved : "";
  unsetenv("FASTGRAD_SIMD");
  CHECK(choose_simd("", &note) == best, "no request, no env: %s", note.c_str());
  setenv("FASTGRAD_SIMD", "scalar", 1);
  CHECK(choose_simd("", &note) == SIMD_SCALAR, "env scalar: %s", note.c_str());
  CHECK(choose_simd(simd_name(best), &note) == best, "request beats env: %s", note.c_str());
  if (saved) setenv("FASTGRAD_SIMD", keep.c_str(), 1);
  else unsetenv("FASTGRAD_SIMD");
}

// The canonical sum written straight from the spec in kernels/canonical.h.
static float reference_canonical_sum(const float* x, size_t n) {
  float total = 0.0f;
  for (size_t b = 0; b < n; b += FG_BLOCK) {
    const size_t m = n - b < FG_BLOCK ? n - b : FG_BLOCK;
    float p[16] = {0};
    for (size_t i = 0; i < m; ++i) p[i % 16] = p[i % 16] + x[b + i];
    for (int s = 8; s >= 1; s >>= 1)
      for (int j = 0; j < s; ++j) p[j] = p[j] + p[j + s];
    total = b == 0 ? p[0] : total + p[0];
  }
  return total;
}

static const size_t kSizes[] = {0, 1, 7, 15, 16, 17, 63, 64, 65, 4095, 4096, 4097, 3 * 4096 + 5, 100003};

static void test_canonical_sum() {
  int compared = 0;
  for (size_t n : kSizes) {
    const std::vector<float> inputs[] = {data(n, 1, -2, 2, 0), data(n, 2, -1e3f, 1e3f, 0.01f), data(n, 3, 0, 1, 0)};
    for (const auto& x : inputs) {
      const float want = reference_canonical_sum(x.data(), n);
      for (int l : levels()) {
        const float got = table_for(l)->probe.canonical_sum(x.data(), n);
        CHECK(same_bits(got, want), "canonical sum n=%zu level=%s: %a vs reference %a", n, simd_name(l), (double)got, (double)want);
        ++compared;
      }
    }
  }
  CHECK(compared > 0, "nothing compared");
}

// Every elementwise kernel gives the scalar table's bits at every level (including specials and tails).
static void test_elementwise_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    const std::vector<float> a = data(n, 7, -2, 2, 0.05f), b = data(n, 8, -2, 2, 0.05f);
    std::vector<float> want(n), got(n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      auto compare = [&](const char* what) {
        for (size_t i = 0; i < n; ++i)
          if (!same_bits(got[i], want[i])) {
            CHECK(false, "%s n=%zu level=%s first difference at %zu: %a vs %a", what, n, simd_name(l), i, (double)got[i], (double)want[i]);
            return;
          }
        CHECK(true, "%s", what);
      };
      for (int op = 0; op < OP_COUNT; ++op) {
        s->elementwise.vv[op](a.data(), b.data(), want.data(), 0, n);
        t->elementwise.vv[op](a.data(), b.data(), got.data(), 0, n);
        compare("vv");
        s->elementwise.vs[op](a.data(), 0.3f, want.data(), 0, n);
        t->elementwise.vs[op](a.data(), 0.3f, got.data(), 0, n);
        compare("vs");
      }
      want = b;
      got = b;
      s->elementwise.axpy(0.7f, a.data(), want.data(), 0, n);
      t->elementwise.axpy(0.7f, a.data(), got.data(), 0, n);
      compare("axpy");
      s->elementwise.clamp(a.data(), -0.5f, 0.5f, want.data(), 0, n);
      t->elementwise.clamp(a.data(), -0.5f, 0.5f, got.data(), 0, n);
      compare("clamp");
    }
  }
}

// ---- Every kernel family: each available level gives the scalar table's bits ------------------------
// Outputs the kernel must write start as different poison values in the scalar run and the level's run,
// so an element a level leaves unwritten differs too (scalar against itself included). Ranged calls
// (sub-rectangles, unit or row splits) must give the same bits as the whole call.

static const float kPoisonWant = -7777.0f, kPoisonGot = 8888.0f;

__attribute__((format(printf, 1, 2))) static std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// One check per compared array: got against want bit for bit (NaN payloads aside); a failure names
// the family and function (what), the level, the case (ctx) and the first differing index.
static void expect_same(const char* what, int level, const std::string& ctx, const float* got, const float* want, size_t n) {
  size_t i = 0;
  while (i < n && same_bits(got[i], want[i])) ++i;
  CHECK(i == n, "%s level=%s %s: first difference at index %zu of %zu: got %a, want %a", what, simd_name(level), ctx.c_str(), i, n,
        i < n ? (double)got[i] : 0.0, i < n ? (double)want[i] : 0.0);
}

static void expect_same(const char* what, int level, const std::string& ctx, const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) CHECK(false, "%s level=%s %s: lengths %zu vs %zu", what, simd_name(level), ctx.c_str(), got.size(), want.size());
  else expect_same(what, level, ctx, got.data(), want.data(), got.size());
}

template <class T>
static void expect_equal(const char* what, int level, const std::string& ctx, const T* got, const T* want, size_t n) {
  size_t i = 0;
  while (i < n && got[i] == want[i]) ++i;
  CHECK(i == n, "%s level=%s %s: first difference at index %zu of %zu: got %llu, want %llu", what, simd_name(level), ctx.c_str(), i, n,
        i < n ? (unsigned long long)got[i] : 0ull, i < n ? (unsigned long long)want[i] : 0ull);
}

// The bounds of the pieces of [0, total) cut at the points of `at` that fall inside it (in increasing order).
static std::vector<size_t> cuts(size_t total, std::initializer_list<size_t> at) {
  std::vector<size_t> v{0};
  for (size_t c : at)
    if (c > v.back() && c < total) v.push_back(c);
  v.push_back(total);
  return v;
}

static std::string cuts_str(const std::vector<size_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

static const char* const kUnaryNames[UN_COUNT] = {"neg", "abs", "sqrt", "square", "exp", "log", "relu", "sigmoid", "tanh"};
static const char* const kActNames[ACT_COUNT] = {"relu", "sigmoid", "tanh"};

// The elementwise kernels test_elementwise_tables leaves out: row, col, fill, copy.
static void test_elementwise_rest() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t rows, cols; };
  static const Shape kShapes[] = {{1, 1}, {3, 17}, {5, 100}, {2, 4097}, {33, 15}};
  for (const Shape& sh : kShapes) {
    const size_t R = sh.rows, C = sh.cols;
    const std::vector<float> a = data(R * C, 9, -2, 2, 0.05f), brow = data(C, 10, -2, 2, 0.05f), bcol = data(R, 11, -2, 2, 0.05f);
    const std::vector<size_t> split = cuts(R, {1, R / 2});
    for (int op = 0; op < OP_COUNT; ++op)
      for (int f = 0; f < 2; ++f) {
        const char* what = f ? "elementwise.col" : "elementwise.row";
        const float* b = f ? bcol.data() : brow.data();
        auto fn = [&](const KernelTable* t) { return f ? t->elementwise.col[op] : t->elementwise.row[op]; };
        std::vector<float> want(R * C, kPoisonWant);
        fn(s)(a.data(), b, want.data(), C, 0, R);
        for (int l : levels()) {
          const std::string ctx = fmt("op=%d rows=%zu cols=%zu", op, R, C);
          std::vector<float> got(R * C, kPoisonGot);
          fn(table_for(l))(a.data(), b, got.data(), C, 0, R);
          expect_same(what, l, ctx, got, want);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < split.size(); ++i) fn(table_for(l))(a.data(), b, got.data(), C, split[i], split[i + 1]);
          expect_same(what, l, ctx + " rows " + cuts_str(split), got, want);
        }
      }
  }
  for (size_t n : kSizes) {
    const std::vector<float> x = data(n, 12, -2, 2, 0.05f);
    const size_t b = std::min(n, n / 3 + 1), e = std::max(b, n - n / 5);
    std::vector<float> want(n, kPoisonWant), want_fill(n, kPoisonWant);
    s->elementwise.copy(x.data(), want.data(), 0, n);
    s->elementwise.fill(-0.0f, want_fill.data(), 0, n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      const std::string ctx = fmt("n=%zu", n);
      std::vector<float> got(n, kPoisonGot);
      t->elementwise.copy(x.data(), got.data(), 0, n);
      expect_same("elementwise.copy", l, ctx, got, want);
      got = want;
      std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
      t->elementwise.copy(x.data(), got.data(), b, e);
      expect_same("elementwise.copy", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
      std::fill(got.begin(), got.end(), kPoisonGot);
      t->elementwise.fill(-0.0f, got.data(), 0, n);
      expect_same("elementwise.fill", l, ctx, got, want_fill);
    }
  }
}

// Unary: every map and backward kernel (whole, in place, an unaligned range), softmax and log_softmax.
static void test_unary_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    // Moderate values, exp's clamping range and beyond, and tiny / subnormal ones (log's scaled path).
    const std::vector<float> xs[] = {data(n, 21, -3, 3, 0.05f), data(n, 22, -120, 120, 0.02f), data(n, 23, 0, 2e-38f, 0.1f)};
    const size_t b = std::min(n, n / 3 + 1), e = std::max(b, n - n / 5);
    for (int v = 0; v < 3; ++v) {
      const std::vector<float>& x = xs[v];
      for (int op = 0; op < UN_COUNT; ++op) {
        std::vector<float> want(n, kPoisonWant);
        s->unary.map[op](x.data(), want.data(), 0, n);
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("op=%s n=%zu input=%d", kUnaryNames[op], n, v);
          std::vector<float> got(n, kPoisonGot);
          t->unary.map[op](x.data(), got.data(), 0, n);
          expect_same("unary.map", l, ctx, got, want);
          got = x;
          t->unary.map[op](got.data(), got.data(), 0, n);
          expect_same("unary.map in place", l, ctx, got, want);
          got = want;
          std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
          t->unary.map[op](x.data(), got.data(), b, e);
          expect_same("unary.map", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
        }
      }
    }
    const std::vector<float> y = data(n, 24, -1.5f, 1.5f, 0.05f), dy = data(n, 25, -2, 2, 0.05f);
    for (int op = 0; op < ACT_COUNT; ++op) {
      std::vector<float> want(n, kPoisonWant);
      s->unary.backward[op](y.data(), dy.data(), want.data(), 0, n);
      for (int l : levels()) {
        const KernelTable* t = table_for(l);
        const std::string ctx = fmt("op=%s n=%zu", kActNames[op], n);
        std::vector<float> got(n, kPoisonGot);
        t->unary.backward[op](y.data(), dy.data(), got.data(), 0, n);
        expect_same("unary.backward", l, ctx, got, want);
        got = dy;
        t->unary.backward[op](y.data(), got.data(), got.data(), 0, n);
        expect_same("unary.backward dx = dy", l, ctx, got, want);
        got = y;
        t->unary.backward[op](got.data(), dy.data(), got.data(), 0, n);
        expect_same("unary.backward dx = y", l, ctx, got, want);
        got = want;
        std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
        t->unary.backward[op](y.data(), dy.data(), got.data(), b, e);
        expect_same("unary.backward", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
      }
    }
  }
  static const size_t kCols[] = {1, 15, 16, 17, 100, 4097};
  const size_t rows = 8;
  const float inf = __builtin_inff(), nan = __builtin_nanf("");
  for (size_t cols : kCols) {
    std::vector<float> x = data(rows * cols, 31, -30, 30, 0);
    auto put = [&](size_t r, const std::vector<float>& v) { std::copy(v.begin(), v.end(), x.begin() + r * cols); };
    put(1, data(cols, 32, -5, 5, 0.3f));                      // specials
    put(2, std::vector<float>(cols, -inf));                    // max -inf: every exp(x - m) is NaN
    put(3, std::vector<float>(cols, nan));                     // a row of NaNs
    x[4 * cols + cols / 2] = inf;                              // one +inf
    put(5, data(cols, 33, -1e30f, 1e30f, 0));                 // huge spread
    put(6, data(cols, 34, -1e-40f, 1e-40f, 0));               // subnormals
    x[7 * cols + cols - 1] = nan;                              // one NaN, last
    const std::vector<size_t> split = cuts(rows, {1, 5});
    for (int f = 0; f < 2; ++f) {
      const char* what = f ? "unary.log_softmax" : "unary.softmax";
      auto fn = [&](const KernelTable* t) { return f ? t->unary.log_softmax : t->unary.softmax; };
      std::vector<float> want(rows * cols, kPoisonWant);
      fn(s)(x.data(), want.data(), cols, 0, rows);
      for (int l : levels()) {
        const std::string ctx = fmt("rows=%zu cols=%zu", rows, cols);
        std::vector<float> got(rows * cols, kPoisonGot);
        fn(table_for(l))(x.data(), got.data(), cols, 0, rows);
        expect_same(what, l, ctx, got, want);
        got = x;
        fn(table_for(l))(got.data(), got.data(), cols, 0, rows);
        expect_same(what, l, ctx + " in place", got, want);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < split.size(); ++i) fn(table_for(l))(x.data(), got.data(), cols, split[i], split[i + 1]);
        expect_same(what, l, ctx + " rows " + cuts_str(split), got, want);
      }
    }
  }
}

// Reduce: blocks of every kind, combine, argmax_blocks + combine_argmax, rows and cols of every op.
static void test_reduce_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  static const char* const kKinds[] = {"sum", "sumsq", "sqdev", "max"};
  static const size_t kN[] = {1, 7, 16, 17, 4095, 4096, 4097, 5 * FG_BLOCK + 3, 16 * FG_BLOCK};
  for (size_t n : kN) {
    std::vector<float> ties = data(n, 73, 0, 4, 0);  // few distinct values, +0 and -0 among them
    for (size_t i = 0; i < n; ++i) ties[i] = (float)(int)ties[i] == 0.0f ? (i & 1 ? -0.0f : 0.0f) : (float)(int)ties[i];
    const std::vector<float> inputs[] = {data(n, 71, -2, 2, 0), data(n, 72, -1e3f, 1e3f, 0.01f), ties, std::vector<float>(n, -__builtin_inff())};
    const size_t nb = num_blocks(n);
    const std::vector<size_t> split = cuts(nb, {1, nb / 2});
    for (int v = 0; v < 4; ++v) {
      const std::vector<float>& x = inputs[v];
      const float mean = s->probe.canonical_sum(x.data(), n) / (float)n;  // the binary32 mean, as RED_VAR passes it
      for (int kind = 0; kind < 4; ++kind) {
        const float m = kind == RK_SQDEV ? mean : 0.0f;
        std::vector<float> want(nb, kPoisonWant);
        s->reduce.blocks(kind, x.data(), n, m, 0, nb, want.data());
        const float want_c = s->reduce.combine(kind, want.data(), nb);
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("kind=%s n=%zu input=%d", kKinds[kind], n, v);
          std::vector<float> got(nb, kPoisonGot);
          t->reduce.blocks(kind, x.data(), n, m, 0, nb, got.data());
          expect_same("reduce.blocks", l, ctx, got, want);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < split.size(); ++i) t->reduce.blocks(kind, x.data(), n, m, split[i], split[i + 1], got.data());
          expect_same("reduce.blocks", l, ctx + " blocks " + cuts_str(split), got, want);
          const float c = t->reduce.combine(kind, want.data(), nb);
          expect_same("reduce.combine", l, ctx, &c, &want_c, 1);
        }
      }
      std::vector<float> want_v(nb, kPoisonWant);
      std::vector<size_t> want_k(nb, 12345);
      s->reduce.argmax_blocks(x.data(), n, 0, nb, want_v.data(), want_k.data());
      const size_t want_i = s->reduce.combine_argmax(want_v.data(), want_k.data(), nb);
      for (int l : levels()) {
        const KernelTable* t = table_for(l);
        const std::string ctx = fmt("n=%zu input=%d", n, v);
        for (int piecewise = 0; piecewise < 2; ++piecewise) {
          std::vector<float> got_v(nb, kPoisonGot);
          std::vector<size_t> got_k(nb, 54321);
          if (piecewise)
            for (size_t i = 0; i + 1 < split.size(); ++i) t->reduce.argmax_blocks(x.data(), n, split[i], split[i + 1], got_v.data(), got_k.data());
          else t->reduce.argmax_blocks(x.data(), n, 0, nb, got_v.data(), got_k.data());
          const std::string c2 = piecewise ? ctx + " blocks " + cuts_str(split) : ctx;
          expect_same("reduce.argmax_blocks value", l, c2, got_v.data(), want_v.data(), nb);
          expect_equal("reduce.argmax_blocks index", l, c2, got_k.data(), want_k.data(), nb);
        }
        const size_t i = t->reduce.combine_argmax(want_v.data(), want_k.data(), nb);
        expect_equal("reduce.combine_argmax", l, ctx, &i, &want_i, 1);
      }
    }
  }
  struct Shape { size_t rows, cols; };
  static const Shape kShapes[] = {{1, 1}, {7, 17}, {3, 100}, {70, 300}, {2, 4097}, {4100, 5}, {3, 2100}, {1, 33}, {33, 1}};
  static const char* const kOps[RED_OP_COUNT] = {"sum", "mean", "sumsq", "norm", "max", "argmax", "var"};
  for (const Shape& sh : kShapes) {
    const size_t R = sh.rows, C = sh.cols;
    const std::vector<float> inputs[] = {data(R * C, 74, -2, 2, 0), data(R * C, 75, -1e3f, 1e3f, 0.002f)};
    const std::vector<size_t> rsplit = cuts(R, {1, R / 2}), csplit = cuts(C, {3, C / 2 + 1});
    for (int v = 0; v < 2; ++v) {
      const std::vector<float>& x = inputs[v];
      for (int op = 0; op < RED_OP_COUNT; ++op) {
        const float div_rows = (float)(C > 1 ? C - 1 : 0), div_cols = (float)(R > 1 ? R - 1 : 0);
        std::vector<float> want_r(R, kPoisonWant), want_c(C, kPoisonWant);
        s->reduce.rows(op, x.data(), C, div_rows, 0, R, want_r.data());
        s->reduce.cols(op, x.data(), R, C, div_cols, 0, C, want_c.data());
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("op=%s rows=%zu cols=%zu input=%d", kOps[op], R, C, v);
          std::vector<float> got(R, kPoisonGot);
          t->reduce.rows(op, x.data(), C, div_rows, 0, R, got.data());
          expect_same("reduce.rows", l, ctx, got, want_r);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < rsplit.size(); ++i) t->reduce.rows(op, x.data(), C, div_rows, rsplit[i], rsplit[i + 1], got.data());
          expect_same("reduce.rows", l, ctx + " rows " + cuts_str(rsplit), got, want_r);
          got.assign(C, kPoisonGot);
          t->reduce.cols(op, x.data(), R, C, div_cols, 0, C, got.data());
          expect_same("reduce.cols", l, ctx, got, want_c);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < csplit.size(); ++i) t->reduce.cols(op, x.data(), R, C, div_cols, csplit[i], csplit[i + 1], got.data());
          expect_same("reduce.cols", l, ctx + " cols " + cuts_str(csplit), got, want_c);
        }
      }
    }
  }
}

// A 64-byte aligned packing workspace of `floats` floats (gemm_table::workspace_floats).
struct Workspace {
  float* p;
  explicit Workspace(size_t floats) : p(static_cast<float*>(std::aligned_alloc(64, ((floats ? floats : 1) * sizeof(float) + 63) / 64 * 64))) {}
  ~Workspace() { std::free(p); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
};

// GEMM: block() over the whole of C for every shape, transposition, (alpha, beta), bias and activation;
// then over a grid of sub-rectangles (aligned to the level's register tile, and not): the same bits.
static void test_gemm_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t m, n, k; };
  static const Shape kShapes[] = {{1, 1, 1},    {7, 13, 5},    {13, 3, 1030}, {37, 8, 513},   {25, 17, 70},
                                  {50, 30, 300}, {64, 64, 64}, {97, 145, 300}, {257, 129, 511}};
  static const float kAlphaBeta[][2] = {{1, 0}, {0.75f, 1}, {-1.5f, 0.3f}, {0, 2}};
  static const int kActs[] = {UN_RELU, UN_SIGMOID, UN_TANH};
  std::unique_ptr<Workspace> ws[SIMD_LEVELS];
  for (int l : levels()) {
    ws[l].reset(new Workspace(table_for(l)->gemm.workspace_floats));
    CHECK(ws[l]->p != nullptr, "gemm workspace of %zu floats for %s", table_for(l)->gemm.workspace_floats, simd_name(l));
    if (!ws[l]->p) return;
  }
  int variant = 0;
  for (const Shape& sh : kShapes) {
    const size_t m = sh.m, n = sh.n, k = sh.k;
    const float sp = k <= 5 ? 0.05f : 0.0f;  // NaN/Inf operands only where they cannot flood all of C
    const std::vector<float> a = data(m * k, 41, -1, 1, sp), b = data(k * n, 42, -1, 1, sp), c0 = data(m * n, 43, -2, 2, 0.02f),
                             bias = data(n, 44, -1, 1, 0);
    for (int tr = 0; tr < 4; ++tr) {
      const bool ta = tr & 1, tb = tr & 2;
      for (int abi = 0; abi < 4; ++abi)
        for (int with_bias = 0; with_bias < 2; ++with_bias)
          for (int with_act = 0; with_act < 2; ++with_act) {
            const float* ab = kAlphaBeta[abi];
            const int act = kActs[variant++ % 3];
            gemm_args g{m, n, k, a.data(), ta ? m : k, ta, b.data(), tb ? k : n, tb, nullptr, n, ab[0], ab[1],
                        with_bias ? bias.data() : nullptr, nullptr};
            const std::string ctx = fmt("m=%zu n=%zu k=%zu ta=%d tb=%d alpha=%g beta=%g bias=%d act=%s", m, n, k, (int)ta, (int)tb,
                                        (double)ab[0], (double)ab[1], with_bias, with_act ? kUnaryNames[act] : "none");
            std::vector<float> want = c0;
            g.c = want.data();
            g.act = with_act ? s->unary.map[act] : nullptr;
            s->gemm.block(g, 0, m, 0, n, ws[SIMD_SCALAR]->p);
            for (int l : levels()) {
              const KernelTable* t = table_for(l);
              g.act = with_act ? t->unary.map[act] : nullptr;
              std::vector<float> whole = c0;
              if (l == SIMD_SCALAR) {
                whole = want;  // the scalar level's whole-C call is the reference itself
              } else {
                g.c = whole.data();
                t->gemm.block(g, 0, m, 0, n, ws[l]->p);
                expect_same("gemm.block", l, ctx, whole, want);
              }
              // Pieces: a grid aligned to the level's register tile (as the binding cuts) or an unaligned
              // one, alternating so that each transposition, (alpha, beta), bias and activation meets both.
              const size_t mr = t->gemm.mr, nr = t->gemm.nr;
              const bool aligned = (tr + abi + with_bias + with_act) % 2 == 0;
              const std::vector<size_t> rc = aligned ? cuts(m, {mr * std::max<size_t>(1, m / 2 / mr)}) : cuts(m, {5, 2 * m / 3 + 1});
              const std::vector<size_t> cc = aligned ? cuts(n, {nr * std::max<size_t>(1, n / 2 / nr)}) : cuts(n, {7, 2 * n / 3 + 1});
              std::vector<float> got = c0;
              g.c = got.data();
              for (size_t i = 0; i + 1 < rc.size(); ++i)
                for (size_t j = 0; j + 1 < cc.size(); ++j) t->gemm.block(g, rc[i], rc[i + 1], cc[j], cc[j + 1], ws[l]->p);
              expect_same("gemm.block pieces vs whole", l, ctx + " rows " + cuts_str(rc) + " cols " + cuts_str(cc), got, whole);
            }
          }
    }
  }
  // fmaf: one rounding, so every level (and the C library) agrees.
  for (size_t n : kSizes) {
    const std::vector<float> ins[][3] = {{data(n, 45, -2, 2, 0.05f), data(n, 46, -2, 2, 0.05f), data(n, 47, -2, 2, 0.05f)},
                                         {data(n, 48, -1e20f, 1e20f, 0.05f), data(n, 49, -1e20f, 1e20f, 0), data(n, 50, -3e38f, 3e38f, 0.05f)},
                                         {data(n, 51, -1e-20f, 1e-20f, 0), data(n, 52, -1e-19f, 1e-19f, 0), data(n, 53, -1e-38f, 1e-38f, 0.05f)}};
    for (int v = 0; v < 3; ++v) {
      const std::vector<float>&a = ins[v][0], &b = ins[v][1], &c = ins[v][2];
      std::vector<float> want(n, kPoisonWant), libm(n);
      s->gemm.fmaf(a.data(), b.data(), c.data(), want.data(), 0, n);
      for (size_t i = 0; i < n; ++i) libm[i] = std::fmaf(a[i], b[i], c[i]);
      const std::string ctx = fmt("n=%zu input=%d", n, v);
      expect_same("gemm.fmaf vs std::fmaf", SIMD_SCALAR, ctx, want, libm);
      for (int l : levels()) {
        std::vector<float> got(n, kPoisonGot);
        table_for(l)->gemm.fmaf(a.data(), b.data(), c.data(), got.data(), 0, n);
        expect_same("gemm.fmaf", l, ctx, got, want);
      }
    }
  }
}

// Batchnorm: stats and gsums over every unit (and split unit ranges), affine and dx over every row.
static void test_batchnorm_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t outer, C, inner; };
  static const Shape kShapes[] = {{3, 5, 7}, {3, 5, 1}, {1, 1, 1}, {2, 37, 1}, {2, 3, 17}, {5, 20, 16}, {4100, 3, 1}, {3, 2, 1500}, {4100, 17, 1}};
  for (const Shape& sh : kShapes) {
    const size_t outer = sh.outer, C = sh.C, inner = sh.inner, m = outer * inner, N = m * C, nb = num_blocks(m);
    const size_t units = (inner > 1 ? C : (C + BN_CHUNK - 1) / BN_CHUNK) * nb, rows = inner > 1 ? outer * C : outer;
    const std::vector<size_t> usplit = cuts(units, {1, units / 2}), rsplit = cuts(rows, {1, rows / 2});
    const std::vector<float> mean = data(C, 53, -1, 1, 0), invstd = data(C, 54, 0.5f, 2, 0), scale = data(C, 55, -2, 2, 0),
                             shift = data(C, 56, -1, 1, 0), gc = data(C, 57, 0.5f, 1.5f, 0), c1 = data(C, 58, -0.1f, 0.1f, 0),
                             c2 = data(C, 59, -0.5f, 0.5f, 0);
    for (int v = 0; v < 2; ++v) {
      const float sp = v ? 0.02f : 0.0f;
      const std::vector<float> x = data(N, 51, -3, 3, sp), dy = data(N, 52, -1, 1, sp);
      const std::string ctx = fmt("outer=%zu C=%zu inner=%zu input=%d", outer, C, inner, v);
      // Reductions: p1, p2 for each of stats (r = 0) and gsums (r = 1).
      auto reduce = [&](const KernelTable* t, int r, size_t u0, size_t u1, float* p1, float* p2) {
        if (r) t->batchnorm.gsums(x.data(), dy.data(), mean.data(), invstd.data(), outer, C, inner, u0, u1, p1, p2);
        else t->batchnorm.stats(x.data(), outer, C, inner, u0, u1, p1, p2);
      };
      for (int r = 0; r < 2; ++r) {
        const char* what1 = r ? "batchnorm.gsums p1" : "batchnorm.stats p1";
        const char* what2 = r ? "batchnorm.gsums p2" : "batchnorm.stats p2";
        std::vector<float> w1(nb * C, kPoisonWant), w2(nb * C, kPoisonWant);
        reduce(s, r, 0, units, w1.data(), w2.data());
        for (int l : levels()) {
          std::vector<float> g1(nb * C, kPoisonGot), g2(nb * C, kPoisonGot);
          reduce(table_for(l), r, 0, units, g1.data(), g2.data());
          expect_same(what1, l, ctx, g1, w1);
          expect_same(what2, l, ctx, g2, w2);
          std::fill(g1.begin(), g1.end(), kPoisonGot);
          std::fill(g2.begin(), g2.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < usplit.size(); ++i) reduce(table_for(l), r, usplit[i], usplit[i + 1], g1.data(), g2.data());
          expect_same(what1, l, ctx + " units " + cuts_str(usplit), g1, w1);
          expect_same(what2, l, ctx + " units " + cuts_str(usplit), g2, w2);
        }
      }
      std::vector<float> wy(N, kPoisonWant), wdx(N, kPoisonWant);
      s->batchnorm.affine(x.data(), mean.data(), scale.data(), shift.data(), wy.data(), C, inner, 0, rows);
      s->batchnorm.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), wdx.data(), C, inner, 0, rows);
      for (int l : levels()) {
        const batchnorm_table& t = table_for(l)->batchnorm;
        std::vector<float> got(N, kPoisonGot);
        t.affine(x.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.affine", l, ctx, got, wy);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < rsplit.size(); ++i) t.affine(x.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, rsplit[i], rsplit[i + 1]);
        expect_same("batchnorm.affine", l, ctx + " rows " + cuts_str(rsplit), got, wy);
        got = x;
        t.affine(got.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.affine y = x", l, ctx, got, wy);
        std::fill(got.begin(), got.end(), kPoisonGot);
        t.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.dx", l, ctx, got, wdx);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < rsplit.size(); ++i)
          t.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, rsplit[i], rsplit[i + 1]);
        expect_same("batchnorm.dx", l, ctx + " rows " + cuts_str(rsplit), got, wdx);
        got = dy;
        t.dx(x.data(), got.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.dx dx = dy", l, ctx, got, wdx);
      }
    }
  }
}

// RNG: uniform and normal fills (whole, split at multiples of 4, and a stream started one block later),
// and Philox blocks, including Random123's known answers.
static void test_rng_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Stream { uint32_t k0, k1; uint64_t start; };
  static const Stream kStreams[] = {{0, 0, 0}, {0x12345678u, 0x9abcdef0u, 5}, {0xffffffffu, 0xffffffffu, 0xfffffffeull}, {7, 11, ~0ull - 3}};
  static const size_t kN[] = {0, 1, 3, 4, 5, 63, 64, 65, 127, 1000, 4097};
  for (const Stream& st : kStreams)
    for (size_t n : kN)
      for (int f = 0; f < 2; ++f) {
        const char* what = f ? "rng.normal" : "rng.uniform";
        const float p = f ? 0.5f : -1.0f, q = 2.0f;  // (mean, std) or (lo, scale)
        auto fn = [&](const KernelTable* t) { return f ? t->rng.normal : t->rng.uniform; };
        std::vector<float> want(n, kPoisonWant);
        fn(s)(st.k0, st.k1, st.start, p, q, want.data(), 0, n);
        const std::vector<size_t> split = cuts(n, {4, 68});
        for (int l : levels()) {
          const std::string ctx = fmt("key=(%#x,%#x) start=%#llx n=%zu", st.k0, st.k1, (unsigned long long)st.start, n);
          std::vector<float> got(n, kPoisonGot);
          fn(table_for(l))(st.k0, st.k1, st.start, p, q, got.data(), 0, n);
          expect_same(what, l, ctx, got, want);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < split.size(); ++i) fn(table_for(l))(st.k0, st.k1, st.start, p, q, got.data(), split[i], split[i + 1]);
          expect_same(what, l, ctx + " ranges " + cuts_str(split), got, want);
          if (n >= 4) {  // element i depends only on (key, start, i): one block later is the same stream shifted by 4
            std::vector<float> later(n - 4, kPoisonGot);
            fn(table_for(l))(st.k0, st.k1, st.start + 1, p, q, later.data(), 0, n - 4);
            expect_same(what, l, ctx + " started one block later", later.data(), want.data() + 4, n - 4);
          }
        }
      }
  struct Kat { uint32_t ctr[4], key[2], out[4]; };
  static const Kat kKat[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}, {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}, {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
      {{1, 2, 3, 4}, {5, 6}, {0, 0, 0, 0}},  // no known answer: levels only
      {{0x80000000u, 0, 0xdeadbeefu, 7}, {0x9e3779b9u, 0xbb67ae85u}, {0, 0, 0, 0}}};
  for (size_t kat = 0; kat < sizeof kKat / sizeof *kKat; ++kat) {
    const Kat& K = kKat[kat];
    uint32_t want[4];
    s->rng.block(K.ctr, K.key, want);
    const std::string ctx = fmt("ctr=(%#x,%#x,%#x,%#x) key=(%#x,%#x)", K.ctr[0], K.ctr[1], K.ctr[2], K.ctr[3], K.key[0], K.key[1]);
    if (kat < 3) expect_equal("rng.block vs Random123", SIMD_SCALAR, ctx, want, K.out, 4);
    for (int l : levels()) {
      uint32_t got[4] = {1, 2, 3, 4};
      table_for(l)->rng.block(K.ctr, K.key, got);
      expect_equal("rng.block", l, ctx, got, want, 4);
    }
  }
}

// Optim: every algorithm under every combination of the flags it reads; p and every state it uses.
static void test_optim_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  static const char* const kAlgos[OPT_COUNT] = {"sgd", "adam", "adagrad", "rmsprop", "rprop", "adadelta", "adamax", "nadam", "radam", "momentum"};
  // The flags each kernel reads (optim_api.h).
  static const unsigned kFlags[OPT_COUNT] = {
      OF_MAXIMIZE | OF_WD | OF_MOMENTUM | OF_NESTEROV | OF_FIRST, OF_MAXIMIZE | OF_WD | OF_AMSGRAD | OF_DECOUPLED, OF_MAXIMIZE | OF_WD,
      OF_MAXIMIZE | OF_WD | OF_CENTERED | OF_MOMENTUM,            OF_MAXIMIZE,                                      OF_MAXIMIZE | OF_WD,
      OF_MAXIMIZE | OF_WD,                                         OF_MAXIMIZE | OF_WD,                               OF_MAXIMIZE | OF_WD | OF_RECTIFY,
      OF_MAXIMIZE | OF_WD | OF_LOOKAHEAD};
  // Plausible scalars (step t = 3, lr 1e-3 .. 1e-2, weight decay 1e-2), as lib/optim/*.ts would pass them.
  const float bc1 = 1.0f - 0.9f * 0.9f * 0.9f, bc2 = 1.0f - 0.999f * 0.999f * 0.999f;
  const float kH[OPT_COUNT][OPT_H] = {
      {0.01f, 0.9f, 0.9f, 0.01f},
      {0.9f, 0.1f, 0.999f, 0.001f, 0.01f, 1.0f - 1e-5f, 1e-3f / bc1, std::sqrt(bc2), 1e-8f},
      {0.01f, 0.01f / 1.002f, 1e-10f},
      {0.99f, 0.01f, 1e-8f, 0.9f, 0.01f, 0.01f},
      {0.5f, 1.2f, 1e-6f, 50.0f},
      {0.9f, 0.1f, 1e-6f, 1.0f, 0.01f},
      {0.9f, 0.1f, 0.999f, 1e-8f, 2e-3f / bc1, 0.01f},
      {0.9f, 0.1f, 0.999f, 0.001f, bc2, 1e-8f, 2.3e-3f, 3.1e-3f, 0.01f},
      {0.9f, 0.1f, 0.999f, 0.001f, bc1, 1e-3f, std::sqrt(bc2), 1e-8f, 0.6f, 0.01f},
      {0.9f, 0.01f, 0.9f, 0.01f}};
  static const size_t kN[] = {1, 15, 16, 17, 100, 1027};
  for (int algo = 0; algo < OPT_COUNT; ++algo)
    for (size_t n : kN) {
      // Sums of squares and step sizes are positive, moments and velocities signed.
      const bool positive[3] = {algo == OPT_ADAGRAD || algo == OPT_RMSPROP || algo == OPT_ADADELTA,
                                algo != OPT_RMSPROP && algo != OPT_MOMENTUM, algo == OPT_ADAM};
      const std::vector<float> p0 = data(n, 61, -1, 1, 0.01f), g = data(n, 62, -1, 1, 0.03f);
      std::vector<float> s0[3];
      for (int k = 0; k < 3; ++k) s0[k] = positive[k] ? data(n, 63 + k, 0, 0.5f, 0) : data(n, 63 + k, -0.5f, 0.5f, 0.03f);
      const std::vector<size_t> split = cuts(n, {5, n / 2 + 3});
      const unsigned mask = kFlags[algo];
      for (unsigned flags = mask;; flags = (flags - 1) & mask) {
        const unsigned used = optim_state_mask(algo, flags);
        // One step on fresh copies of p and the states (only those the flags use; the others are nullptr).
        struct Run {
          std::vector<float> p, st[3];
          optim_args a;
        };
        auto prepare = [&](Run& r) {
          r.p = p0;
          r.a.p = r.p.data();
          r.a.g = g.data();
          for (int k = 0; k < 3; ++k) {
            r.st[k] = (used >> k) & 1 ? s0[k] : std::vector<float>();
            r.a.s[k] = (used >> k) & 1 ? r.st[k].data() : nullptr;
          }
          r.a.h = kH[algo];
          r.a.flags = flags;
        };
        Run want;
        prepare(want);
        s->optim.step[algo](want.a, 0, n);
        for (int l : levels()) {
          const optim_fn fn = table_for(l)->optim.step[algo];
          for (int piecewise = 0; piecewise < 2; ++piecewise) {
            Run got;
            prepare(got);
            if (piecewise)
              for (size_t i = 0; i + 1 < split.size(); ++i) fn(got.a, split[i], split[i + 1]);
            else fn(got.a, 0, n);
            const std::string ctx = fmt("algo=%s flags=%#x n=%zu", kAlgos[algo], flags, n) + (piecewise ? " ranges " + cuts_str(split) : "");
            expect_same("optim.step p", l, ctx, got.p, want.p);
            static const char* const kState[3] = {"optim.step s[0]", "optim.step s[1]", "optim.step s[2]"};
            for (int k = 0; k < 3; ++k)
              if ((used >> k) & 1) expect_same(kState[k], l, ctx, got.st[k], want.st[k]);
          }
        }
        if (flags == 0) break;
      }
    }
}

// fma_chains from its spec: every lane of every accumulator summed, in order (lane count dependent).
static float reference_fma_chains(float seed, size_t iters, int lanes) {
  float acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = seed + (float)k;
  for (size_t it = 0; it < iters; ++it)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = std::fmaf(acc[k], 0.9999999f, 1e-7f);
  float sum = 0.0f;
  for (int k = 0; k < kFmaChains; ++k)
    for (int l = 0; l < lanes; ++l) sum += acc[k];
  return sum;
}

// Probe: triad and canonical_sum against the scalar table; fma_chains against its spec at the level's width.
static void test_probe_tables() {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    const std::vector<float> a = data(n, 81, -2, 2, 0.05f), b = data(n, 82, -1e3f, 1e3f, 0.05f);
    std::vector<float> want(n, kPoisonWant);
    s->probe.triad(a.data(), b.data(), 0.3f, want.data(), 0, n);
    const float want_sum = s->probe.canonical_sum(b.data(), n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      const std::string ctx = fmt("n=%zu", n);
      std::vector<float> got(n, kPoisonGot);
      t->probe.triad(a.data(), b.data(), 0.3f, got.data(), 0, n);
      expect_same("probe.triad", l, ctx, got, want);
      const float sum = t->probe.canonical_sum(b.data(), n);
      expect_same("probe.canonical_sum", l, ctx, &sum, &want_sum, 1);
    }
  }
  CHECK(s->probe.lanes == 1, "scalar lanes %d", s->probe.lanes);
  const struct { float seed; size_t iters; } kRuns[] = {{0.5f, 0}, {1.0f, 1}, {-3.25f, 1000}, {100.0f, 5000}};
  for (int l : levels()) {
    const KernelTable* t = table_for(l);
    CHECK(t->probe.lanes >= 1 && t->probe.lanes <= 64, "probe.lanes level=%s: %d", simd_name(l), t->probe.lanes);
    for (const auto& r : kRuns) {
      const float got = t->probe.fma_chains(r.seed, r.iters), again = t->probe.fma_chains(r.seed, r.iters);
      const float want = reference_fma_chains(r.seed, r.iters, t->probe.lanes);
      const std::string ctx = fmt("seed=%g iters=%zu lanes=%d", (double)r.seed, r.iters, t->probe.lanes);
      expect_same("probe.fma_chains vs spec", l, ctx, &got, &want, 1);
      expect_same("probe.fma_chains repeated", l, ctx, &again, &got, 1);
    }
  }
}

static int env_check(const char* level) {
  const char* env = std::getenv("FASTGRAD_SIMD");
  CHECK(env && std::strcmp(env, level) == 0, "FASTGRAD_SIMD is %s, expected %s", env ? env : "(unset)", level);
  std::string note;
  const int got = choose_simd("", &note);
  const int want = simd_from_name(level);
  if (want < 0) CHECK(got == detect_simd() && contains(note, "not one of"), "FASTGRAD_SIMD=%s: %s", level, note.c_str());
  else if (simd_available(want)) CHECK(got == want, "FASTGRAD_SIMD=%s gave %s", level, simd_name(got));
  else CHECK(got == expected_clamp(want) && contains(note, "clamped to"), "FASTGRAD_SIMD=%s gave %s (%s)", level, simd_name(got), note.c_str());
  std::printf("FASTGRAD_SIMD=%s -> %s (%s)\n", level, simd_name(got), note.c_str());
  return failures ? 1 : 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--env-check") == 0) return env_check(argv[2]);
  std::string have;
  for (int l : levels()) have += std::string(have.empty() ? "" : ", ") + simd_name(l);
  test_dispatch();
  test_canonical_sum();
  test_elementwise_tables();
  test_elementwise_rest();
  test_unary_tables();
  test_reduce_tables();
  test_gemm_tables();
  test_batchnorm_tables();
  test_rng_tables();
  test_optim_tables();
  test_probe_tables();
  std::printf("native tests: %d checks, %d failures (levels: %s)\n", checks, failures, have.c_str());
  return failures ? 1 : 0;
}
