/// The sgemm driver: run-time variant choice, packing of A and B into micro-panels, and the
/// blocked loops (GotoBLAS order: columns of B by `nc`, depth by `kc`, rows of A by `mc`, then
/// register tiles) around each variant's micro-kernel.
#include "CBaleKernels.h"
#include "sgemm_driver.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Variant choice

/// The process default set by `bale_sgemm_set_isa`; -1 until set (then `bale_isa_best()` applies).
static atomic_int default_isa = -1;

/// The variant record for a concrete `isa`, or NULL when unknown or unsupported here.
static const bale_variant *variant_for(int isa) {
    if (!bale_isa_supported(isa)) return NULL;
    switch (isa) {
    case BALE_ISA_PORTABLE: return &bale_variant_portable;
#if defined(__x86_64__)
    case BALE_ISA_AVX2: return &bale_variant_avx2;
    case BALE_ISA_AVX512: return &bale_variant_avx512;
#endif
#if defined(__aarch64__)
    case BALE_ISA_NEON: return &bale_variant_neon;
#endif
    default: return NULL;
    }
}

int bale_isa_supported(int isa) {
    switch (isa) {
    case BALE_ISA_PORTABLE: return 1;
#if defined(__x86_64__)
    case BALE_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case BALE_ISA_AVX512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#endif
#if defined(__aarch64__)
    case BALE_ISA_NEON: return 1;
#endif
    default: return 0;
    }
}

int bale_isa_best(void) {
    static const int order[] = {BALE_ISA_AVX512, BALE_ISA_AVX2, BALE_ISA_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (bale_isa_supported(order[i])) return order[i];
    }
    return BALE_ISA_PORTABLE;
}

int bale_isa_default(void) {
    const int isa = atomic_load_explicit(&default_isa, memory_order_relaxed);
    return isa < 0 ? bale_isa_best() : isa;
}

int bale_sgemm_set_isa(int isa) {
    if (isa != BALE_ISA_DEFAULT && !bale_isa_supported(isa)) return BALE_ERROR_ISA;
    atomic_store_explicit(&default_isa, isa, memory_order_relaxed);
    return BALE_OK;
}

const char *bale_isa_name(int isa) {
    switch (isa == BALE_ISA_DEFAULT ? bale_isa_default() : isa) {
    case BALE_ISA_PORTABLE: return "portable";
    case BALE_ISA_AVX2: return "avx2";
    case BALE_ISA_AVX512: return "avx512";
    case BALE_ISA_NEON: return "neon";
    default: return "unknown";
    }
}

const char *bale_kernel_isa(void) { return bale_isa_name(BALE_ISA_DEFAULT); }

// MARK: - Packing

/// The operand type's short name inside this file.
typedef bale_operand operand;

/// The operand view of a stored matrix with leading dimension `ld`, transposed or not.
static operand make_operand(const float *base, size_t ld, int transposed) {
    operand o = {base, transposed ? 1 : ld, transposed ? ld : 1};
    return o;
}

/// Packs rows `[r0, r0 + rows)` × depth `[p0, p0 + depth)` of `op(A)` into `mr`-row panels: panel
/// `t` holds, for each depth step, `mr` consecutive floats (rows past the end are zero).
static void pack_a(operand a, size_t r0, size_t rows, size_t p0, size_t depth, size_t mr, float *out) {
    for (size_t t = 0; t < rows; t += mr) {
        const size_t live = rows - t < mr ? rows - t : mr;
        const float *src = a.base + (r0 + t) * a.row + p0 * a.col;
        if (a.row == 1) {
            // Transposed storage: each depth step's rows are contiguous.
            for (size_t p = 0; p < depth; p++, out += mr, src += a.col) {
                for (size_t i = 0; i < live; i++) out[i] = src[i];
                for (size_t i = live; i < mr; i++) out[i] = 0.0f;
            }
        } else {
            for (size_t p = 0; p < depth; p++, out += mr) {
                for (size_t i = 0; i < live; i++) out[i] = src[i * a.row + p * a.col];
                for (size_t i = live; i < mr; i++) out[i] = 0.0f;
            }
        }
    }
}

/// Packs depth `[p0, p0 + depth)` × columns `[c0, c0 + cols)` of `op(B)` into `nr`-column panels:
/// panel `t` holds, for each depth step, `nr` consecutive floats (columns past the end are zero).
static void pack_b(operand b, size_t p0, size_t depth, size_t c0, size_t cols, size_t nr, float *out) {
    for (size_t t = 0; t < cols; t += nr) {
        const size_t live = cols - t < nr ? cols - t : nr;
        const float *src = b.base + p0 * b.row + (c0 + t) * b.col;
        for (size_t p = 0; p < depth; p++, out += nr, src += b.row) {
            if (b.col == 1) {
                for (size_t j = 0; j < live; j++) out[j] = src[j];
            } else {
                for (size_t j = 0; j < live; j++) out[j] = src[j * b.col];
            }
            for (size_t j = live; j < nr; j++) out[j] = 0.0f;
        }
    }
}

/// `pack_b` as a `bale_pack_b_fn` over a `const operand *`.
static void pack_stored_b(const void *context, size_t p0, size_t depth, size_t c0, size_t cols, size_t nr,
                          float *out) {
    pack_b(*(const operand *)context, p0, depth, c0, cols, nr, out);
}

/// `x` rounded up to a multiple of `step` (`step > 0`); the caller keeps the result in range.
static size_t round_up(size_t x, size_t step) { return (x + step - 1) / step * step; }

// MARK: - Blocked product

/// One `mc × nc` block of C from packed A (`mc` rows, depth `kc`) and packed B (`kc × nc`).
/// Each `mr`-row panel of A stays in L1 while the `nr`-column panels of B stream past it from L2.
/// Full tiles go straight to C; edge tiles go through a scratch tile and only live cells are stored.
static void macro_block(const bale_variant *v, size_t mc, size_t nc, size_t kc, const float *ap,
                        const float *bp, float *c, size_t ldc, float alpha, int accumulate) {
    float edge[BALE_MAX_TILE];
    for (size_t i = 0; i < mc; i += v->mr) {
        const size_t rows = mc - i < v->mr ? mc - i : v->mr;
        for (size_t j = 0; j < nc; j += v->nr) {
            const size_t cols = nc - j < v->nr ? nc - j : v->nr;
            float *tile = c + i * ldc + j;
            const float *a = ap + i * kc;
            const float *b = bp + j * kc;
            if (rows == v->mr && cols == v->nr) {
                v->kernel(kc, a, b, tile, ldc, alpha, accumulate);
                continue;
            }
            if (rows < v->mr && v->row_kernel) {
                if (cols == v->nr) {
                    v->row_kernel(rows, kc, a, b, tile, ldc, alpha, accumulate);
                    continue;
                }
                v->row_kernel(rows, kc, a, b, edge, v->nr, alpha, 0);
            } else {
                v->kernel(kc, a, b, edge, v->nr, alpha, 0);
            }
            for (size_t r = 0; r < rows; r++) {
                float *restrict target = tile + r * ldc;
                const float *restrict value = edge + r * v->nr;
                if (accumulate) {
                    for (size_t s = 0; s < cols; s++) target[s] += value[s];
                } else {
                    memcpy(target, value, cols * sizeof(float));
                }
            }
        }
    }
}

/// Alignment of the packing buffers (one cache line, so micro-panels start on a line).
enum { PACK_ALIGN = 64 };

/// The shared driver (see `sgemm_driver.h`). One cache-line-aligned scratch allocation per call
/// holds packed A (and B), sized to the product.
int bale_sgemm_run(const bale_variant *v, size_t m, size_t n, size_t k, float alpha, operand a, bale_b_source b,
                   int accumulate, float *c, size_t ldc) {
    const float *prepacked = b.prepacked;
    const size_t depth = k < v->kc ? k : v->kc;
    const size_t padded_m = m < v->mc ? round_up(m, v->mr) : v->mc;
    const size_t padded_n = round_up(n, v->nr);
    const size_t line = PACK_ALIGN / sizeof(float);
    const size_t a_floats = round_up(padded_m * depth, line);
    const size_t b_floats = prepacked ? 0 : round_up(depth * (padded_n < v->nc ? padded_n : v->nc), line);
    float *apack = aligned_alloc(PACK_ALIGN, (a_floats + b_floats) * sizeof(float));
    if (!apack) return BALE_ERROR_MEMORY;
    float *bpack = apack + a_floats;
    for (size_t jc = 0; jc < n; jc += v->nc) {
        const size_t nc = n - jc < v->nc ? n - jc : v->nc;
        for (size_t pc = 0; pc < k; pc += v->kc) {
            const size_t kc = k - pc < v->kc ? k - pc : v->kc;
            const float *bp = prepacked ? prepacked + pc * padded_n + jc * kc : bpack;
            if (!prepacked) b.pack(b.context, pc, kc, jc, nc, v->nr, bpack);
            const int add = accumulate || pc > 0;
            for (size_t ic = 0; ic < m; ic += v->mc) {
                const size_t mc = m - ic < v->mc ? m - ic : v->mc;
                pack_a(a, ic, mc, pc, kc, v->mr, apack);
                macro_block(v, mc, nc, kc, apack, bp, c + ic * ldc + jc, ldc, alpha, add);
            }
        }
    }
    free(apack);
    return BALE_OK;
}

int bale_sgemm_prepare(int isa, int trans_a, size_t m, size_t n, size_t k, size_t lda, int accumulate,
                       float *c, size_t ldc, const bale_variant **v, int *done) {
    *v = variant_for(isa == BALE_ISA_DEFAULT ? bale_isa_default() : isa);
    if (!*v) return BALE_ERROR_ISA;
    *done = 1;
    if (m == 0 || n == 0) return BALE_OK;
    if (ldc < n || lda < (trans_a ? m : k)) return BALE_ERROR_SHAPE;
    if (k == 0) {
        if (!accumulate) {
            for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
        }
        return BALE_OK;
    }
    *done = 0;
    return BALE_OK;
}

// MARK: - Public products

int bale_sgemm(int isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
               const float *a, size_t lda, const float *b, size_t ldb,
               int accumulate, float *c, size_t ldc) {
    if (m > 0 && n > 0 && k > 0 && ldb < (trans_b ? k : n)) return BALE_ERROR_SHAPE;
    const bale_variant *v;
    int done;
    const int status = bale_sgemm_prepare(isa, trans_a, m, n, k, lda, accumulate, c, ldc, &v, &done);
    if (status != BALE_OK || done) return status;
    const operand stored = make_operand(b, ldb, trans_b);
    const bale_b_source source = {pack_stored_b, &stored, NULL};
    return bale_sgemm_run(v, m, n, k, alpha, make_operand(a, lda, trans_a), source, accumulate, c, ldc);
}

size_t bale_pack_b_size(int isa, size_t k, size_t n) {
    const bale_variant *v = variant_for(isa);
    if (!v || k == 0 || n == 0 || n > SIZE_MAX - v->nr) return 0;
    const size_t padded = round_up(n, v->nr);
    if (padded > SIZE_MAX / sizeof(float) / k) return 0;
    return padded * k;
}

int bale_pack_b(int isa, int trans_b, size_t k, size_t n, const float *b, size_t ldb, float *packed) {
    const bale_variant *v = variant_for(isa);
    if (!v) return BALE_ERROR_ISA;
    if (k == 0 || n == 0) return BALE_OK;
    if (ldb < (trans_b ? k : n) || bale_pack_b_size(isa, k, n) == 0) return BALE_ERROR_SHAPE;
    const operand ob = make_operand(b, ldb, trans_b);
    const size_t padded_n = round_up(n, v->nr);
    // Same order as `run`: depth blocks of `kc`, each holding every `nr` panel of that depth.
    for (size_t pc = 0; pc < k; pc += v->kc) {
        const size_t kc = k - pc < v->kc ? k - pc : v->kc;
        pack_b(ob, pc, kc, 0, n, v->nr, packed + pc * padded_n);
    }
    return BALE_OK;
}

/// Where the `nr`-float vector `index` of B lands in the `bale_pack_b` layout (counted in vectors)
/// when `n` is a multiple of `nr` (no padded panel). Vector `index` holds the `nr` columns of panel
/// `t` at depth `p`: `index = p * panels + t`, or `t * k + p` with `panel_major`.
static size_t packed_vector(const bale_variant *v, int panel_major, size_t k, size_t panels, size_t index) {
    const size_t p = panel_major ? index % k : index / panels;
    const size_t t = panel_major ? index / k : index % panels;
    const size_t pc = p / v->kc * v->kc;
    const size_t kc = k - pc < v->kc ? k - pc : v->kc;
    return pc * panels + t * kc + (p - pc);
}

int bale_pack_b_in_place_supported(int isa, size_t k, size_t n) {
    const bale_variant *v = variant_for(isa);
    if (!v || v->nr > BALE_MAX_NR || k == 0 || n == 0 || n % v->nr != 0) return 0;
    const size_t size = bale_pack_b_size(isa, k, n);  // 0 when k * n overflows
    return size != 0 && size == k * n;
}

int bale_pack_b_in_place(int isa, int trans_b, size_t k, size_t n, float *b) {
    const bale_variant *v = variant_for(isa);
    if (!v) return BALE_ERROR_ISA;
    if (k == 0 || n == 0) return BALE_OK;
    if (!bale_pack_b_in_place_supported(isa, k, n)) return BALE_ERROR_SHAPE;
    const size_t nr = v->nr, panels = n / nr, count = k * panels;
    uint64_t *placed = calloc(count / 64 + 1, sizeof(uint64_t));
    float *panel = trans_b ? malloc(nr * k * sizeof(float)) : NULL;
    if (!placed || (trans_b && !panel)) {
        free(placed);
        free(panel);
        return BALE_ERROR_MEMORY;
    }
    if (trans_b) {
        // Each panel's `nr` stored rows (`nr × k`, contiguous) become `k` vectors of `nr` in place.
        for (size_t t = 0; t < panels; t++) {
            float *rows = b + t * nr * k;
            memcpy(panel, rows, nr * k * sizeof(float));
            for (size_t p = 0; p < k; p++) {
                for (size_t j = 0; j < nr; j++) rows[p * nr + j] = panel[j * k + p];
            }
        }
    }
    // Then move whole vectors: follow each permutation cycle once, carrying the vector out of
    // `start`, dropping it where it belongs and picking up the one there, until the cycle closes.
    float carried[BALE_MAX_NR], displaced[BALE_MAX_NR];
    for (size_t start = 0; start < count; start++) {
        if (placed[start / 64] >> (start % 64) & 1) continue;
        memcpy(carried, b + start * nr, nr * sizeof(float));
        for (size_t at = start;;) {
            const size_t to = packed_vector(v, trans_b, k, panels, at);
            placed[to / 64] |= (uint64_t)1 << (to % 64);
            memcpy(displaced, b + to * nr, nr * sizeof(float));
            memcpy(b + to * nr, carried, nr * sizeof(float));
            if (to == start) break;
            memcpy(carried, displaced, nr * sizeof(float));
            at = to;
        }
    }
    free(panel);
    free(placed);
    return BALE_OK;
}

int bale_sgemm_packed_b(int isa, int trans_a, size_t m, size_t n, size_t k, float alpha,
                        const float *a, size_t lda, const float *packed,
                        int accumulate, float *c, size_t ldc) {
    if (isa == BALE_ISA_DEFAULT) return BALE_ERROR_ISA;
    const bale_variant *v;
    int done;
    const int status = bale_sgemm_prepare(isa, trans_a, m, n, k, lda, accumulate, c, ldc, &v, &done);
    if (status != BALE_OK || done) return status;
    const bale_b_source source = {NULL, NULL, packed};
    return bale_sgemm_run(v, m, n, k, alpha, make_operand(a, lda, trans_a), source, accumulate, c, ldc);
}
