// Starting a command the way perf stat does: the child is created first and
// waits, counters are attached to its pid with enable_on_exec, then it execs.
// After fork() only async-signal-safe calls may run, which is why this is C.
#define _GNU_SOURCE
#include "CPerfEvents.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

// channel[0]: the parent's end of the "go" pipe; the child execs once a byte arrives.
// channel[1]: the parent's end of the "report" pipe; close-on-exec, so it reads EOF
// when exec succeeds and the child's errno when it fails.
int32_t cpe_spawn_waiting(const char *path, char *const argv[], int32_t channel[2]) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) return -errno;
    if (pipe2(report, O_CLOEXEC) != 0) {
        int saved = errno;
        close(go[0]); close(go[1]);
        return -saved;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(go[0]); close(go[1]); close(report[0]); close(report[1]);
        return -saved;
    }
    if (pid == 0) {
        close(go[1]);
        close(report[0]);
        char byte;
        ssize_t got;
        do { got = read(go[0], &byte, 1); } while (got < 0 && errno == EINTR);
        if (got != 1) _exit(127);  // the parent gave up before releasing us
        // The parent may block signals it takes with sigtimedwait (pmu stat's SIGINT):
        // the command starts with none blocked, as from a shell.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(path, argv);
        int failure = errno;
        ssize_t ignored = write(report[1], &failure, sizeof failure);
        (void)ignored;
        _exit(127);
    }
    close(go[0]);
    close(report[1]);
    channel[0] = go[1];
    channel[1] = report[0];
    return pid;
}

int32_t cpe_release_child(const int32_t channel[2]) {
    char byte = 1;
    ssize_t written;
    do { written = write(channel[0], &byte, 1); } while (written < 0 && errno == EINTR);
    close(channel[0]);
    int failure = 0;
    ssize_t got;
    do { got = read(channel[1], &failure, sizeof failure); } while (got < 0 && errno == EINTR);
    close(channel[1]);
    return got == (ssize_t)sizeof failure ? failure : 0;
}

int32_t cpe_wait_child(int32_t pid, int32_t *status) {
    int raw = 0;
    pid_t done;
    do { done = waitpid(pid, &raw, 0); } while (done < 0 && errno == EINTR);
    if (done < 0) return -errno;
    *status = raw;
    return 0;
}
