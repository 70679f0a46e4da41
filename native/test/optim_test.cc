// The optimizer family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// Optim: every algorithm under every combination of the flags it reads; p and every state it uses.
FG_NATIVE_TEST(test_optim_tables) {
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
