// Scalar kernels: the baseline every CPU runs. Built without ISA flags.
#include "isa/prelude.h"
#define FG_ISA_NS isa_scalar
#define FG_ISA_VEC "simd/vec_scalar_alias.inc"
#include "isa/isa_body.inc"
namespace fg { bool fill_table_scalar(KernelTable& t) { isa_scalar::fill_table(t); return true; } }
