/* argmax-monitor.wasm: a monitor plugin counting inferences, failures and, for the succeeded
 * ones, the argmax of the first output tensor (first occurrence of the largest value; NaNs are
 * skipped; indexes >= 15 count in bucket 15). Every `every` inferences (config, 1...1000000,
 * default 100) it logs one info line, e.g.
 *     inferences=200 failures=3 argmax=0:20,1:18,7:159
 * listing the non-zero buckets (counts since the start). All state is static: the host runs a
 * monitor on one instance and serializes its calls.
 */
#include "bale.h"

#define BUCKETS 16

static uint32_t every = 100;
static uint64_t inferences, failures;
static uint64_t buckets[BUCKETS];

BALE_EXPORT("bale_init")
int32_t bale_init(int32_t ptr, int32_t len) {
    if (!bale_in_memory(ptr, len)) { msg_reset(); msg_str("configuration out of bounds"); msg_fail(); return 1; }
    const uint8_t *text = (const uint8_t *)(uintptr_t)ptr;
    uint32_t at = 0;
    bale_config_line line;
    int status;
    while ((status = config_next(text, (uint32_t)len, &at, &line)) > 0) {
        if (!bytes_equal(line.key, line.key_len, "every")) {
            fail_unknown_key(&line, "every");
            return 1;
        }
        /* A whole number like Swift's Int(text): optional sign, then digits. */
        uint32_t i = 0, digits = 0;
        int negative = 0;
        uint64_t value = 0;
        if (i < line.value_len && (line.value[i] == '+' || line.value[i] == '-')) negative = line.value[i++] == '-';
        for (; i < line.value_len && line.value[i] >= '0' && line.value[i] <= '9'; i++, digits++) {
            if (value <= 1000000) value = value * 10 + (uint64_t)(line.value[i] - '0');
        }
        if (i != line.value_len || !digits || negative || value < 1 || value > 1000000) {
            msg_reset();
            msg_key(&line);
            msg_str("\"");
            msg_bytes(line.value, line.value_len > 64 ? 64 : line.value_len);
            msg_str("\" must be a whole number from 1 to 1000000");
            msg_fail();
            return 1;
        }
        every = (uint32_t)value;
    }
    return status < 0 ? 1 : 0;
}

static int32_t fail(const char *message) {
    msg_reset();
    msg_str(message);
    msg_fail();
    return 1;
}

BALE_EXPORT("bale_monitor")
int32_t bale_monitor(int32_t ptr, int32_t len) {
    if (!bale_in_memory(ptr, len)) return fail("monitor record out of bounds");
    bale_reader r = {(const uint8_t *)(uintptr_t)ptr, (uint32_t)len, 0};
    uint32_t kind, ok, total_us, count;
    if (!rd_u32(&r, &kind) || !rd_u32(&r, &ok) || !rd_u32(&r, &total_us) || !rd_u32(&r, &count)) {
        return fail("malformed monitor record: shorter than its header");
    }
    if (kind != BALE_KIND_MONITOR) return fail("malformed monitor record: its kind is not 4");
    if (ok > 1) return fail("malformed monitor record: ok is neither 0 nor 1");
    /* Check the whole record before counting it. */
    bale_tensor first = {0}, t;
    for (uint32_t i = 0; i < count; i++) {
        if (!rd_tensor(&r, i, &t)) return 1;
        if (i == 0) first = t;
    }
    if (r.at != r.len) return fail("malformed monitor record: bytes after the last tensor");

    inferences++;
    if (!ok) {
        failures++;
    } else if (count > 0) {
        int64_t best_index = -1;
        float best = 0;
        for (uint32_t i = 0; i < first.count; i++) {
            float v = rd_f32_at(r.base + first.values_at + 4u * i);
            if (v != v) continue;
            if (best_index < 0 || v > best) { best = v; best_index = i; }
        }
        if (best_index >= 0) buckets[best_index < BUCKETS - 1 ? best_index : BUCKETS - 1]++;
    }

    if (inferences % every == 0) {
        msg_reset();
        msg_str("inferences=");
        msg_u64(inferences);
        msg_str(" failures=");
        msg_u64(failures);
        msg_str(" argmax=");
        int first_bucket = 1;
        for (uint32_t b = 0; b < BUCKETS; b++) {
            if (!buckets[b]) continue;
            if (!first_bucket) msg_str(",");
            first_bucket = 0;
            msg_u64(b);
            msg_str(":");
            msg_u64(buckets[b]);
        }
        msg_log(1);
    }
    return 0;
}
