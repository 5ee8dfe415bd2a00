// CPerfEvents: the few things Swift cannot call directly.
//
// Every function returns the kernel's raw convention: a non-negative result,
// or -errno on failure. Swift turns that into a typed error (see Syscall.swift).
// Only fixed-width types cross this boundary so that the same header serves the
// host build and the Embedded Swift build for aarch64.
#ifndef CPERFEVENTS_H
#define CPERFEVENTS_H

#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/perf_event.h>

// MARK: perf_event_open(2) and ioctl(2)
int32_t cpe_perf_event_open(struct perf_event_attr *attr, int32_t pid, int32_t cpu,
                            int32_t group_fd, uint64_t flags);
int32_t cpe_ioctl(int32_t fd, uint64_t request, uint64_t argument);

// MARK: files
int32_t cpe_open(const char *path, int32_t flags);
/// read(2). Inline (as is cpe_monotonic_raw_ns): it sits on the counter read hot
/// path, where a call level more is measurable next to a C caller.
static inline int64_t cpe_read(int32_t fd, void *buffer, uint64_t count) {
    ssize_t result = read(fd, buffer, (size_t)count);
    return result < 0 ? -(int64_t)errno : (int64_t)result;
}
/// cpe_read, retried while a signal interrupts it (EINTR): the counters' hot path.
static inline int64_t cpe_read_retrying(int32_t fd, void *buffer, uint64_t count) {
    for (;;) {
        ssize_t result = read(fd, buffer, (size_t)count);
        if (result >= 0) return (int64_t)result;
        if (errno != EINTR) return -(int64_t)errno;
    }
}
/// ioctl(2) with an integer argument, retried while a signal interrupts it:
/// the counters' enable/disable hot path, inline for the same reason.
static inline int32_t cpe_ioctl_retrying(int32_t fd, uint64_t request, uint64_t argument) {
    for (;;) {
        int result = ioctl(fd, (unsigned long)request, (unsigned long)argument);
        if (result >= 0) return (int32_t)result;
        if (errno != EINTR) return -(int32_t)errno;
    }
}
/// ioctl(2) once (EINTR returned, not retried: KVM_RUN's deadline uses it),
/// inline for the guest-exit hot path.
static inline int32_t cpe_ioctl_once(int32_t fd, uint64_t request, uint64_t argument) {
    int result = ioctl(fd, (unsigned long)request, (unsigned long)argument);
    return result < 0 ? -(int32_t)errno : (int32_t)result;
}
int64_t cpe_write(int32_t fd, const void *buffer, uint64_t count);
int32_t cpe_close(int32_t fd);
/// opendir(3): stores the directory stream in `*directory`. Returns 0 or -errno.
int32_t cpe_opendir(const char *path, void **directory);
/// readdir(3), with errno cleared right before it so that the end of the
/// directory and a failure cannot be confused. Returns 1 and the entry's name
/// (valid until the next call on `directory`) and d_type (DT_* of dirent.h),
/// 0 at the end, or -errno.
int32_t cpe_readdir(void *directory, const char **name, uint8_t *type);
/// closedir(3). Returns 0 or -errno.
int32_t cpe_closedir(void *directory);
/// Type of `path` (following links): 1 regular file, 2 directory, 3 other; or -errno.
int32_t cpe_file_type(const char *path);

// MARK: environment
/// getenv(3): the value of environment variable `name`, or NULL when unset.
const char *cpe_getenv(const char *name);

// MARK: memory
/// Returns the mapped address, or -errno (the kernel ABI: errors are -4095...-1).
int64_t cpe_mmap(void *address, uint64_t length, int32_t protection, int32_t flags,
                 int32_t fd, int64_t offset);
int32_t cpe_munmap(void *address, uint64_t length);

// MARK: threads and processes
/// sched_setaffinity / sched_getaffinity on a raw bit mask of `words` 64-bit words.
int32_t cpe_set_affinity(int32_t tid, const uint64_t *mask, uint64_t words);
int32_t cpe_get_affinity(int32_t tid, uint64_t *mask, uint64_t words);
int32_t cpe_online_cpu_count(void);
/// Creates a thread running `entry(context)` whose CPU affinity (`mask`, `words` 64-bit
/// words) is set before it starts; stores its handle in `*thread`. 0, or -errno
/// (EINVAL: no CPU of the mask can run it).
int32_t cpe_thread_start_pinned(void *(*entry)(void *), void *context,
                                const uint64_t *mask, uint64_t words, uint64_t *thread);
/// Joins `thread`, waiting at most `nanoseconds` (CLOCK_MONOTONIC) for it to finish,
/// then with a plain pthread_join, which the sanitizers see: 0, -ETIMEDOUT (still
/// running; join again or detach), or -errno. After 0 the handle is gone.
int32_t cpe_thread_join_within(uint64_t thread, uint64_t nanoseconds);
/// Detaches `thread` (its resources go when it ends); the handle is gone. 0, or -errno.
int32_t cpe_thread_detach(uint64_t thread);
/// sched_getcpu(3): the CPU the calling thread runs on, or -errno.
int32_t cpe_current_cpu(void);

/// Starts `path` (searched in PATH) with `argv` (NULL-terminated) in a child that
/// waits before exec, so counters can be attached to it first (perf stat's way).
/// On success returns the child's pid and fills `channel` (two descriptors) for
/// cpe_release_child. Returns -errno when the child cannot be created.
int32_t cpe_spawn_waiting(const char *path, char *const argv[], int32_t channel[2]);
/// Lets the child of cpe_spawn_waiting exec and closes `channel`. Returns 0 when
/// exec succeeded, or the positive errno of a failed exec (the child then exits 127).
int32_t cpe_release_child(const int32_t channel[2]);
/// waitpid(2) for `pid`, retrying EINTR. Returns 0 and the raw wait status, or -errno.
int32_t cpe_wait_child(int32_t pid, int32_t *status);

// MARK: time and counters
/// CLOCK_MONOTONIC_RAW in nanoseconds.
static inline uint64_t cpe_monotonic_raw_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
/// CLOCK_MONOTONIC in nanoseconds (the clock timers and deadlines use).
static inline uint64_t cpe_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
/// The size of a memory page (what mmap lengths are multiples of).
uint64_t cpe_page_size(void);

// MARK: the user-space read (perf_event_mmap_page): inline, as cpe_read is, so that
// Counter.readInUserSpace() costs the seqlock loop and one register read, as C does.
/// A compiler-only barrier, for the mmap page seqlock.
static inline void cpe_compiler_barrier(void) { __asm__ __volatile__("" ::: "memory"); }
#if defined(__x86_64__)
/// The clock the perf mmap page's time_{mult,shift,offset} convert from:
/// rdtsc on x86_64, CNTVCT_EL0 on arm64; 0 elsewhere.
static inline uint64_t cpe_read_timestamp(void) {
    uint32_t low, high;
    __asm__ __volatile__("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}
/// Reads hardware counter `index` (the perf mmap page's index - 1) from user space:
/// rdpmc on x86_64, PMEVCNTR<n>_EL0 / PMCCNTR_EL0 (index 31) on arm64.
/// Only call when the mmap page says cap_user_rdpmc; returns 0 elsewhere.
static inline __attribute__((always_inline)) uint64_t cpe_read_user_counter(uint32_t index) {
    uint32_t low, high;
    __asm__ __volatile__("rdpmc" : "=a"(low), "=d"(high) : "c"(index));
    return ((uint64_t)high << 32) | low;
}
/// 1 when cpe_read_user_counter is implemented for this architecture.
static inline int32_t cpe_user_counter_supported(void) { return 1; }
#elif defined(__aarch64__)
static inline uint64_t cpe_read_timestamp(void) {
    uint64_t value;
    __asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(value) :: "memory");
    return value;
}
// The arm64 PMU exposes counters to EL0 when perf_user_access is 1 and the
// event was opened with config1:1 (rdpmc). Index 31 is the cycle counter.
#define CPE_READ_EVCNTR(n) case n: __asm__ __volatile__("mrs %0, pmevcntr" #n "_el0" : "=r"(value)); break;
// always_inline: Swift's -Osize would otherwise keep the switch a call.
static inline __attribute__((always_inline)) uint64_t cpe_read_user_counter(uint32_t index) {
    uint64_t value = 0;
    switch (index) {
    CPE_READ_EVCNTR(0) CPE_READ_EVCNTR(1) CPE_READ_EVCNTR(2) CPE_READ_EVCNTR(3)
    CPE_READ_EVCNTR(4) CPE_READ_EVCNTR(5) CPE_READ_EVCNTR(6) CPE_READ_EVCNTR(7)
    CPE_READ_EVCNTR(8) CPE_READ_EVCNTR(9) CPE_READ_EVCNTR(10) CPE_READ_EVCNTR(11)
    CPE_READ_EVCNTR(12) CPE_READ_EVCNTR(13) CPE_READ_EVCNTR(14) CPE_READ_EVCNTR(15)
    CPE_READ_EVCNTR(16) CPE_READ_EVCNTR(17) CPE_READ_EVCNTR(18) CPE_READ_EVCNTR(19)
    CPE_READ_EVCNTR(20) CPE_READ_EVCNTR(21) CPE_READ_EVCNTR(22) CPE_READ_EVCNTR(23)
    CPE_READ_EVCNTR(24) CPE_READ_EVCNTR(25) CPE_READ_EVCNTR(26) CPE_READ_EVCNTR(27)
    CPE_READ_EVCNTR(28) CPE_READ_EVCNTR(29) CPE_READ_EVCNTR(30)
    case 31: __asm__ __volatile__("mrs %0, pmccntr_el0" : "=r"(value)); break;
    default: break;
    }
    return value;
}
#undef CPE_READ_EVCNTR
static inline int32_t cpe_user_counter_supported(void) { return 1; }
#else
static inline uint64_t cpe_read_timestamp(void) { return 0; }
static inline uint64_t cpe_read_user_counter(uint32_t index) { (void)index; return 0; }
static inline int32_t cpe_user_counter_supported(void) { return 0; }
#endif

// MARK: ring buffers (sampling)
/// Loads the perf ring buffer's data_head with acquire ordering: the records
/// the kernel wrote before it published this head are visible afterwards
/// (the smp_rmb() the kernel documents for perf_event_mmap_page).
static inline uint64_t cpe_load_acquire_u64(const volatile uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_ACQUIRE);
}
/// Adds 1 to `*counter` atomically and returns the new value: a tally several
/// threads (VCPU threads) may bump at once.
static inline uint64_t cpe_atomic_increment_u64(volatile uint64_t *counter) {
    return __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}
/// Stores data_tail with release ordering: every read of the records before
/// it completes before the kernel may overwrite them (the documented smp_mb()).
static inline void cpe_store_release_u64(volatile uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELEASE);
}
/// poll(2) for readability on `count` descriptors, at most `timeout_ms`
/// milliseconds (never -1: nothing waits without a limit). `ready` gets
/// each descriptor's revents. Returns the number ready (0: time limit), or -errno.
int32_t cpe_poll_readable(const int32_t *descriptors, uint8_t *ready_flags, uint32_t count, int32_t timeout_ms);

// MARK: thread timers (deadlines for KVM_RUN)
/// The real-time signal the thread timers send (SIGRTMIN + 2).
int32_t cpe_thread_timer_signal(void);
/// Creates a CLOCK_MONOTONIC timer that signals the calling thread only
/// (SIGEV_THREAD_ID), installs the signal's handler once per process (no
/// SA_RESTART) and unblocks the signal on this thread. `*was_blocked` says
/// whether it was blocked before (cpe_thread_timer_delete blocks it again).
/// Returns 0, or -errno.
int32_t cpe_thread_timer_create(void **timer, int32_t *was_blocked);
/// First expiry after `first_ns`, then every `interval_ns` (0: once); 0 and 0 disarm.
int32_t cpe_thread_timer_arm(void *timer, uint64_t first_ns, uint64_t interval_ns);
/// Deletes the timer and restores the signal's blocked state. 0, or -errno.
int32_t cpe_thread_timer_delete(void *timer, int32_t was_blocked);
/// The byte the handler sets to 1 on this thread (kvm_run.immediate_exit), or NULL.
void cpe_thread_timer_watch(volatile uint8_t *flag);
/// 1 when the handler set `flag` since the last call (it is then cleared to 0), else 0.
int32_t cpe_thread_timer_take_flag(volatile uint8_t *flag);

// MARK: constants Swift cannot see (function-like macros)
extern const uint64_t cpe_PERF_EVENT_IOC_ENABLE;
extern const uint64_t cpe_PERF_EVENT_IOC_DISABLE;
extern const uint64_t cpe_PERF_EVENT_IOC_RESET;
extern const uint32_t cpe_PERF_ATTR_SIZE;
extern const uint64_t cpe_PERF_FLAG_FD_CLOEXEC;
extern const uint64_t cpe_PERF_IOC_FLAG_GROUP;
extern const uint64_t cpe_PERF_EVENT_IOC_PAUSE_OUTPUT;
extern const uint64_t cpe_PERF_EVENT_IOC_ID;
extern const uint64_t cpe_PERF_EVENT_IOC_SET_OUTPUT;

#endif
