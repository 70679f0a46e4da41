// What every ISA translation unit includes before opening its namespace: the only headers kernels use.
#pragma once
#include <cstddef>
#include <cstdint>
#include "kernels/tables.h"
#if defined(__x86_64__) || defined(_M_X64)
// gcc 12 reports its own AVX-512 intrinsics (their _mm512_undefined_* operands) as "may be used
// uninitialized" once they are inlined into our kernels; the warning is about the header, not our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif
