// VCPU threads: created with their CPU affinity already in the thread attributes, so
// the new thread never runs an instruction outside its PMU's CPUs, and joined with a
// time limit. pthread_attr_setaffinity_np and pthread_clockjoin_np are GNU extensions
// (glibc 2.31 and later; the lab's Debian arm64 has them too).
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

int32_t cpe_thread_start_pinned(void *(*entry)(void *), void *context,
                                const uint64_t *mask, uint64_t words, uint64_t *thread) {
    // Sized to the mask, not to CPU_SETSIZE (1024): a CPU above it must not be dropped.
    int count = (int)(words * 64);
    if (count <= 0) return -EINVAL;
    cpu_set_t *set = CPU_ALLOC(count);
    if (set == NULL) return -ENOMEM;
    size_t bytes = CPU_ALLOC_SIZE(count);
    CPU_ZERO_S(bytes, set);
    for (int cpu = 0; cpu < count; cpu++) {
        if (mask[cpu / 64] & (1ull << (cpu % 64))) CPU_SET_S(cpu, bytes, set);
    }
    pthread_attr_t attributes;
    int error = pthread_attr_init(&attributes);
    if (error == 0) {
        error = pthread_attr_setaffinity_np(&attributes, bytes, set);
        if (error == 0) {
            pthread_t created;
            error = pthread_create(&created, &attributes, entry, context);
            if (error == 0) *thread = (uint64_t)created;
        }
        pthread_attr_destroy(&attributes);
    }
    CPU_FREE(set);
    return -error;
}

int32_t cpe_thread_join_within(uint64_t thread, uint64_t nanoseconds) {
    // CLOCK_MONOTONIC: a wall-clock step neither shortens nor stretches the wait.
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t total = (uint64_t)until.tv_nsec + nanoseconds % 1000000000ull;
    until.tv_sec += (time_t)(nanoseconds / 1000000000ull + total / 1000000000ull);
    until.tv_nsec = (long)(total % 1000000000ull);
    return -pthread_clockjoin_np((pthread_t)thread, NULL, CLOCK_MONOTONIC, &until);
}

int32_t cpe_thread_detach(uint64_t thread) {
    return -pthread_detach((pthread_t)thread);
}

int32_t cpe_current_cpu(void) {
    int cpu = sched_getcpu();
    return cpu < 0 ? -errno : cpu;
}
