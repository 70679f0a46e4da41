// What every ISA translation unit includes before opening its namespace: the only headers kernels use.
#pragma once
#include <cstddef>
#include <cstdint>
#include "kernels/tables.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif
