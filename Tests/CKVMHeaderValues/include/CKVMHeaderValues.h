// CKVMHeaderValues: the C headers' own KVM ioctl numbers and kvm_run offsets,
// for tests only. The KVM module computes these in Swift; KVMTests cross-check
// the two. Architecture-specific ones exist only where the header defines them.
// A test-support target: no product links it.
#ifndef CKVMHEADERVALUES_H
#define CKVMHEADERVALUES_H

#include <stdint.h>

extern const uint64_t ckhv_KVM_GET_API_VERSION;
extern const uint64_t ckhv_KVM_CREATE_VM;
extern const uint64_t ckhv_KVM_CHECK_EXTENSION;
extern const uint64_t ckhv_KVM_GET_VCPU_MMAP_SIZE;
extern const uint64_t ckhv_KVM_CREATE_VCPU;
extern const uint64_t ckhv_KVM_SET_USER_MEMORY_REGION;
extern const uint64_t ckhv_KVM_RUN;
extern const uint64_t ckhv_KVM_SET_DEVICE_ATTR;
extern const uint64_t ckhv_KVM_HAS_DEVICE_ATTR;
extern const uint64_t ckhv_KVM_CREATE_DEVICE;
extern const uint32_t ckhv_KVM_DEV_TYPE_ARM_VGIC_V3;
extern const uint64_t ckhv_KVM_SET_ONE_REG;
extern const uint32_t ckhv_KVM_RUN_SIZE;
extern const uint32_t ckhv_KVM_RUN_EXIT_REASON_OFFSET;
extern const uint32_t ckhv_KVM_RUN_IO_PORT_OFFSET;
extern const uint32_t ckhv_KVM_RUN_IO_DATA_OFFSET_OFFSET;
extern const uint32_t ckhv_KVM_RUN_MMIO_LEN_OFFSET;
extern const uint32_t ckhv_KVM_RUN_MMIO_IS_WRITE_OFFSET;
extern const uint32_t ckhv_KVM_RUN_FAIL_ENTRY_CPU_OFFSET;
extern const uint32_t ckhv_KVM_RUN_INTERNAL_DATA_OFFSET;
extern const uint32_t ckhv_KVM_RUN_SYSTEM_EVENT_DATA_OFFSET;
#if defined(__x86_64__)
extern const uint64_t ckhv_KVM_GET_REGS;
extern const uint64_t ckhv_KVM_SET_REGS;
extern const uint64_t ckhv_KVM_GET_SREGS;
extern const uint64_t ckhv_KVM_SET_SREGS;
#endif

#endif
