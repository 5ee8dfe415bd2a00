// A timer whose signal goes to one thread, and the signal handler that makes
// KVM_RUN on that thread return: what Swift cannot write (a handler that runs
// between any two instructions, thread-local state, SIGEV_THREAD_ID).
//
// Why thread-directed and unblocked: KVM_RUN leaves the guest for a pending,
// unblocked signal of its own thread. A signal sent to the process may be taken
// by another thread, and libdispatch's worker threads (where Swift concurrency
// and Swift Testing run synchronous code) block asynchronous signals, so a
// signal sent to such a thread stays pending while the guest runs on.
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

// The byte the handler sets on this thread (kvm_run.immediate_exit), and the
// last byte it set: KVM_RUN returns at once while it is 1, which closes the
// window between checking the deadline and entering the guest.
static __thread volatile uint8_t *watched_flag;
static __thread volatile uint8_t *flag_set_by_handler;

static void deadline_handler(int signo) {
    (void)signo;
    volatile uint8_t *flag = watched_flag;
    if (flag) {
        *flag = 1;
        flag_set_by_handler = flag;
    }
}

int32_t cpe_thread_timer_signal(void) { return SIGRTMIN + 2; }

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_error;

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = deadline_handler;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: the point is that the interrupted call returns EINTR.
    if (sigaction(cpe_thread_timer_signal(), &action, NULL) != 0) handler_error = errno;
}

int32_t cpe_thread_timer_create(void **timer, int32_t *was_blocked) {
    pthread_once(&handler_once, install_handler);
    if (handler_error) return -handler_error;

    sigset_t set, previous;
    sigemptyset(&set);
    sigaddset(&set, cpe_thread_timer_signal());
    int error = pthread_sigmask(SIG_UNBLOCK, &set, &previous);
    if (error) return -error;
    *was_blocked = sigismember(&previous, cpe_thread_timer_signal()) == 1;

    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = cpe_thread_timer_signal();
    event._sigev_un._tid = gettid();
    timer_t created;
    if (timer_create(CLOCK_MONOTONIC, &event, &created) != 0) {
        error = errno;
        if (*was_blocked) pthread_sigmask(SIG_BLOCK, &set, NULL);
        return -error;
    }
    *timer = (void *)created;
    return 0;
}

int32_t cpe_thread_timer_arm(void *timer, uint64_t first_ns, uint64_t interval_ns) {
    struct itimerspec spec;
    spec.it_value.tv_sec = (time_t)(first_ns / 1000000000ull);
    spec.it_value.tv_nsec = (long)(first_ns % 1000000000ull);
    spec.it_interval.tv_sec = (time_t)(interval_ns / 1000000000ull);
    spec.it_interval.tv_nsec = (long)(interval_ns % 1000000000ull);
    return timer_settime((timer_t)timer, 0, &spec, NULL) == 0 ? 0 : -errno;
}

int32_t cpe_thread_timer_delete(void *timer, int32_t was_blocked) {
    int result = timer_delete((timer_t)timer) == 0 ? 0 : -errno;
    // A signal already queued is delivered now, while still unblocked.
    if (was_blocked) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, cpe_thread_timer_signal());
        pthread_sigmask(SIG_BLOCK, &set, NULL);
    }
    return result;
}

void cpe_thread_timer_watch(volatile uint8_t *flag) { watched_flag = flag; }

int32_t cpe_thread_timer_take_flag(volatile uint8_t *flag) {
    if (flag_set_by_handler != flag) return 0;
    flag_set_by_handler = NULL;
    *flag = 0;
    return 1;
}
