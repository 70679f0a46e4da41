// AVX2 + FMA kernels. Only this file (and its static library) is built with -mavx2 -mfma.
#include "isa/prelude.h"
#if defined(__AVX2__) && defined(__FMA__)
#define FG_ISA_NS isa_avx2
#define FG_ISA_VEC "simd/vec_avx2.inc"
#include "isa/isa_body.inc"
namespace fg { bool fill_table_avx2(KernelTable& t) { isa_avx2::fill_table(t); return true; } }
#else
namespace fg { bool fill_table_avx2(KernelTable&) { return false; } }
#endif
