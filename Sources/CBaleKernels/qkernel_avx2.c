/// The AVX2 int8 micro-kernel (4×8). `vpmaddubsw` would saturate (255·(−128)·2 < −32768), so B is
/// widened to 16 bits after loading and A is packed as 16 bits; `vpmaddwd` then forms exact 32-bit
/// pair sums. Compiled for AVX2 only inside these functions.
#include "qgemm_variants.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

enum { MR = 4, NR = 8, G = BALE_QGEMM_GROUP };

/// The tile for a constant number of live rows (see `bale_qmicro_kernel`). Per group, a 16-byte
/// load of B holds 4 columns × 4 depths; widened, each 32-bit lane pairs two depths of one column,
/// so accumulator lanes hold (column, depths 0–1) and (column, depths 2–3) halves that are summed
/// once at the end. A row broadcasts its 4 depths as `(a0, a1), (a2, a3)` 16-bit pairs.
__attribute__((target("avx2"), always_inline))
static inline void tile_avx2(size_t groups, const int rows, const uint16_t *a, const int8_t *b, int32_t *tile) {
    __m256i acc[MR][2];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        const int8_t *bg = b + g * NR * G;
        const __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)bg));
        const __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(bg + 16)));
        const uint16_t *ag = a + g * MR * G;
        for (int r = 0; r < rows; r++) {
            long long quad;
            memcpy(&quad, ag + r * G, sizeof quad);
            const __m256i ar = _mm256_set1_epi64x(quad);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(ar, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(ar, b1));
        }
    }
    for (int r = 0; r < rows; r++) {
        // Lanes (c0 lo, c0 hi, c1 lo, c1 hi | c2.., c3..) and (c4.. | c6..): adjacent sums give
        // (c0, c1, c4, c5 | c2, c3, c6, c7); swapping the middle 64-bit quarters orders them.
        const __m256i sums = _mm256_hadd_epi32(acc[r][0], acc[r][1]);
        _mm256_storeu_si256((__m256i *)(tile + r * NR), _mm256_permute4x64_epi64(sums, 0xD8));
    }
}

/// Dispatches to a tile specialised for the live row count.
__attribute__((target("avx2")))
static void kernel_avx2(size_t groups, size_t rows, const void *a, const int8_t *b, int32_t *tile) {
    switch (rows) {
    case 1: tile_avx2(groups, 1, a, b, tile); break;
    case 2: tile_avx2(groups, 2, a, b, tile); break;
    case 3: tile_avx2(groups, 3, a, b, tile); break;
    default: tile_avx2(groups, MR, a, b, tile); break;
    }
}

const bale_qvariant bale_qvariant_avx2 = {.mr = MR, .nr = NR, .mc = 128, .wide_a = 1, .kernel = kernel_avx2};
#endif
