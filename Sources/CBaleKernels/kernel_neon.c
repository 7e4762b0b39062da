/// The NEON micro-kernel (8×8) for aarch64, where NEON is always present.
#include "sgemm_variants.h"

#if defined(__aarch64__)
#include <arm_neon.h>

enum { MR = 8, NR = 8 };

/// NEON 8×8 tile (see `bale_micro_kernel`): 16 q accumulators, lane-indexed FMAs from two A loads.
static void kernel_neon(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                        float alpha, int accumulate) {
    float32x4_t acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = vdupq_n_f32(0.0f);
    for (size_t p = 0; p < kc; p++) {
        const float32x4_t b0 = vld1q_f32(b + p * NR);
        const float32x4_t b1 = vld1q_f32(b + p * NR + 4);
        const float32x4_t a0 = vld1q_f32(a + p * MR);
        const float32x4_t a1 = vld1q_f32(a + p * MR + 4);
        acc[0][0] = vfmaq_laneq_f32(acc[0][0], b0, a0, 0);
        acc[0][1] = vfmaq_laneq_f32(acc[0][1], b1, a0, 0);
        acc[1][0] = vfmaq_laneq_f32(acc[1][0], b0, a0, 1);
        acc[1][1] = vfmaq_laneq_f32(acc[1][1], b1, a0, 1);
        acc[2][0] = vfmaq_laneq_f32(acc[2][0], b0, a0, 2);
        acc[2][1] = vfmaq_laneq_f32(acc[2][1], b1, a0, 2);
        acc[3][0] = vfmaq_laneq_f32(acc[3][0], b0, a0, 3);
        acc[3][1] = vfmaq_laneq_f32(acc[3][1], b1, a0, 3);
        acc[4][0] = vfmaq_laneq_f32(acc[4][0], b0, a1, 0);
        acc[4][1] = vfmaq_laneq_f32(acc[4][1], b1, a1, 0);
        acc[5][0] = vfmaq_laneq_f32(acc[5][0], b0, a1, 1);
        acc[5][1] = vfmaq_laneq_f32(acc[5][1], b1, a1, 1);
        acc[6][0] = vfmaq_laneq_f32(acc[6][0], b0, a1, 2);
        acc[6][1] = vfmaq_laneq_f32(acc[6][1], b1, a1, 2);
        acc[7][0] = vfmaq_laneq_f32(acc[7][0], b0, a1, 3);
        acc[7][1] = vfmaq_laneq_f32(acc[7][1], b1, a1, 3);
    }
    const float32x4_t scale = vdupq_n_f32(alpha);
    for (int i = 0; i < MR; i++) {
        float *row = c + (size_t)i * ldc;
        float32x4_t r0 = vmulq_f32(scale, acc[i][0]);
        float32x4_t r1 = vmulq_f32(scale, acc[i][1]);
        if (accumulate) {
            r0 = vaddq_f32(r0, vld1q_f32(row));
            r1 = vaddq_f32(r1, vld1q_f32(row + 4));
        }
        vst1q_f32(row, r0);
        vst1q_f32(row + 4, r1);
    }
}

const bale_variant bale_variant_neon = {
    .mr = MR, .nr = NR, .mc = 128, .kc = 256, .nc = 4096, .kernel = kernel_neon,
};
#endif
