// The RNG family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// RNG: uniform and normal fills (whole, split at multiples of 4, and a stream started one block later),
// and Philox blocks, including Random123's known answers.
FG_NATIVE_TEST(test_rng_tables) {
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
