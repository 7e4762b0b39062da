/// The AVX-512 VNNI int8 micro-kernel (6×64): `vpdpbusd` multiplies 4 `uint8` of A by 4 `int8` of B
/// and adds the four products to an `int32` lane without saturation, compiled for that ISA only
/// inside these functions; the driver calls it only when the CPU has AVX-512 BW and VNNI.
#include "qgemm_variants.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

enum { MR = 6, NR = 64, G = BALE_QGEMM_GROUP };

/// The tile for a constant number of live rows (see `bale_qmicro_kernel`): `4 · rows` zmm
/// accumulators (24 at most), four B loads per group and one 4-byte A broadcast per row.
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
static inline void tile_vnni(size_t groups, const int rows, const uint8_t *a, const int8_t *b, int32_t *tile) {
    __m512i acc[MR][4];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * NR * G;
        const __m512i b0 = _mm512_loadu_si512(bg), b1 = _mm512_loadu_si512(bg + 64);
        const __m512i b2 = _mm512_loadu_si512(bg + 128), b3 = _mm512_loadu_si512(bg + 192);
        const uint8_t *ag = a + g * MR * G;
        for (int r = 0; r < rows; r++) {
            int32_t quad;
            memcpy(&quad, ag + r * G, sizeof quad);
            const __m512i ar = _mm512_set1_epi32(quad);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], ar, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], ar, b1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], ar, b2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], ar, b3);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) _mm512_storeu_si512(tile + r * NR + q * 16, acc[r][q]);
    }
}

/// Dispatches to a tile specialised for the live row count, so short edges (e.g. batch-1) do no
/// work for padding rows.
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void kernel_vnni(size_t groups, size_t rows, const void *a, const int8_t *b, int32_t *tile) {
    switch (rows) {
    case 1: tile_vnni(groups, 1, a, b, tile); break;
    case 2: tile_vnni(groups, 2, a, b, tile); break;
    case 3: tile_vnni(groups, 3, a, b, tile); break;
    case 4: tile_vnni(groups, 4, a, b, tile); break;
    case 5: tile_vnni(groups, 5, a, b, tile); break;
    default: tile_vnni(groups, MR, a, b, tile); break;
    }
}

const bale_qvariant bale_qvariant_vnni = {.mr = MR, .nr = NR, .mc = 192, .wide_a = 0, .kernel = kernel_vnni};
#endif
