// arm64 kernels: the NEON Vec (4 lanes; Advanced SIMD is part of every AArch64 CPU, so no ISA flags).
// Elsewhere it compiles to a stub that reports "not available".
#include "isa/prelude.h"
#if defined(__aarch64__)
#define FG_ISA_NS isa_neon
#define FG_ISA_VEC "simd/vec_neon.inc"
#include "isa/isa_body.inc"
namespace fg { bool fill_table_neon(KernelTable& t) { isa_neon::fill_table(t); return true; } }
#else
namespace fg { bool fill_table_neon(KernelTable&) { return false; } }
#endif
