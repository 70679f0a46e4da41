#include "dispatch.h"
#include <cstdlib>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace fg {

bool fill_table_scalar(KernelTable& t);
bool fill_table_avx2(KernelTable& t);
bool fill_table_avx512(KernelTable& t);
bool fill_table_neon(KernelTable& t);

const char* simd_name(int level) {
  switch (level) {
    case SIMD_SCALAR: return "scalar";
    case SIMD_NEON: return "neon";
    case SIMD_AVX2: return "avx2";
    case SIMD_AVX512: return "avx512";
    default: return "unknown";
  }
}

int simd_from_name(const std::string& name) {
  for (int l = 0; l < SIMD_LEVELS; ++l)
    if (name == simd_name(l)) return l;
  return -1;
}

namespace {

struct CpuFeatures {
  bool avx2 = false, avx512 = false, neon = false;
};

CpuFeatures read_cpu() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(_M_X64)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
  if (!osxsave || !avx) return f;
  unsigned xlo, xhi;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  const bool ymm_os = (xlo & 0x6) == 0x6;             // XMM and YMM state
  const bool zmm_os = (xlo & 0xe6) == 0xe6;           // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool f512 = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
  f.avx2 = ymm_os && avx2 && fma;
  f.avx512 = f.avx2 && zmm_os && f512 && dq && bw && vl;
#elif defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}

struct Tables {
  KernelTable t[SIMD_LEVELS];
  bool ok[SIMD_LEVELS] = {false, false, false, false};
  Tables() {
    const CpuFeatures cpu = read_cpu();
    ok[SIMD_SCALAR] = fill_table_scalar(t[SIMD_SCALAR]);
    if (cpu.neon) ok[SIMD_NEON] = fill_table_neon(t[SIMD_NEON]);
    if (cpu.avx2) ok[SIMD_AVX2] = fill_table_avx2(t[SIMD_AVX2]);
    if (cpu.avx512) ok[SIMD_AVX512] = fill_table_avx512(t[SIMD_AVX512]);
  }
};

const Tables& tables() {
  static const Tables instance;  // built once (thread-safe), read-only afterwards
  return instance;
}

}  // namespace

bool simd_available(int level) { return level >= 0 && level < SIMD_LEVELS && tables().ok[level]; }

int detect_simd() {
  for (int l = SIMD_LEVELS - 1; l > 0; --l)
    if (simd_available(l)) return l;
  return SIMD_SCALAR;
}

const KernelTable* table_for(int level) { return simd_available(level) ? &tables().t[level] : nullptr; }

int choose_simd(const std::string& requested, std::string* note) {
  const int best = detect_simd();
  std::string req = requested;
  if (req.empty()) {
    const char* env = std::getenv("FASTGRAD_SIMD");
    if (env) req = env;
  }
  if (req.empty() || req == "auto") {
    if (note) *note = std::string("detected ") + simd_name(best);
    return best;
  }
  int want = simd_from_name(req);
  if (want < 0) {
    if (note) *note = "FASTGRAD_SIMD=" + req + " is not one of scalar|avx2|avx512|neon; using " + simd_name(best);
    return best;
  }
  if (simd_available(want)) {
    if (note) *note = std::string("forced ") + simd_name(want);
    return want;
  }
  // Clamp: the highest available level not above the requested one (neon sits apart from x86 levels).
  int got = SIMD_SCALAR;
  for (int l = want; l > 0; --l)
    if (simd_available(l) && !(l == SIMD_NEON && want != SIMD_NEON)) { got = l; break; }
  if (note) *note = std::string("FASTGRAD_SIMD=") + req + " not available here, clamped to " + simd_name(got);
  return got;
}

}  // namespace fg
