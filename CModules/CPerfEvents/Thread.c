// VCPU threads: created with their CPU affinity already in the thread attributes, so
// the new thread never runs an instruction outside its PMU's CPUs, and joined with a
// time limit. pthread_attr_setaffinity_np and pthread_timedjoin_np are GNU extensions
// (glibc; the lab's Debian arm64 has them too).
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

int32_t cpe_thread_start_pinned(void *(*entry)(void *), void *context,
                                const uint64_t *mask, uint64_t words, uint64_t *thread) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (uint64_t word = 0; word < words; word++) {
        for (unsigned bit = 0; bit < 64; bit++) {
            uint64_t cpu = word * 64 + bit;
            if (cpu >= CPU_SETSIZE) break;
            if (mask[word] & (1ull << bit)) CPU_SET((int)cpu, &set);
        }
    }
    pthread_attr_t attributes;
    int error = pthread_attr_init(&attributes);
    if (error != 0) return -error;
    error = pthread_attr_setaffinity_np(&attributes, sizeof set, &set);
    if (error == 0) {
        pthread_t created;
        error = pthread_create(&created, &attributes, entry, context);
        if (error == 0) *thread = (uint64_t)created;
    }
    pthread_attr_destroy(&attributes);
    return -error;
}

int32_t cpe_thread_join_within(uint64_t thread, uint64_t nanoseconds) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    uint64_t total = (uint64_t)until.tv_nsec + nanoseconds % 1000000000ull;
    until.tv_sec += (time_t)(nanoseconds / 1000000000ull + total / 1000000000ull);
    until.tv_nsec = (long)(total % 1000000000ull);
    return -pthread_timedjoin_np((pthread_t)thread, NULL, &until);
}

int32_t cpe_thread_detach(uint64_t thread) {
    return -pthread_detach((pthread_t)thread);
}

int32_t cpe_current_cpu(void) {
    int cpu = sched_getcpu();
    return cpu < 0 ? -errno : cpu;
}
