// arm64 kernels. The NEON Vec is not written yet: on arm64 this level runs the one-lane Vs body
// (same bits as scalar). Elsewhere it compiles to a stub that reports "not available".
#include "isa/prelude.h"
#if defined(__aarch64__)
#define FG_ISA_NS isa_neon
#define FG_ISA_VEC "simd/vec_scalar_alias.inc"
#include "isa/isa_body.inc"
namespace fg { bool fill_table_neon(KernelTable& t) { isa_neon::fill_table(t); return true; } }
#else
namespace fg { bool fill_table_neon(KernelTable&) { return false; } }
#endif
