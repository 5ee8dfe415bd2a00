// VCPU threads: created with their CPU affinity already in the thread attributes, so
// the new thread never runs an instruction outside its PMU's CPUs, and joined with a
// time limit. pthread_attr_setaffinity_np is a GNU extension (the lab's Debian arm64 has it too).
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sched.h>
#include <time.h>

// A started thread: the entry and its context, and a completion flag the joiner waits on
// with a CLOCK_MONOTONIC deadline before a plain pthread_join. (pthread_clockjoin_np would
// do it in one call, but ThreadSanitizer does not intercept it: it never learns the thread
// ended, and aborts when the id is reused.) Freed by whichever of the thread and the
// joiner (or detacher) lets go of it last.
struct cpe_thread {
    void *(*entry)(void *);
    void *context;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t finished;
    int done;
    int references;
};

static void release(struct cpe_thread *state) {
    pthread_mutex_lock(&state->mutex);
    int left = --state->references;
    pthread_mutex_unlock(&state->mutex);
    if (left == 0) {
        pthread_cond_destroy(&state->finished);
        pthread_mutex_destroy(&state->mutex);
        free(state);
    }
}

static void *trampoline(void *argument) {
    struct cpe_thread *state = argument;
    void *result = state->entry(state->context);
    pthread_mutex_lock(&state->mutex);
    state->done = 1;
    pthread_cond_broadcast(&state->finished);
    pthread_mutex_unlock(&state->mutex);
    release(state);
    return result;
}

int32_t cpe_thread_start_pinned(void *(*entry)(void *), void *context,
                                const uint64_t *mask, uint64_t words, uint64_t *thread) {
    // Sized to the mask, not to CPU_SETSIZE (1024): a CPU above it must not be dropped.
    int count = (int)(words * 64);
    if (count <= 0) return -EINVAL;
    struct cpe_thread *state = calloc(1, sizeof *state);
    if (state == NULL) return -ENOMEM;
    state->entry = entry;
    state->context = context;
    state->references = 2;  // the thread and its joiner
    pthread_condattr_t clock;
    pthread_condattr_init(&clock);
    pthread_condattr_setclock(&clock, CLOCK_MONOTONIC);
    pthread_cond_init(&state->finished, &clock);
    pthread_condattr_destroy(&clock);
    pthread_mutex_init(&state->mutex, NULL);
    cpu_set_t *set = CPU_ALLOC(count);
    if (set == NULL) {
        state->references = 1;
        release(state);
        return -ENOMEM;
    }
    size_t bytes = CPU_ALLOC_SIZE(count);
    CPU_ZERO_S(bytes, set);
    for (int cpu = 0; cpu < count; cpu++) {
        if (mask[cpu / 64] & (1ull << (cpu % 64))) CPU_SET_S(cpu, bytes, set);
    }
    pthread_attr_t attributes;
    int error = pthread_attr_init(&attributes);
    if (error == 0) {
        error = pthread_attr_setaffinity_np(&attributes, bytes, set);
        if (error == 0) error = pthread_create(&state->thread, &attributes, trampoline, state);
        pthread_attr_destroy(&attributes);
    }
    CPU_FREE(set);
    if (error != 0) {
        state->references = 1;
        release(state);
        return -error;
    }
    *thread = (uint64_t)(uintptr_t)state;
    return 0;
}

int32_t cpe_thread_join_within(uint64_t thread, uint64_t nanoseconds) {
    struct cpe_thread *state = (struct cpe_thread *)(uintptr_t)thread;
    // CLOCK_MONOTONIC: a wall-clock step neither shortens nor stretches the wait.
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t total = (uint64_t)until.tv_nsec + nanoseconds % 1000000000ull;
    until.tv_sec += (time_t)(nanoseconds / 1000000000ull + total / 1000000000ull);
    until.tv_nsec = (long)(total % 1000000000ull);
    pthread_mutex_lock(&state->mutex);
    int error = 0;
    while (!state->done && error == 0) error = pthread_cond_timedwait(&state->finished, &state->mutex, &until);
    int done = state->done;
    pthread_mutex_unlock(&state->mutex);
    if (!done) return -(error ? error : ETIMEDOUT);
    // The thread has returned from its work: this join waits only for its exit.
    error = pthread_join(state->thread, NULL);
    release(state);
    return -error;
}

int32_t cpe_thread_detach(uint64_t thread) {
    struct cpe_thread *state = (struct cpe_thread *)(uintptr_t)thread;
    int error = pthread_detach(state->thread);
    release(state);
    return -error;
}

int32_t cpe_current_cpu(void) {
    int cpu = sched_getcpu();
    return cpu < 0 ? -errno : cpu;
}
