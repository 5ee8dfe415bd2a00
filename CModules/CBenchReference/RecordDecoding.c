// The C reference for pmu-bench's sampling rows: perf ring-buffer records
// framed and decoded as a careful C reader would, doing what the library's
// RecordFraming.walk + RecordDecoder.decode do for samples of fixed fields
// (IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD): bounds-checked
// header and size, a record that wraps copied out whole, each present field
// loaded, and the same sum stored so that nothing is optimised away.
#define _GNU_SOURCE
#include "CBenchReference.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

struct cbr_sample {
    uint64_t identifier, ip, time, addr, id, stream_id, period;
    uint32_t pid, tid, cpu;
    uint64_t present;
};

static inline uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/// Decodes one record; returns 0 (a sample or a record skipped by size) or -EIO when too short.
static inline int decode_record(const uint8_t *record, uint32_t size, uint64_t type, uint64_t *sum) {
    if (size < 8) return -EIO;
    uint32_t kind = load32(record);
    if (kind != PERF_RECORD_SAMPLE) return 0;
    struct cbr_sample s;
    s.present = type;
    uint32_t offset = 8;
    uint32_t fixed = 8;
    for (uint64_t bits = type & (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
                                 PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |
                                 PERF_SAMPLE_PERIOD); bits; bits &= bits - 1) fixed += 8;
    if (size < fixed) return -EIO;
    if (type & PERF_SAMPLE_IDENTIFIER) { s.identifier = load64(record + offset); offset += 8; } else s.identifier = 0;
    if (type & PERF_SAMPLE_IP) { s.ip = load64(record + offset); offset += 8; } else s.ip = 0;
    if (type & PERF_SAMPLE_TID) { s.pid = load32(record + offset); s.tid = load32(record + offset + 4); offset += 8; }
    else { s.pid = 0; s.tid = 0; }
    if (type & PERF_SAMPLE_TIME) { s.time = load64(record + offset); offset += 8; } else s.time = 0;
    if (type & PERF_SAMPLE_ADDR) { s.addr = load64(record + offset); offset += 8; } else s.addr = 0;
    if (type & PERF_SAMPLE_ID) { s.id = load64(record + offset); offset += 8; } else s.id = 0;
    if (type & PERF_SAMPLE_STREAM_ID) { s.stream_id = load64(record + offset); offset += 8; } else s.stream_id = 0;
    if (type & PERF_SAMPLE_CPU) { s.cpu = load32(record + offset); offset += 8; } else s.cpu = 0;
    if (type & PERF_SAMPLE_PERIOD) { s.period = load64(record + offset); offset += 8; } else s.period = 0;
    *sum += (s.ip ^ s.time) + s.tid + s.pid + s.period + s.cpu + s.id + s.identifier + s.addr + s.stream_id;
    return 0;
}

/// Every record between tail and head of a circular area; returns the records, or -EIO.
static inline int64_t walk(const uint8_t *data, uint64_t size, uint64_t tail, uint64_t head, uint64_t type,
                           uint8_t *scratch, uint64_t *sum) {
    if (size < 8 || (size & (size - 1)) != 0 || head - tail > size) return -EIO;
    uint64_t mask = size - 1, position = tail;
    int64_t records = 0;
    while (position != head) {
        uint64_t remaining = head - position;
        if (remaining < 8) return -EIO;
        uint64_t offset = position & mask;
        uint16_t length;
        if (offset + 8 <= size) memcpy(&length, data + offset + 6, 2);
        else {
            uint64_t first = size - offset;
            memcpy(scratch, data + offset, first);
            memcpy(scratch + first, data, 8 - first);
            memcpy(&length, scratch + 6, 2);
        }
        if (length < 8 || length > remaining) return -EIO;
        const uint8_t *record = data + offset;
        if (offset + length > size) {
            uint64_t first = size - offset;
            memcpy(scratch, data + offset, first);
            memcpy(scratch + first, data, length - first);
            record = scratch;
        }
        if (decode_record(record, length, type, sum) < 0) return -EIO;
        position += length;
        records++;
    }
    return records;
}

int64_t cbr_decode_records_loop(const uint8_t *data, uint64_t size, uint64_t tail, uint64_t head,
                                uint64_t sample_type, uint8_t *scratch, uint64_t *sink,
                                uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        uint64_t sum = 0;
        int64_t records = walk(data, size, tail, head, sample_type, scratch, &sum);
        *sink = sum;
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (records < 0) return records;
    }
    return 0;
}

int64_t cbr_drain_loop(void *page, uint64_t sample_type, uint8_t *scratch, uint64_t *sink,
                       uint64_t *samples, uint64_t count) {
    struct perf_event_mmap_page *meta = page;
    const uint8_t *data = (const uint8_t *)page + meta->data_offset;
    uint64_t size = meta->data_size;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        (void)getppid();
        uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
        uint64_t tail = meta->data_tail;
        uint64_t sum = 0;
        int64_t records = walk(data, size, tail, head, sample_type, scratch, &sum);
        __atomic_store_n(&meta->data_tail, head, __ATOMIC_RELEASE);
        *sink = sum;
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (records < 0) return records;
        if (records == 0) return -ENODATA;
    }
    return 0;
}
