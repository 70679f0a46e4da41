// AVX-512 (F, BW, DQ, VL) kernels. Only this file (and its static library) gets the AVX-512 flags.
#include "isa/prelude.h"
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#define FG_ISA_NS isa_avx512
#define FG_ISA_VEC "simd/vec_avx512.inc"
#include "isa/isa_body.inc"
namespace fg { bool fill_table_avx512(KernelTable& t) { isa_avx512::fill_table(t); return true; } }
#else
namespace fg { bool fill_table_avx512(KernelTable&) { return false; } }
#endif
