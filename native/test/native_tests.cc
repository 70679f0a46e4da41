// C++ tests (ctest; `npm run test:native`): dispatch (tables, forced levels, clamping, FASTGRAD_SIMD)
// and the canonical order (the same bits at every SIMD level, equal to a reference written from the
// spec in kernels/canonical.h), plus every kernel family (one <family>_test.cc each: elementwise, unary,
// reduce, gemm, batchnorm, rng, optim, probe) giving the scalar table's bits at every available SIMD level,
// and ranged calls (splits of elements, rows, units, blocks, sub-rectangles of C) giving the whole call's.
// Usage: fastgrad_native_tests              all tests
//        fastgrad_native_tests --env-check L  with FASTGRAD_SIMD=L set: checks what choose_simd("") picks
// This file: the --env-check mode and main, which runs every registered test (harness.h, FG_NATIVE_TEST) in name order.
#include "test/harness.h"


inline int env_check(const char* level) {
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
  std::vector<NativeTest> all = native_tests();
  std::sort(all.begin(), all.end(), [](const NativeTest& a, const NativeTest& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const NativeTest& t : all) t.fn();
  std::printf("native tests: %zu tests, %d checks, %d failures (levels: %s)\n", all.size(), checks, failures, have.c_str());
  return failures ? 1 : 0;
}
