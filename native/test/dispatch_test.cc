// Dispatch (tables, forced levels, clamping) and the canonical order at every SIMD level against a reference written from the spec in kernels/canonical.h.
#include "test/harness.h"


FG_NATIVE_TEST(test_dispatch) {
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


FG_NATIVE_TEST(test_canonical_sum) {
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
