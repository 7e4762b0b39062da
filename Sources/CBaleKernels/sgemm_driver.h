/// Internal: the sgemm driver's entry for products whose B is not a stored matrix (Conv's im2col
/// matrix, packed straight from the image by `sconv.c`).
#ifndef BALE_SGEMM_DRIVER_H
#define BALE_SGEMM_DRIVER_H

#include "sgemm_variants.h"

#include <stddef.h>

/// A read-only matrix operand: element `(r, c)` of `op(M)` is at `base[r * row + c * col]`.
typedef struct {
    const float *base;
    size_t row;
    size_t col;
} bale_operand;

/// Packs depth `[p0, p0 + depth)` × columns `[c0, c0 + cols)` of `op(B)`, read from `context`, into
/// `nr`-column panels: panel `t` holds, for each depth step, `nr` consecutive floats (columns past
/// the end are zero).
typedef void (*bale_pack_b_fn)(const void *context, size_t p0, size_t depth, size_t c0, size_t cols, size_t nr,
                               float *out);

/// Where the driver reads B: `pack` over `context` block by block, or panels packed ahead by
/// `bale_pack_b` (`prepacked`, then `pack` is unused).
typedef struct {
    bale_pack_b_fn pack;
    const void *context;
    const float *prepacked;
} bale_b_source;

/// Checks what every product shares: a usable variant, `ldc`, `lda` and a non-empty product.
/// Returns `BALE_OK` with `*done` set when nothing (or only zeroing C) was needed.
int bale_sgemm_prepare(int isa, int trans_a, size_t m, size_t n, size_t k, size_t lda, int accumulate, float *c,
                       size_t ldc, const bale_variant **v, int *done);

/// The blocked product `C = alpha · op(A) · op(B) + (accumulate ? C : 0)` with B from `b`, for a
/// validated product with `m, n, k > 0`. Returns `BALE_OK` or `BALE_ERROR_MEMORY`.
int bale_sgemm_run(const bale_variant *v, size_t m, size_t n, size_t k, float alpha, bale_operand a, bale_b_source b,
                   int accumulate, float *c, size_t ldc);

#endif
