/* normalize.wasm: a preprocess plugin computing, in f32, x = v * scale; (x - mean) / std,
 * bit-identical to Bale's native `normalize` plugin.
 *
 * Config (all optional): scale (default 1), mean (default 0), std (default 1); each one decimal
 * number or one per channel separated by '/' (0.485/0.456/0.406).
 * Input: raw bytes (each byte one value; the output is one f32 tensor [n] with an empty name,
 * i.e. the model's only input) or f32 tensors (each normalized, same names and shapes).
 * Channels, as in the native plugin: axis 1 when a tensor has rank >= 3 and that axis has one
 * entry per channel (NCHW), else the last axis (NHWC or interleaved flat values).
 */
#include "bale.h"

#define MAX_CHANNELS 256

/* Zero-initialized (no data in the module); a count of 0 means "not set", see set_defaults. */
static float scale[MAX_CHANNELS], mean[MAX_CHANNELS], stdev[MAX_CHANNELS];
static uint32_t scale_n, mean_n, std_n;
static uint32_t channels = 1;

/* scale 1, mean 0, std 1 for the keys that were not set. */
static void set_defaults(void) {
    if (!scale_n) { scale[0] = 1; scale_n = 1; }
    if (!mean_n) { mean[0] = 0; mean_n = 1; }
    if (!std_n) { stdev[0] = 1; std_n = 1; }
}

/* 10^0 ... 10^22, every one exactly representable as a double. */
static const double powers_of_ten[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

enum { NUMBER_OK = 0, NUMBER_SYNTAX = 1, NUMBER_INEXACT = 2 };

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Decimal text ([+-]digits[.digits][(e|E)[+-]digits]) as Float(Double(text)!) would give it,
 * for the numbers whose double is one correctly rounded operation on exact doubles: at most 19
 * significant digits, a mantissa below 2^53 and a decimal exponent within +-22 (Clinger's fast
 * path, equal to strtod). Anything else is NUMBER_INEXACT and refused. */
static int parse_number(const uint8_t *s, uint32_t n, float *out) {
    uint32_t i = 0;
    int negative = 0, digits = 0, dropped = 0;
    uint64_t mantissa = 0;
    int64_t exponent = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    for (; i < n && is_digit(s[i]); i++, digits++) {
        if (mantissa < 1000000000000000000ull) mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        else { exponent++; dropped |= s[i] != '0'; }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++, digits++) {
            if (mantissa < 1000000000000000000ull) { mantissa = mantissa * 10 + (uint64_t)(s[i] - '0'); exponent--; }
            else dropped |= s[i] != '0';
        }
    }
    if (!digits) return NUMBER_SYNTAX;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int exp_negative = 0, exp_digits = 0;
        int64_t e = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
        for (; i < n && is_digit(s[i]); i++, exp_digits++) {
            if (e < 100000) e = e * 10 + (s[i] - '0');
        }
        if (!exp_digits) return NUMBER_SYNTAX;
        exponent += exp_negative ? -e : e;
    }
    if (i != n) return NUMBER_SYNTAX;
    if (dropped) return NUMBER_INEXACT;
    double value = 0;
    if (mantissa != 0) {
        while (mantissa % 10 == 0) { mantissa /= 10; exponent++; }
        if (mantissa >= (1ull << 53) || exponent < -22 || exponent > 22) return NUMBER_INEXACT;
        value = (double)mantissa;
        value = exponent < 0 ? value / powers_of_ten[-exponent] : value * powers_of_ten[exponent];
    }
    *out = (float)(negative ? -value : value);
    return NUMBER_OK;
}

/* Parses the '/'-separated list of `line` into `list`; 0 after msg_fail when it is not numbers. */
static int parse_list(const bale_config_line *line, float *list, uint32_t *count) {
    const uint8_t *v = line->value;
    uint32_t n = line->value_len, start = 0, found = 0;
    for (uint32_t i = 0; i <= n; i++) {
        if (i < n && v[i] != '/') continue;
        if (found == MAX_CHANNELS) {
            msg_reset();
            msg_key(line);
            msg_str("more than 256 values");
            msg_fail();
            return 0;
        }
        int status = parse_number(v + start, i - start, &list[found]);
        if (status != NUMBER_OK) {
            msg_reset();
            msg_key(line);
            msg_str("\"");
            if (status == NUMBER_INEXACT) {
                msg_bytes(v + start, i - start > 64 ? 64 : i - start);
                msg_str("\" has too many digits (numbers of up to 15 significant digits with an exponent within 22 are parsed exactly)");
            } else {
                msg_bytes(line->value, n > 64 ? 64 : n);
                msg_str("\" must be a number or numbers separated by '/', e.g. 0.485/0.456/0.406");
            }
            msg_fail();
            return 0;
        }
        found++;
        start = i + 1;
    }
    *count = found;
    return 1;
}

BALE_EXPORT("bale_init")
int32_t bale_init(int32_t ptr, int32_t len) {
    if (!bale_in_memory(ptr, len)) { msg_reset(); msg_str("configuration out of bounds"); msg_fail(); return 1; }
    const uint8_t *text = (const uint8_t *)(uintptr_t)ptr;
    uint32_t at = 0;
    bale_config_line line;
    int status;
    while ((status = config_next(text, (uint32_t)len, &at, &line)) > 0) {
        if (bytes_equal(line.key, line.key_len, "scale")) {
            if (!parse_list(&line, scale, &scale_n)) return 1;
        } else if (bytes_equal(line.key, line.key_len, "mean")) {
            if (!parse_list(&line, mean, &mean_n)) return 1;
        } else if (bytes_equal(line.key, line.key_len, "std")) {
            if (!parse_list(&line, stdev, &std_n)) return 1;
        } else {
            fail_unknown_key(&line, "mean, scale, std");
            return 1;
        }
    }
    if (status < 0) return 1;
    set_defaults();
    channels = scale_n;
    if (mean_n > channels) channels = mean_n;
    if (std_n > channels) channels = std_n;
    static const char *const names[3] = {"scale", "mean", "std"};
    const uint32_t counts[3] = {scale_n, mean_n, std_n};
    for (int k = 0; k < 3; k++) {
        if (counts[k] != 1 && counts[k] != channels) {
            msg_reset();
            msg_str("key '");
            msg_str(names[k]);
            msg_str("': has ");
            msg_u64(counts[k]);
            msg_str(" values, but another key has ");
            msg_u64(channels);
            msg_str("; give one value or one per channel");
            msg_fail();
            return 1;
        }
    }
    for (uint32_t c = 0; c < std_n; c++) {
        if (stdev[c] == 0) {
            msg_reset();
            msg_str("key 'std': value ");
            msg_u64(c + 1);
            msg_str(" is 0; a standard deviation must not be zero");
            msg_fail();
            return 1;
        }
    }
    return 0;
}

static int64_t fail(const char *message) {
    msg_reset();
    msg_str(message);
    msg_fail();
    return -1;
}

/* Elements between values of consecutive channels in a tensor of `rank` dims at `dims`, as the
 * native plugin picks it; 0 (after msg_fail) when no axis holds the channels. */
static uint32_t channel_stride(const uint8_t *dims, uint32_t rank, const uint8_t *name, uint32_t name_len) {
    if (channels == 1) return 1;
    if (rank >= 3) {
        bale_reader r = {dims, rank * 4u, 4};
        uint32_t d1, d, stride = 1;
        rd_u32(&r, &d1);
        if (d1 == channels) {
            for (uint32_t i = 2; i < rank; i++) { rd_u32(&r, &d); stride *= d; }
            return stride ? stride : 1; /* 0 only when there are no elements */
        }
    }
    if (rank >= 1) {
        bale_reader r = {dims, rank * 4u, (rank - 1) * 4u};
        uint32_t last;
        rd_u32(&r, &last);
        if (last % channels == 0) return 1;
    }
    msg_reset();
    msg_str("tensor '");
    msg_bytes(name, name_len > 64 ? 64 : name_len);
    msg_str("' of shape [");
    for (uint32_t i = 0; i < rank && i < 8; i++) {
        bale_reader r = {dims, rank * 4u, i * 4u};
        uint32_t d;
        rd_u32(&r, &d);
        if (i) msg_str(", ");
        msg_u64(d);
    }
    if (rank > 8) msg_str(", ...");
    msg_str("] has no axis of ");
    msg_u64(channels);
    msg_str(" channels for the per-channel values");
    msg_fail();
    return 0;
}

/* x * scale, then (x - mean) / std, in f32, for the values at `values` (in place is fine). */
static void normalize(const uint8_t *in, uint8_t *out, uint32_t count, uint32_t stride) {
    for (uint32_t i = 0; i < count; i++) {
        uint32_t c = channels == 1 ? 0 : (i / stride) % channels;
        float x = rd_f32_at(in + 4u * i) * scale[scale_n == 1 ? 0 : c];
        wr_f32_at(out + 4u * i, (x - mean[mean_n == 1 ? 0 : c]) / stdev[std_n == 1 ? 0 : c]);
    }
}

static int64_t result(const uint8_t *out, uint32_t len) {
    return (int64_t)((uint64_t)(uint32_t)(uintptr_t)out << 32 | len);
}

/* Raw bytes: each byte one value; one f32 tensor [n] with an empty name. */
static int64_t from_bytes(const uint8_t *bytes, uint32_t n) {
    uint8_t dims[4];
    wr_u32_at(dims, n);
    uint32_t stride = channel_stride(dims, 1, (const uint8_t *)"", 0);
    if (!stride) return -1;
    uint64_t size = 24 + (uint64_t)n * 4;
    uint8_t *out = bale_take(size);
    if (!out) return fail("out of memory for the output tensor");
    wr_u32_at(out, BALE_KIND_TENSORS);
    wr_u32_at(out + 4, 1);                /* one tensor */
    wr_u32_at(out + 8, BALE_DTYPE_F32);
    wr_u32_at(out + 12, 1);               /* rank 1 */
    wr_u32_at(out + 16, 0);               /* empty name: the model's only input */
    wr_u32_at(out + 20, n);
    uint8_t *values = out + 24;
    for (uint32_t i = 0; i < n; i++) wr_f32_at(values + 4u * i, (float)bytes[i]);
    normalize(values, values, n, stride);
    return result(out, (uint32_t)size);
}

/* f32 tensors: the same list with every value normalized. */
static int64_t from_tensors(const uint8_t *buffer, uint32_t len) {
    bale_reader r = {buffer, len, 4};
    uint32_t count;
    if (!rd_u32(&r, &count)) return fail("malformed tensor list: no tensor count");
    bale_tensor t;
    for (uint32_t i = 0; i < count; i++) {
        if (!rd_tensor(&r, i, &t)) return -1;
        if (!channel_stride(buffer + t.dims_at, t.rank, t.name, t.name_len)) return -1;
    }
    if (r.at != len) return fail("malformed tensor list: bytes after the last tensor");
    uint8_t *out = bale_take(len);
    if (!out) return fail("out of memory for the output tensors");
    bale_copy(out, buffer, len);
    r.at = 8;
    for (uint32_t i = 0; i < count; i++) {
        rd_tensor(&r, i, &t);
        uint32_t stride = channel_stride(buffer + t.dims_at, t.rank, t.name, t.name_len);
        normalize(buffer + t.values_at, out + t.values_at, t.count, stride);
    }
    return result(out, len);
}

BALE_EXPORT("bale_preprocess")
int64_t bale_preprocess(int32_t ptr, int32_t len) {
    if (!bale_in_memory(ptr, len)) return fail("payload out of bounds");
    set_defaults(); /* when the host did not call bale_init */
    const uint8_t *buffer = (const uint8_t *)(uintptr_t)ptr;
    bale_reader r = {buffer, (uint32_t)len, 0};
    uint32_t kind;
    if (!rd_u32(&r, &kind)) return fail("malformed payload: shorter than its kind");
    switch (kind) {
    case BALE_KIND_BYTES: return from_bytes(buffer + 4, (uint32_t)len - 4);
    case BALE_KIND_TENSORS: return from_tensors(buffer, (uint32_t)len);
    case BALE_KIND_JSON: return fail("send raw bytes or tensors (put it after a plugin that makes tensors)");
    default:
        msg_reset();
        msg_str("malformed payload: unknown kind ");
        msg_u64(kind);
        msg_fail();
        return -1;
    }
}
