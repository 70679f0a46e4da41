// The C++ tests' harness (native/test): CHECK, bit comparisons, the seeded data of the TypeScript
// harness, the SIMD levels to run, poison values, and the registry every *_test.cc file adds its tests
// to (FG_NATIVE_TEST); native_tests.cc runs them all.
#pragma once
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

inline int checks = 0, failures = 0;
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

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline bool same_bits(float a, float b) { return (a != a && b != b) || bits(a) == bits(b); }  // NaN payloads not compared

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

inline const float kSpecials[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-40f, 1e38f, -1e38f, 1e-38f, 3.4028234e38f, 1.0f, -1.0f,
                                  __builtin_inff(), -__builtin_inff(), __builtin_nanf("")};

inline std::vector<float> data(size_t n, uint32_t seed, float lo, float hi, float specials) {
  Rng r{seed};
  std::vector<float> v(n);
  for (auto& x : v) {
    if (specials > 0 && r.next() < specials) x = kSpecials[(size_t)(r.next() * (sizeof kSpecials / sizeof *kSpecials)) % (sizeof kSpecials / sizeof *kSpecials)];
    else x = lo + (hi - lo) * r.next();
  }
  return v;
}

inline std::vector<int> levels() {
  std::vector<int> out;
  for (int l = 0; l < SIMD_LEVELS; ++l)
    if (simd_available(l)) out.push_back(l);
  return out;
}

// The highest available level at or below `want`, neon standing apart from the x86 levels.
inline int expected_clamp(int want) {
  for (int l = want; l > 0; --l)
    if (simd_available(l) && !(l == SIMD_NEON && want != SIMD_NEON)) return l;
  return SIMD_SCALAR;
}

inline bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

inline const size_t kSizes[] = {0, 1, 7, 15, 16, 17, 63, 64, 65, 4095, 4096, 4097, 3 * 4096 + 5, 100003};

// ---- Every kernel family: each available level gives the scalar table's bits ------------------------
// Outputs the kernel must write start as different poison values in the scalar run and the level's run,
// so an element a level leaves unwritten differs too (scalar against itself included). Ranged calls
// (sub-rectangles, unit or row splits) must give the same bits as the whole call.

inline const float kPoisonWant = -7777.0f, kPoisonGot = 8888.0f;

__attribute__((format(printf, 1, 2))) inline std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// One check per compared array: got against want bit for bit (NaN payloads aside); a failure names
// the family and function (what), the level, the case (ctx) and the first differing index.
inline void expect_same(const char* what, int level, const std::string& ctx, const float* got, const float* want, size_t n) {
  size_t i = 0;
  while (i < n && same_bits(got[i], want[i])) ++i;
  CHECK(i == n, "%s level=%s %s: first difference at index %zu of %zu: got %a, want %a", what, simd_name(level), ctx.c_str(), i, n,
        i < n ? (double)got[i] : 0.0, i < n ? (double)want[i] : 0.0);
}

inline void expect_same(const char* what, int level, const std::string& ctx, const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) CHECK(false, "%s level=%s %s: lengths %zu vs %zu", what, simd_name(level), ctx.c_str(), got.size(), want.size());
  else expect_same(what, level, ctx, got.data(), want.data(), got.size());
}

template <class T>
inline void expect_equal(const char* what, int level, const std::string& ctx, const T* got, const T* want, size_t n) {
  size_t i = 0;
  while (i < n && got[i] == want[i]) ++i;
  CHECK(i == n, "%s level=%s %s: first difference at index %zu of %zu: got %llu, want %llu", what, simd_name(level), ctx.c_str(), i, n,
        i < n ? (unsigned long long)got[i] : 0ull, i < n ? (unsigned long long)want[i] : 0ull);
}

// The bounds of the pieces of [0, total) cut at the points of `at` that fall inside it (in increasing order).
inline std::vector<size_t> cuts(size_t total, std::initializer_list<size_t> at) {
  std::vector<size_t> v{0};
  for (size_t c : at)
    if (c > v.back() && c < total) v.push_back(c);
  v.push_back(total);
  return v;
}

inline std::string cuts_str(const std::vector<size_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

// ---- the registry ----
struct NativeTest {
  const char* name;
  void (*fn)();
};
inline std::vector<NativeTest>& native_tests() {
  static std::vector<NativeTest> all;
  return all;
}
struct RegisterNativeTest {
  RegisterNativeTest(const char* name, void (*fn)()) { native_tests().push_back({name, fn}); }
};
// FG_NATIVE_TEST(test_name) { ... }: defines a test and registers it (run in name order by native_tests.cc).
#define FG_NATIVE_TEST(name)                                           \
  static void name();                                                  \
  static const RegisterNativeTest name##_registered(#name, name);      \
  static void name()
