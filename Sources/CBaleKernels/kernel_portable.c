/// The portable micro-kernel: plain C the compiler auto-vectorises for the baseline target.
#include "sgemm_variants.h"

enum { MR = 4, NR = 16 };

/// Portable 4×16 tile (see `bale_micro_kernel`): accumulators live in a small array the compiler
/// keeps in vector registers when it can.
static void kernel_portable(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                            float alpha, int accumulate) {
    float acc[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++) {
        const float *ap = a + p * MR;
        const float *bp = b + p * NR;
        for (int i = 0; i < MR; i++) {
            for (int j = 0; j < NR; j++) acc[i][j] += ap[i] * bp[j];
        }
    }
    for (int i = 0; i < MR; i++) {
        float *row = c + (size_t)i * ldc;
        for (int j = 0; j < NR; j++) row[j] = alpha * acc[i][j] + (accumulate ? row[j] : 0.0f);
    }
}

const bale_variant bale_variant_portable = {
    .mr = MR, .nr = NR, .mc = 128, .kc = 256, .nc = 2048, .kernel = kernel_portable,
};
