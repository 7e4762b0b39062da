/// The int8 driver: run-time variant choice, packing of B (once, for constant weights) and of A
/// (per block of rows), the loops around each variant's micro-kernel, and the epilogue that turns a
/// tile of raw products into zero-point-corrected `int32` or dequantized `f32` results.
///
/// Zero points never enter the inner loop: with `S = Σ_p a·b` the raw product of stored values,
/// `Σ_p (a - za)(b - zb) = S - za·colsum(B) - zb·rowsum(A) + k·za·zb`. Column sums are packed with B,
/// row sums are taken while packing A, and the correction is applied in 32-bit wrapping arithmetic
/// (exact whenever the true result fits `int32`).
#include "CBaleQuantKernels.h"
#include "qgemm_variants.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// Dequantized values are rounded after every operation, so every variant and the Swift reference agree.
#pragma STDC FP_CONTRACT OFF

enum { G = BALE_QGEMM_GROUP };

// MARK: - Variant choice

/// The process default set by `bale_qgemm_set_isa`; -1 until set (then `bale_qgemm_isa_best()` applies).
static atomic_int default_qisa = -1;

/// The variant record for a concrete `isa`, or NULL when unknown or unsupported here.
static const bale_qvariant *qvariant_for(int isa) {
    if (!bale_qgemm_isa_supported(isa)) return NULL;
    switch (isa) {
    case BALE_ISA_PORTABLE: return &bale_qvariant_portable;
#if defined(__x86_64__)
    case BALE_ISA_AVX2: return &bale_qvariant_avx2;
    case BALE_ISA_AVX512: return &bale_qvariant_vnni;
#endif
#if defined(__aarch64__)
    case BALE_ISA_NEON: return &bale_qvariant_neon;
#endif
    default: return NULL;
    }
}

int bale_qgemm_isa_supported(int isa) {
    switch (isa) {
    case BALE_ISA_PORTABLE: return 1;
#if defined(__x86_64__)
    case BALE_ISA_AVX2: return __builtin_cpu_supports("avx2");
    case BALE_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    case BALE_ISA_NEON: return 1;
#endif
    default: return 0;
    }
}

int bale_qgemm_isa_best(void) {
    static const int order[] = {BALE_ISA_AVX512, BALE_ISA_AVX2, BALE_ISA_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (bale_qgemm_isa_supported(order[i])) return order[i];
    }
    return BALE_ISA_PORTABLE;
}

int bale_qgemm_isa_default(void) {
    const int isa = atomic_load_explicit(&default_qisa, memory_order_relaxed);
    return isa < 0 ? bale_qgemm_isa_best() : isa;
}

int bale_qgemm_set_isa(int isa) {
    if (isa != BALE_ISA_DEFAULT && !bale_qgemm_isa_supported(isa)) return BALE_ERROR_ISA;
    atomic_store_explicit(&default_qisa, isa, memory_order_relaxed);
    return BALE_OK;
}

const char *bale_qgemm_isa_name(int isa) {
    switch (isa == BALE_ISA_DEFAULT ? bale_qgemm_isa_default() : isa) {
    case BALE_ISA_PORTABLE: return "portable";
    case BALE_ISA_AVX2: return "avx2";
    case BALE_ISA_AVX512: return "avx512-vnni";
    case BALE_ISA_NEON: return "neon";
    default: return "unknown";
    }
}

// MARK: - Packing

/// `x` rounded up to a multiple of `step` (`step > 0`); the caller keeps the result in range.
static size_t round_up(size_t x, size_t step) { return (x + step - 1) / step * step; }

/// Bytes of a packed `k × n` B for `v`: `int32` column sums for the padded columns, then the
/// panels (`round_up(k, G)` bytes per padded column). 0 when `n == 0` or the size overflows.
static size_t packed_size(const bale_qvariant *v, size_t k, size_t n) {
    if (n == 0 || n > SIZE_MAX - v->nr || k > SIZE_MAX - G - sizeof(int32_t)) return 0;
    const size_t padded_n = round_up(n, v->nr);
    const size_t per_column = round_up(k, G) + sizeof(int32_t);
    return per_column > SIZE_MAX / padded_n ? 0 : per_column * padded_n;
}

/// Packs `k × n` B (element `(p, j)` at `b[p * row + j * col]`) into `packed` for `v`: column sums,
/// then one panel per `nr` columns holding, for each group of `G` depths, `nr` columns of `G` bytes.
/// Padding (depth past `k`, columns past `n`) is zero, so it adds nothing to any product.
static void pack_b(const bale_qvariant *v, size_t k, size_t n, const int8_t *b, size_t row, size_t col,
                   void *packed) {
    const size_t padded_n = round_up(n, v->nr), kpad = round_up(k, G);
    memset(packed, 0, packed_size(v, k, n));
    int32_t *sums = packed;
    int8_t *panels = (int8_t *)packed + padded_n * sizeof(int32_t);
    // Sums wrap like the products they correct (`uint32_t`, never signed overflow).
    for (size_t p = 0; p < k; p++) {
        int8_t *step = panels + (p / G) * v->nr * G + p % G;
        for (size_t j = 0; j < n; j++) {
            const int8_t value = b[p * row + j * col];
            step[(j / v->nr) * v->nr * kpad + (j % v->nr) * G] = value;
            sums[j] = (int32_t)((uint32_t)sums[j] + (uint32_t)value);
        }
    }
}

/// Packs `rows` rows of A (`lda` apart) into `mr`-row panels for `v`: panel `t` holds, for each group
/// of `G` depths, `mr` rows of `G` values (`uint8_t`, or `uint16_t` for `wide_a`), zero past `k`;
/// slots of rows past `rows` are left unwritten (kernels read live rows only). Stores each row's sum.
static void pack_a(const bale_qvariant *v, const uint8_t *a, size_t lda, size_t rows, size_t k, size_t kpad,
                   void *out, int32_t *sums) {
    const size_t step = v->mr * G, full = k / G;
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = a + r * lda;
        const size_t first = (r / v->mr) * v->mr * kpad + (r % v->mr) * G;
        // The sum on its own is a loop the compiler vectorises; the zero padding adds nothing.
        uint32_t sum = 0;
        for (size_t p = 0; p < k; p++) sum += src[p];
        sums[r] = (int32_t)sum;
        uint8_t last[G] = {0};
        memcpy(last, src + full * G, k - full * G);
        if (v->wide_a) {
            uint16_t *target = (uint16_t *)out + first;
            for (size_t g = 0; g < full; g++) {
                for (size_t q = 0; q < G; q++) target[g * step + q] = src[g * G + q];
            }
            if (full * G < kpad) {
                for (size_t q = 0; q < G; q++) target[full * step + q] = last[q];
            }
        } else {
            // One group of `G` bytes is one unaligned 32-bit copy.
            uint8_t *target = (uint8_t *)out + first;
            for (size_t g = 0; g < full; g++) memcpy(target + g * step, src + g * G, G);
            if (full * G < kpad) memcpy(target + full * step, last, G);
        }
    }
}

/// `pack_a` for A stored transposed (element `(r, p)` at `a[p * lda + r]`, e.g. an im2col matrix
/// with one row per depth): reads runs of consecutive rows of one depth, so each group of `G`
/// depths of a row is gathered from `G` contiguous runs into `G` adjacent slots.
static void pack_a_transposed(const bale_qvariant *v, const uint8_t *a, size_t lda, size_t rows, size_t k,
                              size_t kpad, void *out, int32_t *sums) {
    const size_t mr = v->mr, step = mr * G;
    // The row sums as whole runs of each depth, a loop the compiler vectorises.
    for (size_t r = 0; r < rows; r++) sums[r] = 0;
    for (size_t p = 0; p < k; p++) {
        const uint8_t *src = a + p * lda;
        for (size_t r = 0; r < rows; r++) sums[r] = (int32_t)((uint32_t)sums[r] + src[r]);
    }
    // Depths past `k` read a row of zeros (longer than any variant's `mr`).
    static const uint8_t zeros[64] = {0};
    for (size_t r0 = 0; r0 < rows; r0 += mr) {
        const size_t live = rows - r0 < mr ? rows - r0 : mr;
        for (size_t g = 0; g < kpad / G; g++) {
            const uint8_t *src[G];
            for (size_t q = 0; q < G; q++) src[q] = g * G + q < k ? a + (g * G + q) * lda + r0 : zeros;
            const size_t at = r0 * kpad + g * step;
            if (v->wide_a) {
                uint16_t *target = (uint16_t *)out + at;
                for (size_t r = 0; r < live; r++) {
                    for (size_t q = 0; q < G; q++) target[r * G + q] = src[q][r];
                }
            } else {
                uint8_t *target = (uint8_t *)out + at;
                for (size_t r = 0; r < live; r++) {
                    for (size_t q = 0; q < G; q++) target[r * G + q] = src[q][r];
                }
            }
        }
    }
}

// MARK: - Epilogue

/// Where a product goes and how it is corrected: zero points, then `int32` C or dequantized `f32` Y.
typedef struct {
    uint8_t a_zero;
    /// NULL for 0; else `b_zero[j * b_zero_step]` (`b_zero_step` 0 or 1).
    const int8_t *b_zero;
    size_t b_zero_step;
    /// Exactly one of `c` and `y` is set; `ld` is its leading dimension.
    int32_t *c;
    float *y;
    size_t ld;
    /// Whether `y` is stored transposed (element `(i, j)` at `y[j * ld + i]`).
    int y_transposed;
    float a_scale;
    /// `b_scale[j * b_scale_step]` (used with `y` only).
    const float *b_scale;
    size_t b_scale_step;
    /// NULL or `n` values (used with `y` only).
    const float *bias;
} qjob;

/// Per-column terms of the epilogue for one call, so the per-cell work is branch-free and vectorises.
typedef struct {
    /// `k·za·zb[j] - za·colsum(B)[j]` (wrapping).
    int32_t *fix;
    /// `zb[j]`, multiplied by each row's sum of A.
    int32_t *zero;
    /// `a_scale · b_scale[j]` (f32 output only).
    float *scale;
} qcolumns;

/// Fills `cols` for the `n` columns of a call.
static void prepare_columns(const qjob *job, size_t n, size_t k, const int32_t *col_sums, qcolumns cols) {
    const uint32_t za = job->a_zero;
    for (size_t j = 0; j < n; j++) {
        const uint32_t zb = job->b_zero ? (uint32_t)(int32_t)job->b_zero[j * job->b_zero_step] : 0;
        cols.fix[j] = (int32_t)((uint32_t)k * za * zb - za * (uint32_t)col_sums[j]);
        cols.zero[j] = (int32_t)zb;
        if (job->y) cols.scale[j] = job->a_scale * job->b_scale[j * job->b_scale_step];
    }
}

/// Corrects the live `rows × cols` cells of a raw tile (`nr` apart) whose top-left cell is C's
/// `(row0, col0)` and stores them; `row_sums` start at `row0`, the column terms at column 0.
static void store_tile(const qjob *job, const qcolumns *columns, const int32_t *tile, size_t nr, size_t rows,
                       size_t cols, size_t row0, size_t col0, const int32_t *row_sums) {
    const int32_t *fix = columns->fix + col0, *zero = columns->zero + col0;
    for (size_t r = 0; r < rows; r++) {
        const uint32_t row_sum = (uint32_t)row_sums[r];
        const int32_t *raw = tile + r * nr;
        const size_t out = (row0 + r) * job->ld + col0;
        if (job->c) {
            int32_t *c = job->c + out;
            for (size_t s = 0; s < cols; s++) {
                c[s] = (int32_t)((uint32_t)raw[s] + (uint32_t)fix[s] - (uint32_t)zero[s] * row_sum);
            }
            continue;
        }
        if (job->y_transposed) continue;  // stored below, column by column
        float *y = job->y + out;
        const float *scale = columns->scale + col0;
        for (size_t s = 0; s < cols; s++) {
            y[s] = (float)(int32_t)((uint32_t)raw[s] + (uint32_t)fix[s] - (uint32_t)zero[s] * row_sum) * scale[s];
        }
        if (job->bias) {
            for (size_t s = 0; s < cols; s++) y[s] += job->bias[col0 + s];
        }
    }
    if (!job->y || !job->y_transposed) return;
    // Transposed Y: each column of the tile is a run of `rows` consecutive floats.
    for (size_t s = 0; s < cols; s++) {
        float *y = job->y + (col0 + s) * job->ld + row0;
        const float scale = columns->scale[col0 + s];
        for (size_t r = 0; r < rows; r++) {
            const uint32_t sum = (uint32_t)tile[r * nr + s] + (uint32_t)fix[s] - (uint32_t)zero[s] * (uint32_t)row_sums[r];
            y[r] = (float)(int32_t)sum * scale;
        }
        if (job->bias) {
            for (size_t r = 0; r < rows; r++) y[r] += job->bias[col0 + s];
        }
    }
}

// MARK: - Blocked product

/// The shared driver over B packed for `v`; shapes are validated and `m, n > 0`.
static int run(const bale_qvariant *v, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, int trans_a,
               const void *packed, const qjob *job) {
    const size_t kpad = round_up(k, G), groups = kpad / G, padded_n = round_up(n, v->nr);
    const size_t a_width = v->wide_a ? sizeof(uint16_t) : sizeof(uint8_t);
    // Scratch: row sums of a block, three column terms, then the packed block of A.
    const size_t words = v->mc + 3 * n;
    if (n > SIZE_MAX / 16 || kpad > (SIZE_MAX - words * sizeof(int32_t)) / (v->mc * a_width)) {
        return BALE_ERROR_MEMORY;
    }
    int32_t *row_sums = malloc(words * sizeof(int32_t) + v->mc * kpad * a_width);
    if (!row_sums) return BALE_ERROR_MEMORY;
    const qcolumns columns = {row_sums + v->mc, row_sums + v->mc + n, (float *)(row_sums + v->mc + 2 * n)};
    uint8_t *apack = (uint8_t *)(row_sums + words);
    const int32_t *col_sums = packed;
    const int8_t *panels = (const int8_t *)packed + padded_n * sizeof(int32_t);
    prepare_columns(job, n, k, col_sums, columns);
    int32_t tile[BALE_QGEMM_MAX_TILE];
    for (size_t ic = 0; ic < m; ic += v->mc) {
        const size_t mc = m - ic < v->mc ? m - ic : v->mc;
        if (trans_a) {
            pack_a_transposed(v, a + ic, lda, mc, k, kpad, apack, row_sums);
        } else {
            pack_a(v, a + ic * lda, lda, mc, k, kpad, apack, row_sums);
        }
        // Panel by panel, so one `nr`-column panel of B stays in L1 for every row tile of the block.
        for (size_t j = 0; j < n; j += v->nr) {
            const size_t cols = n - j < v->nr ? n - j : v->nr;
            for (size_t i = 0; i < mc; i += v->mr) {
                const size_t rows = mc - i < v->mr ? mc - i : v->mr;
                v->kernel(groups, rows, apack + i * kpad * a_width, panels + j * kpad, tile);
                store_tile(job, &columns, tile, v->nr, rows, cols, ic + i, j, row_sums + i);
            }
        }
    }
    free(row_sums);
    return BALE_OK;
}

/// Checks a product over packed B: a concrete supported `isa`, then `lda` and `ld` unless the
/// product is empty (`*empty` set). Returns `BALE_OK` or an error code.
static int prepare(int isa, size_t m, size_t n, size_t k, size_t lda, int trans_a, size_t ld, int trans_out,
                   const bale_qvariant **v, int *empty) {
    *v = isa == BALE_ISA_DEFAULT ? NULL : qvariant_for(isa);
    if (!*v) return BALE_ERROR_ISA;
    *empty = m == 0 || n == 0;
    return *empty || (lda >= (trans_a ? m : k) && ld >= (trans_out ? m : n)) ? BALE_OK : BALE_ERROR_SHAPE;
}

// MARK: - Public products

int bale_qgemm(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, int trans_a, uint8_t a_zero_point,
               int trans_b, const int8_t *b, size_t ldb, const int8_t *b_zero_point,
               int b_zero_point_per_column, int32_t *c, size_t ldc) {
    const int concrete = isa == BALE_ISA_DEFAULT ? bale_qgemm_isa_default() : isa;
    const bale_qvariant *v;
    int empty;
    const int status = prepare(concrete, m, n, k, lda, trans_a, ldc, 0, &v, &empty);
    if (status != BALE_OK || empty) return status;
    if (k > 0 && ldb < (trans_b ? k : n)) return BALE_ERROR_SHAPE;
    const size_t size = packed_size(v, k, n);
    void *packed = size ? malloc(size) : NULL;
    if (!packed) return BALE_ERROR_MEMORY;
    pack_b(v, k, n, b, trans_b ? 1 : ldb, trans_b ? ldb : 1, packed);
    const qjob job = {a_zero_point, b_zero_point, b_zero_point_per_column ? 1 : 0, c, NULL, ldc, 0, 0, NULL, 0, NULL};
    const int result = run(v, m, n, k, a, lda, trans_a, packed, &job);
    free(packed);
    return result;
}

size_t bale_qgemm_pack_b_size(int isa, size_t k, size_t n) {
    const bale_qvariant *v = qvariant_for(isa);
    return v ? packed_size(v, k, n) : 0;
}

int bale_qgemm_pack_b(int isa, int trans_b, size_t k, size_t n, const int8_t *b, size_t ldb, void *packed) {
    const bale_qvariant *v = qvariant_for(isa);
    if (!v) return BALE_ERROR_ISA;
    if (packed_size(v, k, n) == 0 || (k > 0 && ldb < (trans_b ? k : n))) return BALE_ERROR_SHAPE;
    pack_b(v, k, n, b, trans_b ? 1 : ldb, trans_b ? ldb : 1, packed);
    return BALE_OK;
}

int bale_qgemm_packed_b(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, int trans_a,
                        uint8_t a_zero_point, const void *packed, const int8_t *b_zero_point,
                        int b_zero_point_per_column, int32_t *c, size_t ldc) {
    const bale_qvariant *v;
    int empty;
    const int status = prepare(isa, m, n, k, lda, trans_a, ldc, 0, &v, &empty);
    if (status != BALE_OK || empty) return status;
    const qjob job = {a_zero_point, b_zero_point, b_zero_point_per_column ? 1 : 0, c, NULL, ldc, 0, 0, NULL, 0, NULL};
    return run(v, m, n, k, a, lda, trans_a, packed, &job);
}

int bale_qgemm_packed_b_dequantize(int isa, size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                                   int trans_a, uint8_t a_zero_point, const void *packed, const int8_t *b_zero_point,
                                   int b_zero_point_per_column, float a_scale, const float *b_scale,
                                   int b_scale_per_column, const float *bias, float *y, size_t ldy,
                                   int trans_y) {
    const bale_qvariant *v;
    int empty;
    const int status = prepare(isa, m, n, k, lda, trans_a, ldy, trans_y, &v, &empty);
    if (status != BALE_OK || empty) return status;
    const qjob job = {a_zero_point, b_zero_point, b_zero_point_per_column ? 1 : 0, NULL, y, ldy, trans_y ? 1 : 0,
                      a_scale, b_scale, b_scale_per_column ? 1 : 0, bias};
    return run(v, m, n, k, a, lda, trans_a, packed, &job);
}
