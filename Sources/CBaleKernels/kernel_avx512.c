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

/// The body of a tile with `R` live rows: step `p` reads B's 32 floats at `B_ROW(p)` and row
/// `i`'s A value at `A_AT(p, i)`; then `C = alpha · acc + (accumulate ? C : 0)`.
#define TILE_BODY(R, B_ROW, A_AT)                                                                  \
    __m512 acc[R][2];                                                                              \
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();                       \
    for (size_t p = 0; p < kc; p++) {                                                              \
        const __m512 b0 = _mm512_loadu_ps(B_ROW(p));                                               \
        const __m512 b1 = _mm512_loadu_ps(B_ROW(p) + 16);                                          \
        for (int i = 0; i < R; i++) {                                                              \
            const __m512 ai = _mm512_set1_ps(A_AT(p, i));                                          \
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);                                        \
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);                                        \
        }                                                                                          \
    }                                                                                              \
    const __m512 scale = _mm512_set1_ps(alpha);                                                    \
    for (int i = 0; i < R; i++) {                                                                  \
        float *row = c + (size_t)i * ldc;                                                          \
        __m512 r0 = _mm512_mul_ps(scale, acc[i][0]);                                               \
        __m512 r1 = _mm512_mul_ps(scale, acc[i][1]);                                               \
        if (accumulate) {                                                                          \
            r0 = _mm512_add_ps(r0, _mm512_loadu_ps(row));                                          \
            r1 = _mm512_add_ps(r1, _mm512_loadu_ps(row + 16));                                     \
        }                                                                                          \
        _mm512_storeu_ps(row, r0);                                                                 \
        _mm512_storeu_ps(row + 16, r1);                                                            \
    }

/// Packed operands: B step `p` at `b + p·NR`, A step `p` at `a + p·MR`.
#define PACKED_B(p) (b + (p) * NR)
#define PACKED_A(p, i) a[(p) * MR + (i)]
/// Operands read in place: B step `p` at `b[p] + col`, A row-major with `lda`.
#define INPLACE_B(p) (b[p] + col)
#define INPLACE_A(p, i) a[(size_t)(i) * lda + (p)]

/// The edge tile with `R` live rows (see `bale_row_kernel`), one function per row count so the
/// accumulators stay in registers.
#define ROW_KERNEL(R)                                                                              \
    __attribute__((target("avx512f,fma")))                                                         \
    static void kernel_avx512_rows##R(size_t kc, const float *a, const float *b, float *c,         \
                                      size_t ldc, float alpha, int accumulate) {                   \
        TILE_BODY(R, PACKED_B, PACKED_A)                                                           \
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

/// The tile with `R` live rows reading A and B in place (see `bale_indirect_kernel`).
#define INDIRECT_KERNEL(R)                                                                         \
    __attribute__((target("avx512f,fma")))                                                         \
    static void kernel_avx512_indirect##R(size_t kc, const float *a, size_t lda, const float *const *b,  \
                                          size_t col, float *c, size_t ldc, int accumulate) {      \
        const float alpha = 1.0f;                                                                  \
        TILE_BODY(R, INPLACE_B, INPLACE_A)                                                         \
    }

INDIRECT_KERNEL(1)
INDIRECT_KERNEL(2)
INDIRECT_KERNEL(3)
INDIRECT_KERNEL(4)
INDIRECT_KERNEL(5)
INDIRECT_KERNEL(6)
INDIRECT_KERNEL(7)
INDIRECT_KERNEL(8)
INDIRECT_KERNEL(12)

/// Tiles reading B in place: `rows` (<= MR) live rows, all 12 at once or in slices of at most 8.
__attribute__((target("avx512f,fma")))
static void kernel_avx512_indirect(size_t rows, size_t kc, const float *a, size_t lda, const float *const *b,
                                   size_t col, float *c, size_t ldc, int accumulate) {
    if (rows == MR) {
        kernel_avx512_indirect12(kc, a, lda, b, col, c, ldc, accumulate);
        return;
    }
    while (rows > 0) {
        const size_t slice = rows < 8 ? rows : 8;
        switch (slice) {
        case 1: kernel_avx512_indirect1(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 2: kernel_avx512_indirect2(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 3: kernel_avx512_indirect3(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 4: kernel_avx512_indirect4(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 5: kernel_avx512_indirect5(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 6: kernel_avx512_indirect6(kc, a, lda, b, col, c, ldc, accumulate); break;
        case 7: kernel_avx512_indirect7(kc, a, lda, b, col, c, ldc, accumulate); break;
        default: kernel_avx512_indirect8(kc, a, lda, b, col, c, ldc, accumulate); break;
        }
        a += slice * lda;
        c += slice * ldc;
        rows -= slice;
    }
}

const bale_variant bale_variant_avx512 = {
    .mr = MR, .nr = NR, .mc = 96, .kc = 384, .nc = 1024, .kernel = kernel_avx512,
    .row_kernel = kernel_avx512_rows, .indirect_kernel = kernel_avx512_indirect,
};
#endif
