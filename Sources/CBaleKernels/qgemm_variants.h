/// Internal: the int8 micro-kernel contract shared by the qgemm driver and the per-ISA qkernel files.
#ifndef BALE_QGEMM_VARIANTS_H
#define BALE_QGEMM_VARIANTS_H

#include <stddef.h>
#include <stdint.h>

/// Depth of one packed group: 4 consecutive `k` of a column of B (one `vpdpbusd` lane) and of a row of A.
#define BALE_QGEMM_GROUP 4

/// One register tile of raw products: `tile[r][s] = Σ_p a[r][p] · b[p][s]` for `r < rows`, `s < nr`,
/// with A and B as stored (zero points are the driver's corrections).
///
/// - `a`: `groups` steps, each `mr` rows of `BALE_QGEMM_GROUP` values (`uint8_t`, or `uint16_t`
///   when the variant has `wide_a`); only the first `rows` rows of a step are read.
/// - `b`: `groups` steps, each `nr` columns of `BALE_QGEMM_GROUP` `int8_t` (one packed panel).
/// - `tile`: `rows` rows of `nr` `int32_t`, `nr` apart (the driver's scratch). `1 <= rows <= mr`;
///   `groups` may be 0 (the tile is then zero).
/// Sums wrap modulo 2³² (they never saturate).
typedef void (*bale_qmicro_kernel)(size_t groups, size_t rows, const void *a, const int8_t *b, int32_t *tile);

/// An int8 micro-kernel and the blocking the driver uses with it.
typedef struct {
    /// Rows of C per register tile.
    size_t mr;
    /// Columns of C per register tile and of B per packed panel (at most `BALE_QGEMM_MAX_NR`).
    size_t nr;
    /// Rows of A packed at a time (a multiple of `mr`; sized so the packed block stays in L2).
    size_t mc;
    /// Whether packed A holds `uint16_t` (widened once while packing) rather than `uint8_t`.
    int wide_a;
    /// The tile routine.
    bale_qmicro_kernel kernel;
} bale_qvariant;

/// Largest `mr × nr` tile of any variant, for the driver's tile scratch.
#define BALE_QGEMM_MAX_TILE (6 * 64)

/// The portable C variant (always available).
extern const bale_qvariant bale_qvariant_portable;
#if defined(__x86_64__)
/// The AVX2 variant: 16-bit widening and `vpmaddwd` (x86-64; run only when the CPU has AVX2).
extern const bale_qvariant bale_qvariant_avx2;
/// The AVX-512 VNNI variant: `vpdpbusd` (x86-64; run only when the CPU has AVX-512 BW and VNNI).
extern const bale_qvariant bale_qvariant_vnni;
#endif
#if defined(__aarch64__)
/// The NEON variant: 16-bit products, pairwise accumulation into 32 bits.
extern const bale_qvariant bale_qvariant_neon;
#endif

#endif
