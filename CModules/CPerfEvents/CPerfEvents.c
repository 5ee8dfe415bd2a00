// CPerfEvents: thin shims over the system calls that Swift cannot call
// directly (variadic syscall/ioctl/open, CPU_SET-style masks, inline asm).
// Each returns the result or -errno, never touching a global errno from Swift.
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

_Static_assert(sizeof(struct perf_event_attr) >= PERF_ATTR_SIZE_VER5,
               "perf_event_attr is older than the fields we use");
_Static_assert(offsetof(struct perf_event_mmap_page, index) == 12, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_enabled) == 24, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_zero) == 64, "mmap page layout");

// The counting layer's Swift side reads the mmap page by these offsets.
_Static_assert(offsetof(struct perf_event_mmap_page, version) == 0, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, lock) == 8, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, offset) == 16, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_running) == 32, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, capabilities) == 40, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, pmc_width) == 48, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_shift) == 50, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_mult) == 52, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_offset) == 56, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, size) == 72, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_cycles) == 80, "mmap page layout");
_Static_assert(offsetof(struct perf_event_mmap_page, time_mask) == 88, "mmap page layout");
// ...and perf_event_attr by these (config3 is written at 128 when the headers predate it).
_Static_assert(offsetof(struct perf_event_attr, config) == 8, "perf_event_attr layout");
_Static_assert(offsetof(struct perf_event_attr, read_format) == 32, "perf_event_attr layout");
_Static_assert(offsetof(struct perf_event_attr, bp_type) == 52, "perf_event_attr layout");
_Static_assert(offsetof(struct perf_event_attr, config1) == 56, "perf_event_attr layout");
_Static_assert(offsetof(struct perf_event_attr, bp_addr) == 56, "bp_addr shares config1");
_Static_assert(offsetof(struct perf_event_attr, config2) == 64, "perf_event_attr layout");
_Static_assert(offsetof(struct perf_event_attr, bp_len) == 64, "bp_len shares config2");
// SystemCalls.swift names the d_type values it maps.
_Static_assert(DT_REG == 8 && DT_DIR == 4 && DT_LNK == 10, "d_type values (SystemCalls.swift)");
_Static_assert(PERF_FORMAT_TOTAL_TIME_ENABLED == 1 && PERF_FORMAT_TOTAL_TIME_RUNNING == 2 &&
               PERF_FORMAT_ID == 4 && PERF_FORMAT_GROUP == 8 && PERF_FORMAT_LOST == 16,
               "read_format bits (ReadFormat.swift)");

const uint64_t cpe_PERF_EVENT_IOC_ENABLE = PERF_EVENT_IOC_ENABLE;
const uint64_t cpe_PERF_EVENT_IOC_DISABLE = PERF_EVENT_IOC_DISABLE;
const uint64_t cpe_PERF_EVENT_IOC_RESET = PERF_EVENT_IOC_RESET;
const uint32_t cpe_PERF_ATTR_SIZE = sizeof(struct perf_event_attr);
const uint64_t cpe_PERF_FLAG_FD_CLOEXEC = PERF_FLAG_FD_CLOEXEC;
const uint64_t cpe_PERF_IOC_FLAG_GROUP = PERF_IOC_FLAG_GROUP;
const uint64_t cpe_PERF_EVENT_IOC_PAUSE_OUTPUT = PERF_EVENT_IOC_PAUSE_OUTPUT;
const uint64_t cpe_PERF_EVENT_IOC_ID = PERF_EVENT_IOC_ID;
const uint64_t cpe_PERF_EVENT_IOC_SET_OUTPUT = PERF_EVENT_IOC_SET_OUTPUT;

int32_t cpe_poll_readable(const int32_t *descriptors, uint8_t *ready_flags, uint32_t count, int32_t timeout_ms) {
    if (count > 4096 || timeout_ms < 0) return -EINVAL;
    struct pollfd fds[count ? count : 1];
    for (uint32_t i = 0; i < count; i++) {
        fds[i].fd = descriptors[i];
        fds[i].events = POLLIN;
        fds[i].revents = 0;
    }
    int result = poll(fds, count, timeout_ms);
    if (result < 0) return -errno;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t flags = 0;
        if (fds[i].revents & POLLIN) flags |= 1;
        if (fds[i].revents & POLLHUP) flags |= 2;
        if (fds[i].revents & (POLLERR | POLLNVAL)) flags |= 4;
        ready_flags[i] = flags;
    }
    return result;
}

static inline int64_t result_or_errno(long result) {
    return result < 0 ? -(int64_t)errno : (int64_t)result;
}

int32_t cpe_perf_event_open(struct perf_event_attr *attr, int32_t pid, int32_t cpu,
                            int32_t group_fd, uint64_t flags) {
    return (int32_t)result_or_errno(syscall(SYS_perf_event_open, attr, (pid_t)pid, (int)cpu,
                                            (int)group_fd, (unsigned long)flags));
}

int32_t cpe_ioctl(int32_t fd, uint64_t request, uint64_t argument) {
    return (int32_t)result_or_errno(ioctl(fd, (unsigned long)request, (unsigned long)argument));
}

int32_t cpe_open(const char *path, int32_t flags) {
    return (int32_t)result_or_errno(open(path, flags | O_CLOEXEC));
}

int64_t cpe_write(int32_t fd, const void *buffer, uint64_t count) {
    return result_or_errno(write(fd, buffer, (size_t)count));
}

int32_t cpe_close(int32_t fd) {
    return (int32_t)result_or_errno(close(fd));
}

int32_t cpe_opendir(const char *path, void **directory) {
    DIR *opened = opendir(path);
    if (opened == NULL) return -errno;
    *directory = opened;
    return 0;
}

int32_t cpe_readdir(void *directory, const char **name, uint8_t *type) {
    // readdir returns NULL both at the end and on failure; only errno tells them
    // apart, so it is cleared here, after whatever the caller ran since the last call.
    errno = 0;
    struct dirent *entry = readdir((DIR *)directory);
    if (entry == NULL) return errno ? -errno : 0;
    *name = entry->d_name;
    *type = entry->d_type;
    return 1;
}

int32_t cpe_closedir(void *directory) {
    return closedir((DIR *)directory) == 0 ? 0 : -errno;
}

int32_t cpe_file_type(const char *path) {
    struct stat info;
    if (stat(path, &info) != 0) return -errno;
    return S_ISREG(info.st_mode) ? 1 : S_ISDIR(info.st_mode) ? 2 : 3;
}

const char *cpe_getenv(const char *name) { return getenv(name); }

int64_t cpe_mmap(void *address, uint64_t length, int32_t protection, int32_t flags,
                 int32_t fd, int64_t offset) {
    void *mapped = mmap(address, (size_t)length, protection, flags, fd, (off_t)offset);
    return mapped == MAP_FAILED ? -(int64_t)errno : (int64_t)(intptr_t)mapped;
}

int32_t cpe_munmap(void *address, uint64_t length) {
    return (int32_t)result_or_errno(munmap(address, (size_t)length));
}

int32_t cpe_set_affinity(int32_t tid, const uint64_t *mask, uint64_t words) {
    return (int32_t)result_or_errno(syscall(SYS_sched_setaffinity, (pid_t)tid,
                                            (size_t)(words * 8), mask));
}

int32_t cpe_get_affinity(int32_t tid, uint64_t *mask, uint64_t words) {
    memset(mask, 0, (size_t)(words * 8));
    // The raw syscall returns the number of bytes written on success.
    long written = syscall(SYS_sched_getaffinity, (pid_t)tid, (size_t)(words * 8), mask);
    return written < 0 ? -errno : 0;
}

int32_t cpe_online_cpu_count(void) { return (int32_t)sysconf(_SC_NPROCESSORS_ONLN); }

uint64_t cpe_page_size(void) { return (uint64_t)sysconf(_SC_PAGESIZE); }

// cpe_compiler_barrier, cpe_read_timestamp, cpe_read_user_counter and
// cpe_user_counter_supported are static inline in the header: the user-space read's hot path.

// The KVM module lays these out in Swift; the header pins them.
#if defined(__x86_64__)
_Static_assert(sizeof(struct kvm_regs) == 0x90, "kvm_regs layout used by KVM/X86");
_Static_assert(offsetof(struct kvm_regs, rip) == 0x80, "kvm_regs layout used by KVM/X86");
_Static_assert(sizeof(struct kvm_sregs) == 0x138, "kvm_sregs layout used by KVM/X86");
_Static_assert(sizeof(struct kvm_segment) == 24, "kvm_segment layout used by KVM/X86");
_Static_assert(offsetof(struct kvm_segment, selector) == 12, "kvm_segment layout used by KVM/X86");
_Static_assert(offsetof(struct kvm_sregs, ss) == 5 * 24, "kvm_sregs layout used by KVM/X86");
#endif
