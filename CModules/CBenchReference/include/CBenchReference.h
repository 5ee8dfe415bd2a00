// CBenchReference: the C side of pmu-bench.
//
// Each loop does exactly what the matching Swift loop in pmu-bench does: one
// sample per iteration, the operation bracketed by two reads of
// CLOCK_MONOTONIC_RAW (clock_gettime called directly here), the difference
// stored in `samples[i]` in nanoseconds. Nothing else happens between the two
// clock reads, so the Swift/C ratio measures only what the Swift code adds.
//
// Return convention (as in CPerfEvents): 0 when every sample was taken,
// -errno when the operation failed (the samples up to it are valid), and for
// cbr_kvm_pio_loop 1000 + exit_reason when KVM_RUN returned for another reason.
#ifndef CBENCHREFERENCE_H
#define CBENCHREFERENCE_H

#include <stdint.h>

/// Back-to-back clock reads: the cost of the timer itself.
int64_t cbr_timer_loop(uint64_t *samples, uint64_t count);

/// `read(fd, buffer, size)` per sample; a short read counts as failure (-EIO).
int64_t cbr_read_loop(int32_t fd, void *buffer, uint64_t size, uint64_t *samples, uint64_t count);

/// `ioctl(fd, PERF_EVENT_IOC_ENABLE, flags)` then `ioctl(fd, PERF_EVENT_IOC_DISABLE, flags)`
/// per sample; `flags` is 0 or PERF_IOC_FLAG_GROUP (1).
int64_t cbr_enable_disable_loop(int32_t fd, uint32_t flags, uint64_t *samples, uint64_t count);

/// Batch-timed forms: `batch` operations between one clock pair, each sample the
/// time per operation; the clock's cost is spread over the batch.
int64_t cbr_read_batch_loop(int32_t fd, void *buffer, uint64_t size, uint64_t batch,
                            uint64_t *samples, uint64_t count);
int64_t cbr_enable_disable_batch_loop(int32_t fd, uint32_t flags, uint64_t batch, uint64_t *samples, uint64_t count);

/// `syscall(SYS_getpid)` per sample: the raw system call floor. Not getppid: the
/// tracepoint rows count sys_enter_getppid, and the floor must take the same
/// traced entry path (any syscall tracepoint enabled sends every syscall there)
/// without firing the counted event.
int64_t cbr_syscall_floor_loop(uint64_t *samples, uint64_t count);

/// `ioctl(vcpu_fd, KVM_RUN, 0)` per sample on a vCPU whose guest loops on an
/// `out` to `port`; every return must be KVM_EXIT_IO on that port (checked
/// through `run`, the vCPU's mmap'ed `struct kvm_run`). The time is one full
/// guest → user space → guest round trip.
int64_t cbr_kvm_pio_loop(int32_t vcpu_fd, void *run, uint16_t port, uint64_t *samples, uint64_t count);

/// As cbr_kvm_pio_loop for a guest storing to unbacked guest-physical `address`:
/// every return must be KVM_EXIT_MMIO, a write to that address.
int64_t cbr_kvm_mmio_loop(int32_t vcpu_fd, void *run, uint64_t address, uint64_t *samples, uint64_t count);

/// Sampling (RecordDecoding.c): per sample, every record between `tail` and
/// `head` of the circular data area `data` (`size` bytes, a power of two) framed
/// and, for samples, decoded for `sample_type`'s fixed fields (no READ,
/// CALLCHAIN or RAW); `scratch` holds a record that wraps (65,536 bytes).
/// -EIO when a record does not frame or decode.
int64_t cbr_decode_records_loop(const uint8_t *data, uint64_t size, uint64_t tail, uint64_t head,
                                uint64_t sample_type, uint8_t *scratch, uint64_t *sink,
                                uint64_t *samples, uint64_t count);

/// One drain round trip per sample on a mapped ring buffer (`page`, the
/// metadata page): getppid() (one tracepoint sample), head loaded with acquire,
/// records framed and decoded as above, tail stored with release.
/// -ENODATA when a round trip found no record.
int64_t cbr_drain_loop(void *page, uint64_t sample_type, uint8_t *scratch, uint64_t *sink,
                       uint64_t *samples, uint64_t count);

/// libpfm's pfm_get_version(): (major << 16) | minor, or -1. This is the
/// library's API version (LIBPFM_VERSION, 4.0 for every 4.x release), not the
/// package release. -2 when built without the package's Libpfm trait.
int32_t cbr_libpfm_version(void);

/// LIBPFM_VERSION from the pfmlib.h this was compiled against, same encoding
/// (-2 without the Libpfm trait).
int32_t cbr_libpfm_header_version(void);

/// One KVM_RUN timed (the in-kernel loop rows' C reference): stores the ns in
/// `*elapsed`; returns 0 or -errno.
int64_t cbr_kvm_run_timed(int32_t vcpu_fd, uint64_t *elapsed);
/// The exit rows' floor: KVM_RUN with kvm_run.immediate_exit set, which enters
/// the ioctl and returns EINTR without entering the guest; the flag is cleared
/// afterwards. Returns 0, -errno, or 1000 + exit_reason if the guest ran.
int64_t cbr_kvm_immediate_exit_loop(int32_t vcpu_fd, void *run, uint64_t *samples, uint64_t count);

/// PAPI, the peer (PAPIPeer.c): libpapi loaded with dlopen, never linked. Each
/// returns PAPI's version (> 0) or 0 on success, or a negative code with the
/// reason in `why`.
int32_t cbr_papi_load(char *why, uint64_t why_size);
/// 0 when PAPI's perf_event component is enabled, else < 0 with PAPI's reason.
int32_t cbr_papi_perf_event_problem(char *why, uint64_t why_size);
/// An event set of `count` named events (`perf::TASK-CLOCK`, …), not started.
int32_t cbr_papi_open(const char *const *names, int32_t count, int32_t *event_set, char *why, uint64_t why_size);
int32_t cbr_papi_start(int32_t event_set);
int32_t cbr_papi_stop(int32_t event_set, long long *values);
void cbr_papi_close(int32_t event_set);
const char *cbr_papi_strerror(int32_t code);
/// A timed loop's failure from PAPI: -(CBR_PAPI_FAILURE_BASE) + PAPI's (negative) code.
#define CBR_PAPI_FAILURE_BASE 100000
/// `PAPI_read(set, values)` per sample (the set started).
int64_t cbr_papi_read_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count);
/// `PAPI_start(set)` timed per sample, then `PAPI_stop` untimed (the set stopped on entry and exit).
int64_t cbr_papi_start_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count);
/// `PAPI_start` untimed, then `PAPI_stop(set, values)` timed per sample (stopped on entry and exit).
int64_t cbr_papi_stop_loop(int32_t event_set, long long *values, uint64_t *samples, uint64_t count);

#endif
