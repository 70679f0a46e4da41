// C++ tests (ctest; `npm run test:native`): dispatch (tables, forced levels, clamping, FASTGRAD_SIMD)
// and the canonical order (the same bits at every SIMD level, equal to a reference written from the
// spec in kernels/canonical.h), plus the elementwise tables agreeing bit for bit across levels.
// Usage: fastgrad_native_tests              all tests
//        fastgrad_native_tests --env-check L  with FASTGRAD_SIMD=L set: checks what choose_simd("") picks
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
        CHECK(true, "");
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
  std::printf("native tests: %d checks, %d failures (levels: %s)\n", checks, failures, have.c_str());
  return failures ? 1 : 0;
}
