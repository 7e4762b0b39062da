/* Shared helpers for the example Bale WebAssembly plugins (ABI version 1, see docs/wasm-plugins.md).
 *
 * Freestanding C, no libc: a bump allocator that bale_alloc resets on every call, the host
 * imports, a small message builder and bounds-checked readers of payload buffers.
 * Every function here is static, so a module exports only what it marks with export_name.
 */
#ifndef BALE_H
#define BALE_H

#include <stdint.h>

#define BALE_EXPORT(name) __attribute__((export_name(name)))

/* Host functions (module "bale"). */
__attribute__((import_module("bale"), import_name("log")))
void bale_host_log(int32_t level, const char *ptr, int32_t len);
__attribute__((import_module("bale"), import_name("error")))
void bale_host_error(const char *ptr, int32_t len);

enum { BALE_KIND_BYTES = 1, BALE_KIND_JSON = 2, BALE_KIND_TENSORS = 3, BALE_KIND_MONITOR = 4 };
enum { BALE_DTYPE_F32 = 1 };

/* The ABI version: a custom section "bale_abi_version" holding the ASCII digits "1". (Clang
 * puts C data in the data section whatever its section attribute says; an assembler directive
 * makes a custom section, which wasm-ld keeps even with --strip-all.) */
__asm__(".section .custom_section.bale_abi_version,\"\",@\n.ascii \"1\"\n.text\n");

/* ---- memory ---------------------------------------------------------------------------- */

extern unsigned char __heap_base;

/* Pointers stay below 2 GiB so that (ptr << 32) | len is a positive i64. */
#define BALE_HEAP_LIMIT 0x80000000u
#define BALE_PAGE 65536u

static uint32_t bale_heap_top;

/* `size` bytes, 8-aligned, after everything allocated since the last bale_alloc; 0 on failure. */
static uint8_t *bale_take(uint64_t size) {
    uint64_t start = ((uint64_t)bale_heap_top + 7u) & ~(uint64_t)7u;
    uint64_t end = start + size;
    if (end > BALE_HEAP_LIMIT) return 0;
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * BALE_PAGE;
    if (end > have) {
        uint64_t pages = (end - have + BALE_PAGE - 1) / BALE_PAGE;
        if (__builtin_wasm_memory_grow(0, (uint32_t)pages) == (__SIZE_TYPE__)-1) return 0;
    }
    bale_heap_top = (uint32_t)end;
    return (uint8_t *)(uintptr_t)start;
}

/* The host calls this exactly once right before each call, so everything of the previous call
 * is freed here. */
BALE_EXPORT("bale_alloc")
int32_t bale_alloc(int32_t size) {
    bale_heap_top = (uint32_t)(uintptr_t)&__heap_base;
    if (size < 0) return 0;
    return (int32_t)(uintptr_t)bale_take((uint64_t)size);
}

/* Whether [ptr, ptr+len) lies in linear memory. */
static inline int bale_in_memory(int32_t ptr, int32_t len) {
    if (ptr < 0 || len < 0) return 0;
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * BALE_PAGE;
    return (uint64_t)(uint32_t)ptr + (uint32_t)len <= have;
}

static inline void bale_copy(uint8_t *to, const uint8_t *from, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) to[i] = from[i];
}

/* ---- messages -------------------------------------------------------------------------- */

static char bale_msg[512];
static uint32_t bale_msg_len;

static inline void msg_reset(void) { bale_msg_len = 0; }

static inline void msg_bytes(const uint8_t *s, uint32_t n) {
    for (uint32_t i = 0; i < n && bale_msg_len < sizeof bale_msg; i++) bale_msg[bale_msg_len++] = (char)s[i];
}

static inline void msg_str(const char *s) {
    while (*s && bale_msg_len < sizeof bale_msg) bale_msg[bale_msg_len++] = *s++;
}

static inline void msg_u64(uint64_t v) {
    char digits[20];
    uint32_t n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n && bale_msg_len < sizeof bale_msg) bale_msg[bale_msg_len++] = digits[--n];
}

/* Reports the message built so far as the call's failure. */
static inline void msg_fail(void) { bale_host_error(bale_msg, (int32_t)bale_msg_len); }

static inline void msg_log(int32_t level) { bale_host_log(level, bale_msg, (int32_t)bale_msg_len); }

/* ---- reading buffers ------------------------------------------------------------------- */

typedef struct {
    const uint8_t *base;
    uint32_t len;
    uint32_t at;
} bale_reader;

static inline int rd_u32(bale_reader *r, uint32_t *v) {
    if (r->len - r->at < 4) return 0;
    const uint8_t *p = r->base + r->at;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->at += 4;
    return 1;
}

/* One tensor's header, read and checked against the buffer (the values are in bounds). */
typedef struct {
    const uint8_t *name;
    uint32_t name_len;
    uint32_t rank;
    uint32_t dims_at;   /* offset of the dims */
    uint32_t values_at; /* offset of the f32 values */
    uint32_t count;     /* number of elements */
} bale_tensor;

/* Reads one f32 tensor at r->at, leaving r->at after its values. 0 (after msg_fail) when malformed. */
static inline int rd_tensor(bale_reader *r, uint32_t index, bale_tensor *t) {
    uint32_t dtype, rank, name_len;
    if (!rd_u32(r, &dtype) || !rd_u32(r, &rank) || !rd_u32(r, &name_len)) goto short_buffer;
    if (name_len > r->len - r->at) goto short_buffer;
    t->name = r->base + r->at;
    t->name_len = name_len;
    uint32_t padded = (name_len + 3u) & ~3u;
    if (padded < name_len || padded > r->len - r->at) goto short_buffer;
    r->at += padded;
    if (dtype != BALE_DTYPE_F32) {
        msg_reset();
        msg_str("tensor '");
        msg_bytes(t->name, name_len > 64 ? 64 : name_len);
        msg_str("' has dtype ");
        msg_u64(dtype);
        msg_str("; only f32 (dtype 1) is supported");
        msg_fail();
        return 0;
    }
    if (rank > (r->len - r->at) / 4) goto short_buffer;
    t->rank = rank;
    t->dims_at = r->at;
    uint64_t count = 1;
    for (uint32_t i = 0; i < rank; i++) {
        uint32_t d;
        rd_u32(r, &d);
        count *= d;
        if (count > r->len) count = (uint64_t)r->len + 1; /* cannot fit; avoid overflow */
    }
    if (count > (r->len - r->at) / 4) goto short_buffer;
    t->values_at = r->at;
    t->count = (uint32_t)count;
    r->at += t->count * 4u;
    return 1;
short_buffer:
    msg_reset();
    msg_str("malformed tensor list: tensor ");
    msg_u64(index);
    msg_str(" runs past the end of the ");
    msg_u64(r->len);
    msg_str("-byte buffer");
    msg_fail();
    return 0;
}

static inline float rd_f32_at(const uint8_t *p) {
    union { uint32_t u; float f; } v;
    v.u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return v.f;
}

static inline void wr_u32_at(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static inline void wr_f32_at(uint8_t *p, float f) {
    union { uint32_t u; float f; } v;
    v.f = f;
    wr_u32_at(p, v.u);
}

/* ---- config text: "key=value\n" lines ---------------------------------------------------- */

typedef struct {
    const uint8_t *key, *value;
    uint32_t key_len, value_len;
} bale_config_line;

/* The next line of the config at *at; 0 at the end, -1 (after msg_fail) when malformed. */
static inline int config_next(const uint8_t *text, uint32_t len, uint32_t *at, bale_config_line *line) {
    if (*at >= len) return 0;
    uint32_t start = *at, eq = start, end = start;
    while (end < len && text[end] != '\n') end++;
    while (eq < end && text[eq] != '=') eq++;
    *at = end < len ? end + 1 : end;
    if (eq == end) {
        msg_reset();
        msg_str("malformed configuration line '");
        msg_bytes(text + start, end - start > 64 ? 64 : end - start);
        msg_str("' (expected key=value)");
        msg_fail();
        return -1;
    }
    line->key = text + start;
    line->key_len = eq - start;
    line->value = text + eq + 1;
    line->value_len = end - eq - 1;
    return 1;
}

static inline int bytes_equal(const uint8_t *a, uint32_t n, const char *s) {
    uint32_t i = 0;
    for (; i < n; i++) if (s[i] == 0 || (uint8_t)s[i] != a[i]) return 0;
    return s[i] == 0;
}

static inline void msg_key(const bale_config_line *line) {
    msg_str("key '");
    msg_bytes(line->key, line->key_len > 64 ? 64 : line->key_len);
    msg_str("': ");
}

/* Starts the message "unknown key 'K' (accepted: ...)". */
static inline void fail_unknown_key(const bale_config_line *line, const char *accepted) {
    msg_reset();
    msg_str("unknown key '");
    msg_bytes(line->key, line->key_len > 64 ? 64 : line->key_len);
    msg_str("' (accepted: ");
    msg_str(accepted);
    msg_str(")");
    msg_fail();
}

#endif
