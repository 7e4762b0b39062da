/// CBaleKernels: Bale's fp32 matrix multiply (sgemm) with per-ISA micro-kernels picked at run time.
///
/// All matrices are row-major. A matrix operand is `base` plus a leading dimension (`ld`, the
/// distance in floats between consecutive stored rows); a transposed operand is read as the
/// transpose of what is stored. Bounds come from the caller: every function reads and writes only
/// inside the extents its parameters describe, and the caller guarantees those extents are valid
/// memory. No function keeps a pointer after it returns; all are safe to call from many threads.
#ifndef CBALEKERNELS_H
#define CBALEKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Variants

/// Micro-kernel variants. `BALE_ISA_DEFAULT` means "the process default" (see `bale_sgemm_set_isa`).
enum {
    BALE_ISA_DEFAULT = -1,
    BALE_ISA_PORTABLE = 0,
    BALE_ISA_AVX2 = 1,
    BALE_ISA_AVX512 = 2,
    BALE_ISA_NEON = 3,
};

/// Status codes returned by the computing functions.
enum {
    BALE_OK = 0,
    /// The requested variant is unknown or the CPU cannot run it.
    BALE_ERROR_ISA = 1,
    /// A scratch buffer could not be allocated (or its size overflows).
    BALE_ERROR_MEMORY = 2,
    /// A dimension or leading dimension is inconsistent (e.g. `lda` smaller than a stored row).
    BALE_ERROR_SHAPE = 3,
};

/// Whether `isa` (a `BALE_ISA_*` value other than `BALE_ISA_DEFAULT`) was compiled in and the
/// running CPU supports it: 1 or 0.
int bale_isa_supported(int isa);

/// The fastest supported variant on this CPU (probed once with `__builtin_cpu_supports` on x86).
int bale_isa_best(void);

/// The variant `BALE_ISA_DEFAULT` resolves to: `bale_isa_best()` unless changed by
/// `bale_sgemm_set_isa`.
int bale_isa_default(void);

/// Sets the process default variant (e.g. `BALE_ISA_PORTABLE` to force the portable code in a
/// test); `BALE_ISA_DEFAULT` restores the best one. Returns `BALE_OK` or `BALE_ERROR_ISA`.
int bale_sgemm_set_isa(int isa);

/// A static, human-readable name of `isa` ("avx512", "avx2", "neon", "portable"); `BALE_ISA_DEFAULT`
/// names the current default; unknown values give "unknown".
const char *bale_isa_name(int isa);

/// The name of the variant `bale_sgemm` uses by default, for reports.
const char *bale_kernel_isa(void);

// MARK: - Products

/// `C = alpha · op(A) · op(B) + (accumulate ? C : 0)`, with `op(A)` `m × k` and `op(B)` `k × n`.
///
/// - `a`: `trans_a == 0` stores `m` rows of `k` (`lda >= k`); otherwise `k` rows of `m` (`lda >= m`).
/// - `b`: `trans_b == 0` stores `k` rows of `n` (`ldb >= n`); otherwise `n` rows of `k` (`ldb >= k`).
/// - `c`: `m` rows of `n`, `ldc >= n`; only those `m × n` elements are written. With `k == 0` the
///   product is zero, so `C` becomes zero (or is left as is when accumulating).
/// - `isa`: a `BALE_ISA_*` variant, or `BALE_ISA_DEFAULT`.
/// Pointers may be NULL only when the matrix has no elements. `c` must not overlap `a` or `b`.
/// Returns `BALE_OK`, or an error code without touching `C`.
int bale_sgemm(int isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
               const float *a, size_t lda, const float *b, size_t ldb,
               int accumulate, float *c, size_t ldc);

// MARK: - Pre-packed right-hand side (constant weights)

/// Floats needed to hold a `k × n` right-hand side packed for variant `isa` (a concrete variant,
/// not `BALE_ISA_DEFAULT`), or 0 when `isa` is unsupported, the size overflows, or the matrix is empty.
size_t bale_pack_b_size(int isa, size_t k, size_t n);

/// Packs `op(B)` (`k × n`, stored as in `bale_sgemm`) into `packed`, which holds
/// `bale_pack_b_size(isa, k, n)` floats. Returns `BALE_OK`, `BALE_ERROR_ISA` or `BALE_ERROR_SHAPE`.
int bale_pack_b(int isa, int trans_b, size_t k, size_t n, const float *b, size_t ldb, float *packed);

/// `bale_pack_b` done in place: `b` holds `k * n` floats (row-major `k × n`, or `n × k` with
/// `trans_b`, densely stored) and is rearranged into the packed layout, so no second copy of the
/// matrix is made (scratch: a bitmap of `k * n / nr` bits, and with `trans_b` one `nr × k` panel). Only shapes whose packed size
/// equals `k * n` can be packed in place (`n` a multiple of the variant's panel width; see
/// `bale_pack_b_in_place_supported`). Returns `BALE_OK`, `BALE_ERROR_ISA`, `BALE_ERROR_SHAPE` or
/// `BALE_ERROR_MEMORY`.
int bale_pack_b_in_place(int isa, int trans_b, size_t k, size_t n, float *b);

/// Whether `bale_pack_b_in_place` can pack a `k × n` right-hand side for `isa`.
int bale_pack_b_in_place_supported(int isa, size_t k, size_t n);

/// `bale_sgemm` with a right-hand side already packed by `bale_pack_b` for the same `isa`, `k` and `n`
/// (the caller keeps these together; a mismatch reads wrong values but stays inside
/// `bale_pack_b_size(isa, k, n)` floats).
int bale_sgemm_packed_b(int isa, int trans_a, size_t m, size_t n, size_t k, float alpha,
                        const float *a, size_t lda, const float *packed,
                        int accumulate, float *c, size_t ldc);

// MARK: - Convolution (im2col packed straight into the micro-panels)

/// The sliding window of a 2-D convolution over one image of `channels` contiguous
/// `height × width` planes (a 1-D one has height 1 and a 1-tap kernel of stride and dilation 1).
/// Output `(oh, ow)`, tap `(ki, kj)` reads input row `oh·stride_h − pad_top + ki·dilation_h` and
/// column `ow·stride_w − pad_left + kj·dilation_w`; a read outside the image is zero.
typedef struct {
    size_t channels, height, width;
    size_t kernel_h, kernel_w;
    size_t stride_h, stride_w;
    size_t dilation_h, dilation_w;
    size_t pad_top, pad_left;
    size_t out_h, out_w;
} bale_conv_window;

/// `C = W · im2col(X) + (accumulate ? C : 0)`: `W` is `m` rows of `k = channels·kernel_h·kernel_w`
/// filter weights (`ldw >= k`), im2col(X) the `k × out_h·out_w` matrix of what each tap reads,
/// and C `m` rows of `out_h·out_w` (`ldc >=` that). im2col(X) is never stored: each block of it is
/// packed straight from `x` into the micro-kernel's panels, so the image is copied once.
/// Every size must be at most `INT32_MAX` and strides, dilations and kernel sizes positive.
/// Returns `BALE_OK`, or an error code without touching `C`.
int bale_sconv(int isa, const bale_conv_window *window, size_t m, const float *w, size_t ldw, const float *x,
               int accumulate, float *c, size_t ldc);

#ifdef __cplusplus
}
#endif

#endif
