/// The NEON int8 micro-kernel (4×8) for aarch64. Baseline NEON has no unsigned-by-signed dot
/// product, but a `uint8 · int8` product fits `int16` exactly (|255 · −128| < 32768): A is packed as
/// 16 bits, B is widened after loading, `vmulq_s16` forms exact products and `vpadalq_s16` adds
/// adjacent pairs into 32-bit lanes.
#include "qgemm_variants.h"

#if defined(__aarch64__)
#include <arm_neon.h>

enum { MR = 4, NR = 8, G = BALE_QGEMM_GROUP };

/// The tile for a constant number of live rows (see `bale_qmicro_kernel`). Per group, a 16-byte
/// load of B holds 4 columns × 4 depths; each widened half holds 2 columns, and a row's 4 depths
/// are repeated to match, so accumulator lanes hold (column, depths 0–1), (column, depths 2–3).
__attribute__((always_inline))
static inline void tile_neon(size_t groups, const int rows, const uint16_t *a, const int8_t *b, int32_t *tile) {
    int32x4_t acc[MR][4];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = vdupq_n_s32(0);
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * NR * G;
        const int8x16_t lo = vld1q_s8(bg), hi = vld1q_s8(bg + 16);
        const int16x8_t bw[4] = {vmovl_s8(vget_low_s8(lo)), vmovl_high_s8(lo), vmovl_s8(vget_low_s8(hi)),
                                 vmovl_high_s8(hi)};
        const uint16_t *ag = a + g * MR * G;
        for (int r = 0; r < rows; r++) {
            const int16x4_t quad = vreinterpret_s16_u16(vld1_u16(ag + r * G));
            const int16x8_t ar = vcombine_s16(quad, quad);
            for (int q = 0; q < 4; q++) acc[r][q] = vpadalq_s16(acc[r][q], vmulq_s16(ar, bw[q]));
        }
    }
    for (int r = 0; r < rows; r++) {
        vst1q_s32(tile + r * NR, vpaddq_s32(acc[r][0], acc[r][1]));
        vst1q_s32(tile + r * NR + 4, vpaddq_s32(acc[r][2], acc[r][3]));
    }
}

/// Dispatches to a tile specialised for the live row count.
static void kernel_neon(size_t groups, size_t rows, const void *a, const int8_t *b, int32_t *tile) {
    switch (rows) {
    case 1: tile_neon(groups, 1, a, b, tile); break;
    case 2: tile_neon(groups, 2, a, b, tile); break;
    case 3: tile_neon(groups, 3, a, b, tile); break;
    default: tile_neon(groups, MR, a, b, tile); break;
    }
}

const bale_qvariant bale_qvariant_neon = {.mr = MR, .nr = NR, .mc = 128, .wide_a = 1, .kernel = kernel_neon};
#endif
