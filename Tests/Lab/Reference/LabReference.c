// The C references of the lab's bench rows (see LabReference.h): what a careful engineer
// writes by hand, nothing between the clock reads but the operations and their checks.
#define _GNU_SOURCE
#include "LabReference.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

#define barrier() __asm__ __volatile__("" ::: "memory")

int64_t lab_read_size(int32_t fd) {
    uint64_t buffer[64];
    ssize_t got = read(fd, buffer, sizeof buffer);
    return got < 0 ? -(int64_t)errno : (int64_t)got;
}

int64_t lab_read_batch(int32_t fd, uint64_t size, uint64_t ops) {
    uint64_t buffer[64];
    if (size > sizeof buffer) return -EINVAL;
    ssize_t got = (ssize_t)size;
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < ops && got == (ssize_t)size; i++) got = read(fd, buffer, (size_t)size);
    uint64_t end = now_ns();
    if (got != (ssize_t)size) return got < 0 ? -(int64_t)errno : -EIO;
    return (int64_t)(end - start);
}

const void *lab_map_page(int32_t fd) {
    void *page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
    return page == MAP_FAILED ? NULL : page;
}

void lab_unmap_page(const void *page) { munmap((void *)page, (size_t)sysconf(_SC_PAGESIZE)); }

#if defined(__aarch64__)
#define READ_EVCNTR(n) case n: __asm__ __volatile__("mrs %0, pmevcntr" #n "_el0" : "=r"(value)); break;
static inline __attribute__((always_inline)) uint64_t read_counter(uint32_t index) {
    uint64_t value = 0;
    switch (index) {
    READ_EVCNTR(0) READ_EVCNTR(1) READ_EVCNTR(2) READ_EVCNTR(3) READ_EVCNTR(4) READ_EVCNTR(5)
    READ_EVCNTR(6) READ_EVCNTR(7) READ_EVCNTR(8) READ_EVCNTR(9) READ_EVCNTR(10) READ_EVCNTR(11)
    READ_EVCNTR(12) READ_EVCNTR(13) READ_EVCNTR(14) READ_EVCNTR(15) READ_EVCNTR(16) READ_EVCNTR(17)
    READ_EVCNTR(18) READ_EVCNTR(19) READ_EVCNTR(20) READ_EVCNTR(21) READ_EVCNTR(22) READ_EVCNTR(23)
    READ_EVCNTR(24) READ_EVCNTR(25) READ_EVCNTR(26) READ_EVCNTR(27) READ_EVCNTR(28) READ_EVCNTR(29)
    READ_EVCNTR(30)
    case 31: __asm__ __volatile__("mrs %0, pmccntr_el0" : "=r"(value)); break;
    default: break;
    }
    return value;
}
static inline uint64_t read_clock(void) {
    uint64_t value;
    __asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(value) :: "memory");
    return value;
}
#else
static inline uint64_t read_counter(uint32_t index) { (void)index; return 0; }
static inline uint64_t read_clock(void) { return 0; }
#endif

// One read of the page, the loop of the perf_event_mmap_page comment in linux/perf_event.h.
// Always inlined: a plain C loop has it inline, in each of its two callers.
static inline __attribute__((always_inline)) int user_read(const struct perf_event_mmap_page *pc, uint64_t *value,
                            uint64_t *enabled_out, uint64_t *running_out) {
    uint32_t seq, index;
    uint64_t count, enabled, running, cycles = 0, time_offset = 0, time_mult = 0, time_shift = 0;
    uint64_t time_cycles = 0, time_mask = ~0ull;
    int user_time, readable;
    do {
        seq = pc->lock;
        barrier();
        enabled = pc->time_enabled;
        running = pc->time_running;
        user_time = pc->cap_user_time && enabled != running;
        if (user_time) {
            cycles = read_clock();
            time_offset = pc->time_offset;
            time_mult = pc->time_mult;
            time_shift = pc->time_shift;
            if (pc->cap_user_time_short) {
                time_cycles = pc->time_cycles;
                time_mask = pc->time_mask;
            }
        }
        index = pc->index;
        count = pc->offset;
        readable = pc->cap_user_rdpmc && index;
        if (readable) {
            uint16_t width = pc->pmc_width;
            int64_t pmc = (int64_t)(read_counter(index - 1) << (64 - width)) >> (64 - width);
            count += (uint64_t)pmc;
        }
        barrier();
    } while (pc->lock != seq);
    if (!readable) return 0;
    if (user_time) {
        cycles = time_cycles + ((cycles - time_cycles) & time_mask);
        uint64_t quotient = cycles >> time_shift, remainder = cycles & ((1ull << time_shift) - 1);
        uint64_t delta = time_offset + quotient * time_mult + ((remainder * time_mult) >> time_shift);
        enabled += delta;
        running += delta;
    }
    *value = count;
    *enabled_out = enabled;
    *running_out = running;
    return 1;
}

int64_t lab_user_read_batch(const void *page, uint64_t ops, uint64_t *sum) {
    const struct perf_event_mmap_page *pc = page;
    uint64_t total = 0, value = 0, enabled = 0, running = 0;
    int readable = 1;
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < ops && readable; i++) {
        readable = user_read(pc, &value, &enabled, &running);
        total += value + (enabled ^ running);
    }
    uint64_t end = now_ns();
    *sum = total;
    return readable ? (int64_t)(end - start) : -(1000 + 1);
}

int64_t lab_user_read_group_batch(const void *const *pages, uint32_t count, uint64_t ops, uint64_t *words) {
    uint64_t member_enabled, member_running;
    int readable = count > 0 && count <= 16;
    if (!readable) return -EINVAL;
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < ops && readable; i++) {
        readable = user_read(pages[0], &words[2], &words[0], &words[1]);
        for (uint32_t m = 1; m < count && readable; m++)
            readable = user_read(pages[m], &words[2 + m], &member_enabled, &member_running);
    }
    uint64_t end = now_ns();
    return readable ? (int64_t)(end - start) : -(1000 + 1);
}

int64_t lab_kvm_mmio_batch(int32_t vcpu_fd, const void *run, uint64_t ops) {
    const struct kvm_run *state = run;
    int result = 0;
    uint32_t reason = KVM_EXIT_MMIO;
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < ops && result >= 0 && reason == KVM_EXIT_MMIO; i++) {
        result = ioctl(vcpu_fd, KVM_RUN, 0);
        reason = state->exit_reason;
    }
    uint64_t end = now_ns();
    if (result < 0) return -(int64_t)errno;
    if (reason != KVM_EXIT_MMIO) return -(1000 + (int64_t)reason);
    return (int64_t)(end - start);
}

int64_t lab_kvm_run_to_mmio(int32_t vcpu_fd, const void *run) {
    const struct kvm_run *state = run;
    uint64_t start = now_ns();
    int result = ioctl(vcpu_fd, KVM_RUN, 0);
    uint64_t end = now_ns();
    if (result < 0) return -(int64_t)errno;
    if (state->exit_reason != KVM_EXIT_MMIO) return -(1000 + (int64_t)state->exit_reason);
    return (int64_t)(end - start);
}
