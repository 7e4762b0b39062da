/// The portable int8 micro-kernel: plain C the compiler auto-vectorises for the baseline target.
#include "qgemm_variants.h"

enum { MR = 4, NR = 16, G = BALE_QGEMM_GROUP };

/// Portable 4×16 tile (see `bale_qmicro_kernel`), one row at a time so its 16 sums stay in
/// registers. A `uint8 · int8` product fits `int16` exactly, which lets the compiler use 16-bit
/// multiplies even on baseline SSE2 before widening into wrapping 32-bit sums.
static void kernel_portable(size_t groups, size_t rows, const void *a, const int8_t *b, int32_t *tile) {
    for (size_t r = 0; r < rows; r++) {
        uint32_t sum[NR] = {0};
        for (size_t g = 0; g < groups; g++) {
            const uint8_t *ag = (const uint8_t *)a + (g * MR + r) * G;
            const int8_t *bg = b + g * NR * G;
            for (size_t q = 0; q < G; q++) {
                const int16_t value = ag[q];
                for (size_t s = 0; s < NR; s++) sum[s] += (uint32_t)(int16_t)(value * bg[s * G + q]);
            }
        }
        for (size_t s = 0; s < NR; s++) tile[r * NR + s] = (int32_t)sum[s];
    }
}

const bale_qvariant bale_qvariant_portable = {
    .mr = MR, .nr = NR, .mc = 128, .wide_a = 0, .kernel = kernel_portable,
};
