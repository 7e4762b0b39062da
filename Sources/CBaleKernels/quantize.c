// Dynamic activation quantization for the int8 products: plain C that compilers vectorise for
// the baseline ISA (eight independent lanes for the range, a branch-free loop to quantize).
#include "CBaleQuantKernels.h"

#pragma STDC FP_CONTRACT OFF

enum { LANES = 8 };

void bale_range_with_zero(const float *x, size_t n, float *low, float *high) {
    float lo[LANES] = {0}, hi[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        for (size_t l = 0; l < LANES; l++) {
            const float v = x[i + l];
            // A NaN compares false, so the running bound stays.
            lo[l] = v < lo[l] ? v : lo[l];
            hi[l] = v > hi[l] ? v : hi[l];
        }
    }
    for (; i < n; i++) {
        lo[0] = x[i] < lo[0] ? x[i] : lo[0];
        hi[0] = x[i] > hi[0] ? x[i] : hi[0];
    }
    float l = 0, h = 0;
    for (size_t k = 0; k < LANES; k++) {
        l = lo[k] < l ? lo[k] : l;
        h = hi[k] > h ? hi[k] : h;
    }
    *low = l;
    *high = h;
}

void bale_quantize_u8(const float *x, size_t n, float scale, uint8_t zero_point, uint8_t *out) {
    // Adding and subtracting 1.5 * 2^23 rounds half to even (the default rounding mode) for
    // |v| < 2^22; larger values are integers already.
    const float magic = 12582912.0f, offset = (float)zero_point;
    for (size_t i = 0; i < n; i++) {
        const float v = x[i] / scale;
        const float magnitude = v < 0 ? -v : v;
        const float rounded = magnitude < 4194304.0f ? (v + magic) - magic : v;
        const float shifted = rounded + offset;
        const float clamped = shifted > 0 ? (shifted < 255 ? shifted : 255) : 0;  // NaN → 0
        out[i] = (uint8_t)(int)clamped;
    }
}
