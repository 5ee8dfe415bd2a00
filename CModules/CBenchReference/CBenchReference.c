// The C reference loops of pmu-bench (see CBenchReference.h). Kept as plain
// as the C a careful engineer would write by hand: no helpers between the
// clock reads, no indirection, the result checked after the second clock read.
#define _GNU_SOURCE
#include "CBenchReference.h"

#include <errno.h>
#ifdef CBR_LIBPFM  /* Package.swift: the Libpfm trait */
#include <perfmon/pfmlib.h>
#endif
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

int64_t cbr_timer_loop(uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        uint64_t end = now_ns();
        samples[i] = end - start;
    }
    return 0;
}

int64_t cbr_read_loop(int32_t fd, void *buffer, uint64_t size, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        ssize_t got = read(fd, buffer, (size_t)size);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (got != (ssize_t)size) return got < 0 ? -(int64_t)errno : -EIO;
    }
    return 0;
}

int64_t cbr_read_batch_loop(int32_t fd, void *buffer, uint64_t size, uint64_t batch,
                            uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        ssize_t got = (ssize_t)size;
        uint64_t start = now_ns();
        for (uint64_t j = 0; j < batch && got == (ssize_t)size; j++) got = read(fd, buffer, (size_t)size);
        uint64_t end = now_ns();
        samples[i] = (end - start) / batch;
        if (got != (ssize_t)size) return got < 0 ? -(int64_t)errno : -EIO;
    }
    return 0;
}

int64_t cbr_enable_disable_batch_loop(int32_t fd, uint32_t flags, uint64_t batch, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        int failed = 0;
        uint64_t start = now_ns();
        for (uint64_t j = 0; j < batch && !failed; j++) {
            failed = ioctl(fd, PERF_EVENT_IOC_ENABLE, (unsigned long)flags) < 0
                  || ioctl(fd, PERF_EVENT_IOC_DISABLE, (unsigned long)flags) < 0;
        }
        uint64_t end = now_ns();
        samples[i] = (end - start) / batch;
        if (failed) return -(int64_t)errno;
    }
    return 0;
}

int64_t cbr_enable_disable_loop(int32_t fd, uint32_t flags, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int enabled = ioctl(fd, PERF_EVENT_IOC_ENABLE, (unsigned long)flags);
        int disabled = ioctl(fd, PERF_EVENT_IOC_DISABLE, (unsigned long)flags);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (enabled < 0 || disabled < 0) return -(int64_t)errno;
    }
    return 0;
}

int64_t cbr_syscall_floor_loop(uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        long pid = syscall(SYS_getpid);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (pid < 0) return -(int64_t)errno;
    }
    return 0;
}

int64_t cbr_kvm_pio_loop(int32_t vcpu_fd, void *run, uint16_t port, uint64_t *samples, uint64_t count) {
    struct kvm_run *state = run;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int result = ioctl(vcpu_fd, KVM_RUN, 0);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result < 0) return -(int64_t)errno;
        if (state->exit_reason != KVM_EXIT_IO || state->io.port != port)
            return 1000 + (int64_t)state->exit_reason;
    }
    return 0;
}

int64_t cbr_kvm_mmio_loop(int32_t vcpu_fd, void *run, uint64_t address, uint64_t *samples, uint64_t count) {
    struct kvm_run *state = run;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int result = ioctl(vcpu_fd, KVM_RUN, 0);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result < 0) return -(int64_t)errno;
        if (state->exit_reason != KVM_EXIT_MMIO || state->mmio.phys_addr != address || !state->mmio.is_write)
            return 1000 + (int64_t)state->exit_reason;
    }
    return 0;
}

int64_t cbr_kvm_run_timed(int32_t vcpu_fd, uint64_t *elapsed) {
    uint64_t start = now_ns();
    int result = ioctl(vcpu_fd, KVM_RUN, 0);
    uint64_t end = now_ns();
    *elapsed = end - start;
    return result < 0 ? -(int64_t)errno : 0;
}

int64_t cbr_kvm_immediate_exit_loop(int32_t vcpu_fd, void *run, uint64_t *samples, uint64_t count) {
    struct kvm_run *state = run;
    state->immediate_exit = 1;
    int64_t outcome = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int result = ioctl(vcpu_fd, KVM_RUN, 0);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result >= 0 || errno != EINTR) { outcome = result < 0 ? -(int64_t)errno : 1000 + (int64_t)state->exit_reason; break; }
    }
    state->immediate_exit = 0;
    return outcome;
}

#ifdef CBR_LIBPFM
int32_t cbr_libpfm_version(void) { return (int32_t)pfm_get_version(); }
int32_t cbr_libpfm_header_version(void) { return (int32_t)LIBPFM_VERSION; }
#else
int32_t cbr_libpfm_version(void) { return -2; }
int32_t cbr_libpfm_header_version(void) { return -2; }
#endif
