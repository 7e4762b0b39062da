/// The AVX-512F micro-kernel (12×32), compiled for that ISA only inside this function so the
/// binary still runs on baseline x86-64; the driver calls it only when the CPU supports it.
#include "sgemm_variants.h"

#if defined(__x86_64__)
#include <immintrin.h>

enum { MR = 12, NR = 32 };

/// One depth step of the 12×32 tile: two B vectors, then per row one broadcast and two FMAs.
#define STEP(p)                                                                                    \
    do {                                                                                           \
        const __m512 b0 = _mm512_loadu_ps(b + (p) * NR);                                           \
        const __m512 b1 = _mm512_loadu_ps(b + (p) * NR + 16);                                      \
        for (int i = 0; i < MR; i++) {                                                             \
            const __m512 ai = _mm512_set1_ps(a[(p) * MR + i]);                                     \
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);                                        \
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);                                        \
        }                                                                                          \
    } while (0)

/// AVX-512 12×32 tile (see `bale_micro_kernel`): 24 zmm accumulators, two B loads and one A
/// broadcast per row per step (27 of the 32 zmm registers). C's rows are prefetched first so the
/// final read-modify-write hits cache; B (streamed from L2) is prefetched eight steps ahead.
__attribute__((target("avx512f,fma")))
static void kernel_avx512(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                          float alpha, int accumulate) {
    for (int i = 0; i < MR; i++) {
        _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)i * ldc + 16), _MM_HINT_T0);
    }
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    size_t p = kc;
    for (; p >= 4; p -= 4) {
        for (int line = 0; line < 4 * NR; line += 16) {
            _mm_prefetch((const char *)(b + 8 * NR + line), _MM_HINT_T0);
        }
        STEP(0);
        STEP(1);
        STEP(2);
        STEP(3);
        a += 4 * MR;
        b += 4 * NR;
    }
    for (; p > 0; p--) {
        STEP(0);
        a += MR;
        b += NR;
    }
    const __m512 scale = _mm512_set1_ps(alpha);
    for (int i = 0; i < MR; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 r0 = _mm512_mul_ps(scale, acc[i][0]);
        __m512 r1 = _mm512_mul_ps(scale, acc[i][1]);
        if (accumulate) {
            r0 = _mm512_add_ps(r0, _mm512_loadu_ps(row));
            r1 = _mm512_add_ps(r1, _mm512_loadu_ps(row + 16));
        }
        _mm512_storeu_ps(row, r0);
        _mm512_storeu_ps(row + 16, r1);
    }
}

/// The edge tile with `R` live rows (see `bale_row_kernel`), one function per row count so the
/// accumulators stay in registers.
#define ROW_KERNEL(R)                                                                              \
    __attribute__((target("avx512f,fma")))                                                         \
    static void kernel_avx512_rows##R(size_t kc, const float *a, const float *b, float *c,         \
                                      size_t ldc, float alpha, int accumulate) {                   \
        __m512 acc[R][2];                                                                          \
        for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();                   \
        for (size_t p = 0; p < kc; p++) {                                                          \
            const __m512 b0 = _mm512_loadu_ps(b + p * NR);                                         \
            const __m512 b1 = _mm512_loadu_ps(b + p * NR + 16);                                    \
            for (int i = 0; i < R; i++) {                                                          \
                const __m512 ai = _mm512_set1_ps(a[p * MR + i]);                                   \
                acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);                                    \
                acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);                                    \
            }                                                                                      \
        }                                                                                          \
        const __m512 scale = _mm512_set1_ps(alpha);                                                \
        for (int i = 0; i < R; i++) {                                                              \
            float *row = c + (size_t)i * ldc;                                                      \
            __m512 r0 = _mm512_mul_ps(scale, acc[i][0]);                                           \
            __m512 r1 = _mm512_mul_ps(scale, acc[i][1]);                                           \
            if (accumulate) {                                                                      \
                r0 = _mm512_add_ps(r0, _mm512_loadu_ps(row));                                      \
                r1 = _mm512_add_ps(r1, _mm512_loadu_ps(row + 16));                                 \
            }                                                                                      \
            _mm512_storeu_ps(row, r0);                                                             \
            _mm512_storeu_ps(row + 16, r1);                                                        \
        }                                                                                          \
    }

ROW_KERNEL(1)
ROW_KERNEL(2)
ROW_KERNEL(3)
ROW_KERNEL(4)
ROW_KERNEL(5)
ROW_KERNEL(6)
ROW_KERNEL(7)
ROW_KERNEL(8)

/// Edge tiles: `rows` (< MR) live rows in slices of at most 8, each by the function specialised
/// for exactly that many rows.
__attribute__((target("avx512f,fma")))
static void kernel_avx512_rows(size_t rows, size_t kc, const float *a, const float *b, float *c, size_t ldc,
                               float alpha, int accumulate) {
    while (rows > 0) {
        const size_t slice = rows < 8 ? rows : 8;
        switch (slice) {
        case 1: kernel_avx512_rows1(kc, a, b, c, ldc, alpha, accumulate); break;
        case 2: kernel_avx512_rows2(kc, a, b, c, ldc, alpha, accumulate); break;
        case 3: kernel_avx512_rows3(kc, a, b, c, ldc, alpha, accumulate); break;
        case 4: kernel_avx512_rows4(kc, a, b, c, ldc, alpha, accumulate); break;
        case 5: kernel_avx512_rows5(kc, a, b, c, ldc, alpha, accumulate); break;
        case 6: kernel_avx512_rows6(kc, a, b, c, ldc, alpha, accumulate); break;
        case 7: kernel_avx512_rows7(kc, a, b, c, ldc, alpha, accumulate); break;
        default: kernel_avx512_rows8(kc, a, b, c, ldc, alpha, accumulate); break;
        }
        a += slice;
        c += slice * ldc;
        rows -= slice;
    }
}

const bale_variant bale_variant_avx512 = {
    .mr = MR, .nr = NR, .mc = 96, .kc = 384, .nc = 1024, .kernel = kernel_avx512,
    .row_kernel = kernel_avx512_rows,
};
#endif
