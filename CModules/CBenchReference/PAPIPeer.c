// PAPI, the peer pmu-bench compares the library with, loaded at run time.
//
// libpapi is never linked: dlopen finds it where it is installed (Debian:
// libpapi7.x, from libpapi-dev), and a machine without it gets the reason.
// The prototypes below are PAPI's documented C API (papi.h); the constants
// are its documented values. The timed loops bracket one PAPI call between
// two CLOCK_MONOTONIC_RAW reads, exactly as the Swift loops do with ours.
#define _GNU_SOURCE
#include "CBenchReference.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PEER_PAPI_OK 0
#define PEER_PAPI_NULL (-1)

typedef int (*papi_int_fn)(int);
typedef int (*papi_create_fn)(int *);
typedef int (*papi_add_named_fn)(int, const char *);
typedef int (*papi_values_fn)(int, long long *);
typedef char *(*papi_strerror_fn)(int);
typedef const void *(*papi_component_info_fn)(int);
typedef int (*papi_component_index_fn)(const char *);

static struct {
    void *handle;
    papi_int_fn library_init, start, cleanup, reset;
    papi_create_fn create, destroy;
    papi_add_named_fn add_named;
    papi_values_fn read, stop;
    papi_strerror_fn strerror;
    papi_component_info_fn component_info;
    papi_component_index_fn component_index;
    int version;
} papi;

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *describe(int code) {
    const char *text = papi.strerror ? papi.strerror(code) : NULL;
    return text ? text : "unknown PAPI error";
}

int32_t cbr_papi_load(char *why, uint64_t why_size) {
    if (papi.version > 0) return papi.version;
    // Newest first; the unversioned name last (it exists only with libpapi-dev).
    static const char *names[] = {"libpapi.so.7.2", "libpapi.so.7.1", "libpapi.so.7.0", "libpapi.so.7",
                                  "libpapi.so.6.0", "libpapi.so"};
    const char *last = "not tried";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !papi.handle; i++) {
        papi.handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!papi.handle) last = dlerror();
    }
    if (!papi.handle) {
        snprintf(why, why_size, "PAPI is not installed (dlopen libpapi.so.7*: %s; Debian: apt-get install libpapi-dev)", last);
        return -1;
    }
#define BIND(field, name) \
    if (!(*(void **)&papi.field = dlsym(papi.handle, name))) { \
        snprintf(why, why_size, "libpapi has no %s", name); \
        return -1; \
    }
    BIND(library_init, "PAPI_library_init")
    BIND(start, "PAPI_start")
    BIND(cleanup, "PAPI_cleanup_eventset")
    BIND(reset, "PAPI_reset")
    BIND(create, "PAPI_create_eventset")
    BIND(destroy, "PAPI_destroy_eventset")
    BIND(add_named, "PAPI_add_named_event")
    BIND(read, "PAPI_read")
    BIND(stop, "PAPI_stop")
    BIND(strerror, "PAPI_strerror")
    BIND(component_info, "PAPI_get_component_info")
    BIND(component_index, "PAPI_get_component_index")
#undef BIND
    // PAPI_library_init accepts only its own major.minor (PAPI_VER_CURRENT): try them.
    int result = 0;
    for (int major = 7; major >= 5 && papi.version <= 0; major--) {
        for (int minor = 9; minor >= 0; minor--) {
            int version = (major << 24) | (minor << 16);
            result = papi.library_init(version);
            if (result > 0) {
                papi.version = result;
                break;
            }
        }
    }
    if (papi.version <= 0) {
        snprintf(why, why_size, "PAPI_library_init failed: %s (%d)", describe(result), result);
        return -1;
    }
    return papi.version;
}

int32_t cbr_papi_perf_event_problem(char *why, uint64_t why_size) {
    int index = papi.component_index("perf_event");
    if (index < 0) {
        snprintf(why, why_size, "PAPI has no perf_event component: %s", describe(index));
        return index;
    }
    // PAPI_component_info_t begins with name[128], short_name[64], description[128],
    // version[64], support_version[64], kernel_version[64], disabled_reason[1024], disabled.
    const char *info = papi.component_info(index);
    if (!info) return 0;
    int disabled;
    memcpy(&disabled, info + 128 + 64 + 128 + 64 * 3 + 1024, sizeof disabled);
    if (disabled) {
        snprintf(why, why_size, "PAPI's perf_event component is disabled: %.900s", info + 128 + 64 + 128 + 64 * 3);
        return disabled < 0 ? disabled : -1;
    }
    return 0;
}

int32_t cbr_papi_open(const char *const *names, int32_t count, int32_t *event_set, char *why, uint64_t why_size) {
    int set = PEER_PAPI_NULL;
    int result = papi.create(&set);
    if (result != PEER_PAPI_OK) {
        snprintf(why, why_size, "PAPI_create_eventset: %s", describe(result));
        return result;
    }
    for (int32_t i = 0; i < count; i++) {
        result = papi.add_named(set, names[i]);
        if (result != PEER_PAPI_OK) {
            snprintf(why, why_size, "PAPI_add_named_event(%s): %s", names[i], describe(result));
            papi.cleanup(set);
            papi.destroy(&set);
            return result;
        }
    }
    *event_set = set;
    return 0;
}

int32_t cbr_papi_start(int32_t event_set) { return papi.start(event_set); }

int32_t cbr_papi_stop(int32_t event_set, long long *values) { return papi.stop(event_set, values); }

void cbr_papi_close(int32_t event_set) {
    int set = event_set;
    papi.cleanup(set);
    papi.destroy(&set);
}

const char *cbr_papi_strerror(int32_t code) { return describe(code); }

// PAPI's codes are negative small numbers; as loop failures they are kept
// apart from -errno by an offset the Swift side decodes.
#define PAPI_FAILURE(code) (-(int64_t)CBR_PAPI_FAILURE_BASE + (code))

int64_t cbr_papi_read_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int result = papi.read(event_set, values);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result != PEER_PAPI_OK) return PAPI_FAILURE(result);
    }
    return 0;
}

int64_t cbr_papi_start_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        uint64_t start = now_ns();
        int result = papi.start(event_set);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result != PEER_PAPI_OK) return PAPI_FAILURE(result);
        result = papi.stop(event_set, values);
        if (result != PEER_PAPI_OK) return PAPI_FAILURE(result);
    }
    return 0;
}

int64_t cbr_papi_stop_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        int result = papi.start(event_set);
        if (result != PEER_PAPI_OK) return PAPI_FAILURE(result);
        uint64_t start = now_ns();
        result = papi.stop(event_set, values);
        uint64_t end = now_ns();
        samples[i] = end - start;
        if (result != PEER_PAPI_OK) return PAPI_FAILURE(result);
    }
    return 0;
}
