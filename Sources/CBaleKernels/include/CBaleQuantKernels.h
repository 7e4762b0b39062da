/// The int8 matrix multiply (qgemm) of `CBaleKernels`: `uint8` activations times `int8` weights with
/// exact `int32` accumulation, per-ISA micro-kernels picked at run time, like `bale_sgemm`.
///
/// `C[m×n] = (A - a_zero_point) · (B - b_zero_point[col])`, with A `m × k` (asymmetric activations,
/// as ONNX DynamicQuantizeLinear produces) and B `k × n`. The product is exact whenever the true
/// result fits `int32`, which always holds for `k <= 33025` (|a - za|, |b - zb| <= 255); larger
/// results wrap modulo 2³². All matrices are row-major with leading dimensions counted in elements;
/// the conventions of `CBaleKernels.h` (bounds from the caller, no kept pointers, thread safety,
/// `BALE_OK` / `BALE_ERROR_*` status codes) hold here too.
///
/// Variants reuse the `BALE_ISA_*` numbers with an int8 meaning: `BALE_ISA_AVX512` needs AVX-512
/// VNNI (`vpdpbusd`), `BALE_ISA_AVX2` widens to 16 bits for `vpmaddwd`, `BALE_ISA_NEON` uses
/// 16-bit products with pairwise accumulation, `BALE_ISA_PORTABLE` is plain C.
#ifndef CBALEQUANTKERNELS_H
#define CBALEQUANTKERNELS_H

#include "CBaleKernels.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Variants

/// Whether the int8 variant `isa` (not `BALE_ISA_DEFAULT`) was compiled in and the CPU runs it: 1 or 0.
int bale_qgemm_isa_supported(int isa);

/// The fastest supported int8 variant on this CPU.
int bale_qgemm_isa_best(void);

/// The variant `BALE_ISA_DEFAULT` resolves to for int8 products: `bale_qgemm_isa_best()` unless
/// changed by `bale_qgemm_set_isa` (independent of the sgemm default).
int bale_qgemm_isa_default(void);

/// Sets the int8 process default (`BALE_ISA_DEFAULT` restores the best one). Returns `BALE_OK` or
/// `BALE_ERROR_ISA`.
int bale_qgemm_set_isa(int isa);

/// A static name of the int8 variant `isa` ("avx512-vnni", "avx2", "neon", "portable");
/// `BALE_ISA_DEFAULT` names the current default; unknown values give "unknown".
const char *bale_qgemm_isa_name(int isa);

// MARK: - Products

/// `C = (A - a_zero_point) · (op(B) - b_zero_point)`, `int32` results.
///
/// - `a`: `trans_a == 0` stores `m` rows of `k` bytes (`lda >= k`); otherwise `k` rows of `m`
///   (`lda >= m`), e.g. an im2col matrix with one row per depth.
/// - `b`: `trans_b == 0` stores `k` rows of `n` (`ldb >= n`); otherwise `n` rows of `k` (`ldb >= k`).
/// - `b_zero_point`: NULL for 0, else one value (`b_zero_point_per_column == 0`) or `n` values.
/// - `c`: `m` rows of `n`, `ldc >= n`; only those elements are written (`k == 0` writes zeros).
/// - `isa`: a `BALE_ISA_*` variant, or `BALE_ISA_DEFAULT`.
/// B is packed into a scratch buffer on every call; constant weights should use `bale_qgemm_pack_b`.
/// Returns `BALE_OK`, or an error code without touching `C`.
int bale_qgemm(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, int trans_a, uint8_t a_zero_point,
               int trans_b, const int8_t *b, size_t ldb, const int8_t *b_zero_point,
               int b_zero_point_per_column, int32_t *c, size_t ldc);

// MARK: - Pre-packed right-hand side (constant weights)

/// Bytes needed to hold a `k × n` B packed for variant `isa` (a concrete variant), or 0 when `isa`
/// is unsupported, `n == 0` or the size overflows. `k == 0` is allowed.
size_t bale_qgemm_pack_b_size(int isa, size_t k, size_t n);

/// Packs `op(B)` (`k × n`, stored as in `bale_qgemm`) into `packed`: `bale_qgemm_pack_b_size(isa,
/// k, n)` bytes, 4-byte aligned. The layout holds every column sum of B (so the A zero point is a
/// per-column correction) and panels of 4-deep column groups, zero-padded in `k` and `n`, in the
/// order the variant's micro-kernel reads them. Returns `BALE_OK`, `BALE_ERROR_ISA` or `BALE_ERROR_SHAPE`.
int bale_qgemm_pack_b(int isa, int trans_b, size_t k, size_t n, const int8_t *b, size_t ldb, void *packed);

/// `bale_qgemm` with B packed by `bale_qgemm_pack_b` for the same concrete `isa`, `k` and `n`.
int bale_qgemm_packed_b(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, int trans_a,
                        uint8_t a_zero_point, const void *packed, const int8_t *b_zero_point,
                        int b_zero_point_per_column, int32_t *c, size_t ldc);

/// `bale_qgemm_packed_b` with a fused dequantizing epilogue: `Y = C · (a_scale · b_scale[col]) +
/// bias[col]`, written as `f32` straight from the register tile (the `int32` C never reaches memory).
///
/// - `b_scale`: one value (`b_scale_per_column == 0`) or `n` values.
/// - `bias`: NULL for none, else `n` values.
/// - `y`: `m` rows of `n` floats, `ldy >= n`; with `trans_y`, its transpose: `n` rows of `m`
///   floats, `ldy >= m` (e.g. the NCHW planes of a convolution whose A has one row per position).
/// Each element is computed as `(float)c * (a_scale * b_scale[col])`, then `+ bias[col]`, rounding
/// after every operation (never fused), so results are reproducible on every variant.
int bale_qgemm_packed_b_dequantize(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                                   int trans_a, uint8_t a_zero_point, const void *packed, const int8_t *b_zero_point,
                                   int b_zero_point_per_column, float a_scale, const float *b_scale,
                                   int b_scale_per_column, const float *bias, float *y, size_t ldy,
                                   int trans_y);

// MARK: - Dynamic activation quantization (ONNX DynamicQuantizeLinear)

/// The range of `n` floats widened to include 0, NaN skipped: `*low <= 0 <= *high`.
void bale_range_with_zero(const float *x, size_t n, float *low, float *high);

/// `out[i] = saturate(round_half_even(x[i] / scale) + zero_point)` into `0...255`, NaN giving 0,
/// bit-exact with that definition (division and rounding are never fused or approximated).
void bale_quantize_u8(const float *x, size_t n, float scale, uint8_t zero_point, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif
