/// Conv as one sgemm whose B is the im2col matrix of the image, never stored. The image is copied
/// once into zero-padded planes (about `kernel_h·kernel_w` times smaller than the matrix), then:
///
/// - unit strides: output `(oh, ow)` becomes wide position `oh·width + ow` of the padded planes,
///   so each im2col row is one contiguous slice of a plane. A variant with an indirect kernel
///   (AVX-512) reads those slices and the weights in place, packing nothing; the others pack
///   slices into panels (`pack_wide`). Junk columns past `out_w` are computed and dropped.
/// - other strides: the driver packs each block of B run by run along output rows (`pack_image`).
///
/// Before this file, im2col unrolled the whole matrix and the driver packed it again: two copies
/// of the matrix per product, which took more time than the multiply-adds on small feature maps.
#include "CBaleKernels.h"
#include "sgemm_driver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// The image a product reads B from, copied once into zero-padded planes so that every tap reads
/// inside them: no read needs a bounds check.
typedef struct {
    const bale_conv_window *window;
    /// The padded planes, `channels` of `height × width`.
    const float *x;
    size_t height, width;
} conv_source;

/// `count` consecutive output positions along one output row, from `(oh, ow)`, that land at
/// column `j` of a panel.
typedef struct {
    size_t oh, ow, count, j;
} position_run;

/// Splits output positions `[first, first + live)` into runs along output rows; returns how many.
static size_t position_runs(const bale_conv_window *g, size_t first, size_t live, position_run *runs) {
    size_t count = 0, oh = first / g->out_w, ow = first % g->out_w;
    for (size_t j = 0; j < live; oh++, ow = 0) {
        const size_t n = g->out_w - ow < live - j ? g->out_w - ow : live - j;
        runs[count++] = (position_run){oh, ow, n, j};
        j += n;
    }
    return count;
}

/// Copies `n` floats (a panel row), in 16- then 4-float chunks: `__builtin_memcpy_inline` keeps
/// them inline (a `memcpy` call costs more than a panel row), and 16-float chunks packed the CNN
/// fixture's panels 2-3× faster than 4-float ones in a micro-benchmark.
static inline void copy_short(float *restrict out, const float *restrict in, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) __builtin_memcpy_inline(out + i, in + i, 16 * sizeof(float));
    for (; i + 4 <= n; i += 4) __builtin_memcpy_inline(out + i, in + i, 4 * sizeof(float));
    for (; i < n; i++) out[i] = in[i];
}

/// An im2col row `r = (channel · kernel_h + ki) · kernel_w + kj`, stepped one row at a time.
typedef struct {
    size_t channel, ki, kj;
} tap_index;

/// The tap of im2col row `r`.
static tap_index tap_at(const bale_conv_window *g, size_t r) {
    return (tap_index){r / (g->kernel_h * g->kernel_w), r / g->kernel_w % g->kernel_h, r % g->kernel_w};
}

/// Moves `tap` to the next im2col row.
static void tap_next(const bale_conv_window *g, tap_index *tap) {
    if (++tap->kj < g->kernel_w) return;
    tap->kj = 0;
    if (++tap->ki < g->kernel_h) return;
    tap->ki = 0;
    tap->channel++;
}

/// Where `tap` reads for output `(0, 0)` in the padded planes.
static size_t tap_offset(const conv_source *source, tap_index tap) {
    const bale_conv_window *g = source->window;
    return (tap.channel * source->height + tap.ki * g->dilation_h) * source->width + tap.kj * g->dilation_w;
}

/// The driver's B packer (`bale_pack_b_fn`) for a `conv_source`: im2col rows `[p0, p0 + depth)`,
/// positions `[c0, c0 + cols)`, in `nr`-column panels of `depth` steps each. Row `r` at output
/// `(oh, ow)` is padded element `tap_offset(r) + oh·stride_h·width + ow·stride_w`.
static void pack_image(const void *context, size_t p0, size_t depth, size_t c0, size_t cols, size_t nr,
                       float *out) {
    const conv_source *source = context;
    const bale_conv_window *g = source->window;
    const size_t row_step = g->stride_h * source->width, stride = g->stride_w;
    position_run runs[BALE_MAX_NR];
    for (size_t t = 0; t < cols; t += nr, out += nr * depth) {
        const size_t live = cols - t < nr ? cols - t : nr;
        const size_t count = position_runs(g, c0 + t, live, runs);
        tap_index tap = tap_at(g, p0);
        float *row = out;
        for (size_t p = 0; p < depth; p++, row += nr, tap_next(g, &tap)) {
            const float *base = source->x + tap_offset(source, tap);
            for (size_t r = 0; r < count; r++) {
                const position_run run = runs[r];
                const float *in = base + run.oh * row_step + run.ow * stride;
                for (size_t i = 0; i < run.count; i++) row[run.j + i] = in[i * stride];
            }
            for (size_t j = live; j < nr; j++) row[j] = 0.0f;
        }
    }
}

/// The B packer for unit strides over wide positions (`bale_sconv`): row `r` at wide position `q`
/// is padded element `tap_offset(r) + q`, so each panel row is one contiguous slice of a plane.
static void pack_wide(const void *context, size_t p0, size_t depth, size_t c0, size_t cols, size_t nr,
                      float *out) {
    const conv_source *source = context;
    tap_index tap = tap_at(source->window, p0);
    for (size_t p = 0; p < depth; p++, tap_next(source->window, &tap)) {
        const float *in = source->x + tap_offset(source, tap) + c0;
        float *row = out + p * nr;
        for (size_t t = 0; t < cols; t += nr, row += nr * depth, in += nr) {
            const size_t live = cols - t < nr ? cols - t : nr;
            copy_short(row, in, live);
            for (size_t j = live; j < nr; j++) row[j] = 0.0f;
        }
    }
}

/// Copies `x` into `padded` (`floats` long): `channels` planes of `height × width` with `window`'s
/// top and left padding, zero around the image and after the planes.
static void pad_image(const bale_conv_window *g, const float *x, size_t height, size_t width, size_t floats,
                      float *padded) {
    memset(padded, 0, floats * sizeof(float));
    for (size_t c = 0; c < g->channels; c++) {
        for (size_t i = 0; i < g->height; i++) {
            memcpy(padded + (c * height + g->pad_top + i) * width + g->pad_left, x + (c * g->height + i) * g->width,
                   g->width * sizeof(float));
        }
    }
}

/// The padded extent of one axis: the input after its begin padding, or as far as the last tap
/// of the last window reads, whichever is larger.
static size_t padded_extent(size_t input, size_t pad, size_t out, size_t stride, size_t kernel, size_t dilation) {
    const size_t read = out == 0 ? 0 : (out - 1) * stride + (kernel - 1) * dilation + 1;
    return input + pad > read ? input + pad : read;
}

/// `C (+)= product` over the live columns: output `(oh, ow)` of row `i` of `product` is at
/// `i · ld + oh · width + ow`.
static void add_live_columns(const bale_conv_window *g, size_t m, const float *product, size_t ld, size_t width,
                             int accumulate, float *c, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        for (size_t oh = 0; oh < g->out_h; oh++) {
            float *restrict target = c + i * ldc + oh * g->out_w;
            const float *restrict value = product + i * ld + oh * width;
            if (accumulate) {
                for (size_t ow = 0; ow < g->out_w; ow++) target[ow] += value[ow];
            } else {
                memcpy(target, value, g->out_w * sizeof(float));
            }
        }
    }
}

/// `product = W · B` over `n` wide positions (rows `ld` apart, `ld` a multiple of `nr` that the
/// full-width tiles fill), with W and B read in place by `v->indirect_kernel`: nothing is packed.
/// Blocked as the packed driver: `mc` rows of W stay in L2, and each `kc × nr` slice of the image
/// stays in L1 while their row tiles read it.
static int run_indirect(const bale_variant *v, const conv_source *source, size_t m, size_t k, size_t n,
                        const float *w, size_t ldw, float *product, size_t ld) {
    const size_t depth = k < v->kc ? k : v->kc;
    const float **taps = malloc(depth * sizeof(float *));
    if (!taps) return BALE_ERROR_MEMORY;
    for (size_t pc = 0; pc < k; pc += v->kc) {
        const size_t kc = k - pc < v->kc ? k - pc : v->kc;
        tap_index tap = tap_at(source->window, pc);
        for (size_t p = 0; p < kc; p++, tap_next(source->window, &tap)) taps[p] = source->x + tap_offset(source, tap);
        for (size_t ic = 0; ic < m; ic += v->mc) {
            const size_t end = m - ic < v->mc ? m : ic + v->mc;
            for (size_t j = 0; j < n; j += v->nr) {
                for (size_t i = ic; i < end; i += v->mr) {
                    const size_t rows = end - i < v->mr ? end - i : v->mr;
                    v->indirect_kernel(rows, kc, w + i * ldw + pc, ldw, taps, j, product + i * ld + j, ld, pc > 0);
                }
            }
        }
    }
    free(taps);
    return BALE_OK;
}

/// Whether every size fits `INT32_MAX` and every step is positive; sets the product's depth `k` and
/// width `n` when they do not overflow.
static int window_is_valid(const bale_conv_window *g, size_t *k, size_t *n) {
    const size_t sizes[] = {g->channels, g->height, g->width, g->kernel_h, g->kernel_w, g->stride_h, g->stride_w,
                            g->dilation_h, g->dilation_w, g->pad_top, g->pad_left, g->out_h, g->out_w};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] > INT32_MAX) return 0;
    }
    size_t taps;
    if (__builtin_mul_overflow(g->kernel_h, g->kernel_w, &taps) || __builtin_mul_overflow(taps, g->channels, k) ||
        __builtin_mul_overflow(g->out_h, g->out_w, n)) {
        return 0;
    }
    return g->kernel_h > 0 && g->kernel_w > 0 && g->stride_h > 0 && g->stride_w > 0 && g->dilation_h > 0 &&
           g->dilation_w > 0;
}

int bale_sconv(int isa, const bale_conv_window *window, size_t m, const float *w, size_t ldw, const float *x,
               int accumulate, float *c, size_t ldc) {
    size_t k, n;
    if (!window_is_valid(window, &k, &n)) return BALE_ERROR_SHAPE;
    const bale_variant *v;
    int done;
    const int status = bale_sgemm_prepare(isa, 0, m, n, k, ldw, accumulate, c, ldc, &v, &done);
    if (status != BALE_OK || done) return status;
    const bale_conv_window *g = window;
    const size_t height = padded_extent(g->height, g->pad_top, g->out_h, g->stride_h, g->kernel_h, g->dilation_h);
    const size_t width = padded_extent(g->width, g->pad_left, g->out_w, g->stride_w, g->kernel_w, g->dilation_w);
    // Unit strides: the product runs over wide positions `oh·width + ow` (junk columns past
    // `out_w` included, up to a whole tile) into a scratch product, whose live columns are then
    // added to C. The slack after the planes covers the junk columns' reads past the last one.
    const int wide = g->stride_h == 1 && g->stride_w == 1;
    const size_t slack = wide ? (g->kernel_w - 1) * g->dilation_w + v->nr : 0;
    // Pads may be far larger than the image: every size is checked before the allocation.
    size_t plane, image, wide_n, ld, product_floats, floats;
    if (__builtin_mul_overflow(height, width, &plane) || __builtin_mul_overflow(plane, g->channels, &image) ||
        __builtin_add_overflow(image, slack, &image) || __builtin_mul_overflow(g->out_h, width, &wide_n) ||
        __builtin_add_overflow(wide_n, v->nr - 1, &ld) || __builtin_mul_overflow(ld / v->nr * v->nr, m, &product_floats) ||
        __builtin_add_overflow(image, wide ? product_floats : 0, &floats) || floats > SIZE_MAX / sizeof(float)) {
        return BALE_ERROR_MEMORY;
    }
    ld = ld / v->nr * v->nr;
    float *padded = malloc(floats * sizeof(float));
    if (!padded) return BALE_ERROR_MEMORY;
    pad_image(g, x, height, width, image, padded);
    const conv_source source = {window, padded, height, width};
    const bale_operand a = {w, ldw, 1};
    int result;
    if (wide) {
        float *product = padded + image;
        const bale_b_source b = {pack_wide, &source, NULL};
        result = v->indirect_kernel ? run_indirect(v, &source, m, k, wide_n, w, ldw, product, ld)
                                    : bale_sgemm_run(v, m, wide_n, k, 1.0f, a, b, 0, product, ld);
        if (result == BALE_OK) add_live_columns(g, m, product, ld, width, accumulate, c, ldc);
    } else {
        const bale_b_source b = {pack_image, &source, NULL};
        result = bale_sgemm_run(v, m, n, k, 1.0f, a, b, accumulate, c, ldc);
    }
    free(padded);
    return result;
}
