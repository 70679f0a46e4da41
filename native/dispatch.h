// CPU detection, the FASTGRAD_SIMD override and the per-ISA kernel tables.
#pragma once
#include <string>
#include "kernels/tables.h"

namespace fg {

enum SimdLevel : int { SIMD_SCALAR = 0, SIMD_NEON = 1, SIMD_AVX2 = 2, SIMD_AVX512 = 3, SIMD_LEVELS = 4 };

const char* simd_name(int level);
int simd_from_name(const std::string& name);  // -1 if unknown

// The best level this CPU and OS support and this build contains.
int detect_simd();

// True if `level` can run here (CPU + OS + build).
bool simd_available(int level);

// The table for a level, or nullptr if unavailable. Tables are built once and never change.
const KernelTable* table_for(int level);

// Applies FASTGRAD_SIMD (or `requested` if non-empty): the forced level, clamped to what the CPU has.
// `note` says what happened (e.g. "FASTGRAD_SIMD=avx512 clamped to avx2").
int choose_simd(const std::string& requested, std::string* note);

}  // namespace fg
