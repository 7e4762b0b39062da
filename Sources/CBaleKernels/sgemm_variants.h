/// Internal: the micro-kernel contract shared by the sgemm driver and the per-ISA kernel files.
#ifndef BALE_SGEMM_VARIANTS_H
#define BALE_SGEMM_VARIANTS_H

#include <stddef.h>

/// One register tile: `C[mr × nr] = alpha · Σ_p a[p] ⊗ b[p] + (accumulate ? C : 0)`.
///
/// `a` holds `kc` steps of `mr` floats (a packed column slice of A), `b` holds `kc` steps of `nr`
/// floats (a packed row slice of B); `c` is `mr` rows of `nr` floats, `ldc` apart. `kc >= 1`.
/// Packed buffers carry no alignment promise (kernels use unaligned loads). The driver calls the
/// kernel for consecutive B panels with the same A panel, so kernels prefetch B ahead, not A.
typedef void (*bale_micro_kernel)(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                                  float alpha, int accumulate);

/// An edge tile with fewer live rows: `C[rows × nr] = alpha · Σ_p a[p] ⊗ b[p] + (accumulate ? C : 0)`
/// for `1 <= rows < mr`, reading the same packed panels as the full tile (A steps are still `mr`
/// floats apart) and writing exactly `rows` rows of `c`, so a batch-1 product costs one row of
/// work instead of `mr` and full-width edge tiles need no scratch copy.
typedef void (*bale_row_kernel)(size_t rows, size_t kc, const float *a, const float *b, float *c, size_t ldc,
                                float alpha, int accumulate);

/// A tile reading both operands in place (Conv over a padded image, `sconv.c`):
/// `C[rows × nr] = Σ_p A[·, p] ⊗ b[p][col ..< col + nr] + (accumulate ? C : 0)` for
/// `1 <= rows <= mr`, with `A[i, p] = a[i · lda + p]` (row-major weights, not packed: a tile
/// broadcasts one A value per row and step either way) and `b[p]` any float pointer (no
/// alignment promise). Writes exactly `rows` rows of `c`.
typedef void (*bale_indirect_kernel)(size_t rows, size_t kc, const float *a, size_t lda, const float *const *b,
                                     size_t col, float *c, size_t ldc, int accumulate);

/// A micro-kernel and the blocking the driver uses with it.
typedef struct {
    /// Rows of C per register tile.
    size_t mr;
    /// Columns of C per register tile (at most `BALE_MAX_NR`).
    size_t nr;
    /// Rows of A packed at a time (a multiple of `mr`).
    size_t mc;
    /// Depth packed at a time (sized so an `mr × kc` panel of A stays in L1).
    size_t kc;
    /// Columns of B packed at a time (a multiple of `nr`; sized so the `kc × nc` block stays in L2).
    size_t nc;
    /// The tile routine.
    bale_micro_kernel kernel;
    /// The routine for edge tiles with fewer than `mr` live rows, or NULL to run `kernel` on them.
    bale_row_kernel row_kernel;
    /// The tile routine reading B in place, or NULL: products then pack B (see `sconv.c`).
    bale_indirect_kernel indirect_kernel;
} bale_variant;

/// Most columns of any variant's tile.
#define BALE_MAX_NR 32

/// Largest `mr × nr` tile of any variant, for the driver's edge-tile scratch.
#define BALE_MAX_TILE (16 * 32)

/// The portable C variant (always available).
extern const bale_variant bale_variant_portable;
#if defined(__x86_64__)
/// The AVX2+FMA variant (x86-64 only; run only when the CPU supports it).
extern const bale_variant bale_variant_avx2;
/// The AVX-512F variant (x86-64 only; run only when the CPU supports it).
extern const bale_variant bale_variant_avx512;
#endif
#if defined(__aarch64__)
/// The NEON variant (every aarch64 CPU has NEON).
extern const bale_variant bale_variant_neon;
#endif

#endif
