// The perf oracle's server (Tests/PerfEventsTests/PerfOracle.swift): preloaded into perf, it
// answers many event strings with one perf process instead of one perf process each.
//
// Why: on this project's hosts a perf process spends most of its ~10 ms (perf 6.1) or ~20 ms
// (perf 6.12) in the dynamic loader and the kernel's page faults, mapping and relocating some
// thirty libraries, before main(). The conformance suites ask perf about thousands of strings.
// Here perf is started once: its libraries loaded and relocated, its constructors run, and then,
// in place of main(), a loop forks one child per request; each child calls perf's own main()
// with that request's command line, exactly as `perf stat -vv -e EVENT /bin/true` or
// `perf record -vv -o FILE -p PID -e EVENT` would run it, from the same pristine state.
//
// And every perf_event_open(2) a child makes "succeeds" with descriptor 3, as the strace
// injection (`strace -e inject=perf_event_open:retval=3`) that this replaces made it: perf
// prints each perf_event_attr once and makes none of its fallback retries. perf calls
// perf_event_open through glibc's syscall(), which this library defines first.
//
// Environment, set by PerfOracle.swift; without PERF_ORACLE_SERVE, or in a program that is
// not perf, nothing here acts:
//   PERF_ORACLE_SERVE     the directory for answers: <index>.txt (stdout and stderr) and
//                         <index>.data (perf record's -o)
//   PERF_ORACLE_REQUESTS  the request file: one line a request, `<index> <s|r> <event> <devices>`
//                         (s: perf stat, r: perf record; the event string hex-encoded; devices
//                         hex-encoded, or `-`: a directory the child bind-mounts over
//                         /sys/bus/event_source/devices in a mount namespace of its own, where
//                         perf looks for PMUs, so that perf answers for a recorded sysfs tree)
//   PERF_ORACLE_PARALLEL  children at a time (default 4)
//   PERF_ORACLE_LIMIT     seconds a child may run before it is killed (default 20)
// A child killed for its time, or dead of a signal, gets a last line saying so in its .txt.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int injecting;

long syscall(long number, ...) {
    va_list arguments;
    va_start(arguments, number);
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = va_arg(arguments, long);
    va_end(arguments);
    if (injecting && number == SYS_perf_event_open) return 3;
    static long (*real)(long, ...);
    if (!real) real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

typedef int (*main_function)(int, char **, char **);
typedef int (*start_function)(main_function, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);

static main_function perf_main;

struct request {
    long index;
    char tool;
    char *event;
    char *devices;
};

struct child {
    pid_t pid;
    long index;
    struct timespec started;
};

static void append_line(const char *directory, long index, const char *line) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.txt", directory, index);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return;
    (void)!write(fd, line, strlen(line));
    close(fd);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes `length` hex digits at `hex` into a new string, or returns NULL.
static char *decode(const char *hex, size_t length) {
    if (length % 2) return NULL;
    char *text = malloc(length / 2 + 1);
    if (!text) return NULL;
    for (size_t i = 0; i < length / 2; i++) {
        int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            free(text);
            return NULL;
        }
        text[i] = (char)(high * 16 + low);
    }
    text[length / 2] = 0;
    return text;
}

// Reads the request lines; returns the number read, or -1 with a message.
static long read_requests(const char *path, struct request **out) {
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "perf-oracle-server: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    long count = 0, capacity = 64;
    struct request *requests = malloc(sizeof *requests * capacity);
    char *line = NULL;
    size_t size = 0;
    while (requests && getline(&line, &size, file) > 0) {
        long index;
        char tool;
        int event_start = 0, event_end = 0, devices_start = 0, devices_end = 0;
        struct request request = {0};
        if (sscanf(line, "%ld %c %n%*s%n %n%*s%n", &index, &tool, &event_start, &event_end, &devices_start,
                   &devices_end) >= 2 && devices_end > 0 && (tool == 's' || tool == 'r')) {
            request.index = index;
            request.tool = tool;
            request.event = decode(line + event_start, (size_t)(event_end - event_start));
            size_t devices_length = (size_t)(devices_end - devices_start);
            request.devices = devices_length == 1 && line[devices_start] == '-'
                ? NULL : decode(line + devices_start, devices_length);
        }
        if (!request.event || (!request.devices && line[devices_start] != '-')) {
            fprintf(stderr, "perf-oracle-server: bad request line: %s", line);
            count = -1;
            break;
        }
        if (count == capacity) {
            capacity *= 2;
            struct request *grown = realloc(requests, sizeof *requests * capacity);
            if (!grown) {
                count = -1;
                break;
            }
            requests = grown;
        }
        requests[count++] = request;
    }
    free(line);
    fclose(file);
    *out = requests;
    return requests ? count : -1;
}

// In the child: the request's command line, descriptors as a fresh perf has them, perf's main().
static void run_request(const char *directory, const struct request *request, char *program, pid_t server,
                        const sigset_t *mask, char **environment) {
    sigprocmask(SIG_SETMASK, mask, NULL);
    char output[4096], data[4096], pid[32];
    snprintf(output, sizeof output, "%s/%ld.txt", directory, request->index);
    snprintf(data, sizeof data, "%s/%ld.data", directory, request->index);
    snprintf(pid, sizeof pid, "%d", (int)server);
    int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (out < 0 || null < 0) _exit(125);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    // Every descriptor above 2, however high (the test process's may be past 1024).
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        long highest = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (highest > 0 ? highest : 65536); fd++) close((int)fd);
    }
    // What `unshare -m` and `mount --bind` do: a private copy of the mounts, the tree on top.
    if (request->devices) {
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
            || mount(request->devices, "/sys/bus/event_source/devices", NULL, MS_BIND, NULL) != 0) {
            fprintf(stderr, "perf-oracle-server: cannot mount %s over /sys/bus/event_source/devices: %s\n",
                    request->devices, strerror(errno));
            _exit(125);
        }
    }
    char *stat_arguments[] = {program, "stat", "-vv", "-e", request->event, "/bin/true", NULL};
    // perf record attaches to the server (alive while it waits): perf 6.1 waits forever for a
    // forked workload when the injected descriptor cannot be mapped.
    char *record_arguments[] = {program, "record", "-vv", "-o", data, "-p", pid, "-e", request->event, NULL};
    char **arguments = request->tool == 's' ? stat_arguments : record_arguments;
    int count = 0;
    while (arguments[count]) count++;
    injecting = 1;
    exit(perf_main(count, arguments, environment));
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static int serve(int argc, char **argv, char **environment) {
    (void)argc;
    const char *directory = getenv("PERF_ORACLE_SERVE");
    const char *request_path = getenv("PERF_ORACLE_REQUESTS");
    const char *parallel_text = getenv("PERF_ORACLE_PARALLEL");
    const char *limit_text = getenv("PERF_ORACLE_LIMIT");
    long parallel = parallel_text ? strtol(parallel_text, NULL, 10) : 4;
    double limit = limit_text ? strtod(limit_text, NULL) : 20;
    if (!directory || !request_path || parallel < 1 || parallel > 64 || !(limit > 0)) {
        fprintf(stderr, "perf-oracle-server: PERF_ORACLE_SERVE, PERF_ORACLE_REQUESTS, PERF_ORACLE_PARALLEL (1-64)"
                        " or PERF_ORACLE_LIMIT (> 0) missing or out of range\n");
        return 2;
    }
    char *answers = strdup(directory);
    struct request *requests;
    long count = read_requests(request_path, &requests);
    if (count < 0 || !answers) return 2;
    // The children's perf sees the environment a plain perf run would.
    unsetenv("PERF_ORACLE_SERVE");
    unsetenv("PERF_ORACLE_REQUESTS");
    unsetenv("PERF_ORACLE_PARALLEL");
    unsetenv("PERF_ORACLE_LIMIT");
    unsetenv("LD_PRELOAD");
    environment = environ;

    sigset_t child_signal, original;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    sigprocmask(SIG_BLOCK, &child_signal, &original);
    struct child *running = calloc((size_t)parallel, sizeof *running);
    if (!running) return 2;
    long next = 0, active = 0;
    pid_t server = getpid();
    int status_of_server = 0;
    while (next < count || active > 0) {
        while (next < count && active < parallel) {
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) run_request(answers, &requests[next], argv[0], server, &original, environment);
            if (pid < 0) {
                fprintf(stderr, "perf-oracle-server: fork: %s\n", strerror(errno));
                return 2;
            }
            for (long slot = 0; slot < parallel; slot++) {
                if (running[slot].pid == 0) {
                    running[slot].pid = pid;
                    running[slot].index = requests[next].index;
                    clock_gettime(CLOCK_MONOTONIC, &running[slot].started);
                    break;
                }
            }
            next++;
            active++;
        }
        struct timespec tick = {0, 50 * 1000 * 1000};
        sigtimedwait(&child_signal, NULL, &tick);
        for (long slot = 0; slot < parallel; slot++) {
            struct child *child = &running[slot];
            if (child->pid == 0) continue;
            int status;
            pid_t done = waitpid(child->pid, &status, WNOHANG);
            if (done == 0) {
                if (seconds_since(&child->started) > limit) {
                    kill(child->pid, SIGKILL);
                    waitpid(child->pid, &status, 0);
                    char line[160];
                    snprintf(line, sizeof line, "\nperf-oracle-server: killed after %.0f s without an answer\n", limit);
                    append_line(answers, child->index, line);
                    status_of_server = 1;
                    child->pid = 0;
                    active--;
                }
                continue;
            }
            if (done == child->pid && WIFSIGNALED(status)) {
                char line[160];
                snprintf(line, sizeof line, "\nperf-oracle-server: perf died of signal %d: %s\n", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
                append_line(answers, child->index, line);
            }
            child->pid = 0;
            active--;
        }
    }
    return status_of_server;
}

int __libc_start_main(main_function main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end) {
    start_function real = (start_function)dlsym(RTLD_NEXT, "__libc_start_main");
    const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
    name = name ? name + 1 : (argc > 0 ? argv[0] : "");
    if (!getenv("PERF_ORACLE_SERVE") || strcmp(name, "perf") != 0) {
        return real(main, argc, argv, init, fini, rtld_fini, stack_end);
    }
    perf_main = main;
    return real(serve, argc, argv, init, fini, rtld_fini, stack_end);
}
