// LabReference: the C side of the arm64 lab's bench rows (Tests/Lab/Runner/BenchRows.swift).
//
// Each function runs `ops` operations between one pair of CLOCK_MONOTONIC_RAW reads and
// returns the nanoseconds between them (with QEMU's -icount shift=0, guest instructions),
// the clock pair included: the caller subtracts the pair's own cost. Each loop does what
// the matching Swift loop does through the library, written as plainly as C allows.
// A negative result is -errno, or -(1000 + reason) when something other than the
// expected outcome came back (a KVM exit reason, a user-space read the page refused).
#ifndef LABREFERENCE_H
#define LABREFERENCE_H

#include <stdint.h>

/// The bytes one read(2) of `fd` returns (its read format's size), or -errno.
int64_t lab_read_size(int32_t fd);

/// `read(fd, buffer, size)` `ops` times; each must return `size` bytes.
int64_t lab_read_batch(int32_t fd, uint64_t size, uint64_t ops);

/// The counter's metadata page mapped read-only (what the library maps for a user-space
/// read), or NULL; lab_unmap_page undoes it.
const void *lab_map_page(int32_t fd);
void lab_unmap_page(const void *page);

/// The user-space read `ops` times, as linux/perf_event.h documents it: the mmap page's
/// seqlock around time_enabled, time_running, index, offset, pmc_width and the counter
/// register (`mrs PMCCNTR_EL0` / `PMEVCNTR<n>_EL0`), times extrapolated with the page's
/// clock when cap_user_time and enabled != running. -(1000 + 1) when the page offers no
/// user-space read (cap_user_rdpmc 0 or index 0). `*sum` gets the counts added up.
int64_t lab_user_read_batch(const void *page, uint64_t ops, uint64_t *sum);

/// A group's user-space read `ops` times: lab_user_read_batch's read of each of `count`
/// pages (leader first, at most 16) in turn into storage the caller keeps, as
/// CounterGroup.readInUserSpace(into:) reads into a GroupReading: `words` gets the leader's
/// time enabled and running, then each value (2 + count words).
int64_t lab_user_read_group_batch(const void *const *pages, uint32_t count, uint64_t ops, uint64_t *words);

/// `ioctl(vcpu_fd, KVM_RUN, 0)` `ops` times; each must return KVM_EXIT_MMIO (`run` is the
/// VCPU's mapped struct kvm_run).
int64_t lab_kvm_mmio_batch(int32_t vcpu_fd, const void *run, uint64_t ops);

/// One `ioctl(vcpu_fd, KVM_RUN, 0)` that must return KVM_EXIT_MMIO: a guest loop of HVCs KVM
/// answers itself, ended by an MMIO store.
int64_t lab_kvm_run_to_mmio(int32_t vcpu_fd, const void *run);

#endif
