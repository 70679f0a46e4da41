// The kernel table: one struct of function pointers per family, one table per ISA, chosen once.
#pragma once
#include <cstddef>
#include <cstdint>
#include "kernels/canonical_api.h"
#include "kernels/elementwise_api.h"
#include "kernels/reduce_api.h"
#include "kernels/batchnorm_api.h"
#include "kernels/rng_api.h"
#include "kernels/optim_api.h"
#include "kernels/probe_api.h"
#include "kernels/unary_api.h"
#include "kernels/gemm_api.h"
#include "kernels/conv_api.h"
#include "kernels/layernorm_api.h"

namespace fg {

struct KernelTable {
#define FG_FAMILY(f) f##_table f;
#include "families.inc"
#undef FG_FAMILY
};

}  // namespace fg
