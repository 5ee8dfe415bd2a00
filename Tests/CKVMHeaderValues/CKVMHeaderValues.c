// The values CKVMHeaderValues.h declares, straight from <linux/kvm.h>.
#include "CKVMHeaderValues.h"

#include <stddef.h>
#include <linux/kvm.h>

const uint64_t ckhv_KVM_GET_API_VERSION = KVM_GET_API_VERSION;
const uint64_t ckhv_KVM_CREATE_VM = KVM_CREATE_VM;
const uint64_t ckhv_KVM_CHECK_EXTENSION = KVM_CHECK_EXTENSION;
const uint64_t ckhv_KVM_GET_VCPU_MMAP_SIZE = KVM_GET_VCPU_MMAP_SIZE;
const uint64_t ckhv_KVM_CREATE_VCPU = KVM_CREATE_VCPU;
const uint64_t ckhv_KVM_SET_USER_MEMORY_REGION = KVM_SET_USER_MEMORY_REGION;
const uint64_t ckhv_KVM_RUN = KVM_RUN;
const uint64_t ckhv_KVM_SET_DEVICE_ATTR = KVM_SET_DEVICE_ATTR;
const uint64_t ckhv_KVM_HAS_DEVICE_ATTR = KVM_HAS_DEVICE_ATTR;
const uint64_t ckhv_KVM_CREATE_DEVICE = KVM_CREATE_DEVICE;
const uint32_t ckhv_KVM_DEV_TYPE_ARM_VGIC_V3 = KVM_DEV_TYPE_ARM_VGIC_V3;
const uint64_t ckhv_KVM_SET_ONE_REG = KVM_SET_ONE_REG;
const uint32_t ckhv_KVM_RUN_SIZE = sizeof(struct kvm_run);
const uint32_t ckhv_KVM_RUN_EXIT_REASON_OFFSET = offsetof(struct kvm_run, exit_reason);
const uint32_t ckhv_KVM_RUN_IO_PORT_OFFSET = offsetof(struct kvm_run, io.port);
const uint32_t ckhv_KVM_RUN_IO_DATA_OFFSET_OFFSET = offsetof(struct kvm_run, io.data_offset);
const uint32_t ckhv_KVM_RUN_MMIO_LEN_OFFSET = offsetof(struct kvm_run, mmio.len);
const uint32_t ckhv_KVM_RUN_MMIO_IS_WRITE_OFFSET = offsetof(struct kvm_run, mmio.is_write);
const uint32_t ckhv_KVM_RUN_FAIL_ENTRY_CPU_OFFSET = offsetof(struct kvm_run, fail_entry.cpu);
const uint32_t ckhv_KVM_RUN_INTERNAL_DATA_OFFSET = offsetof(struct kvm_run, internal.data);
const uint32_t ckhv_KVM_RUN_SYSTEM_EVENT_DATA_OFFSET = offsetof(struct kvm_run, system_event.data);
#if defined(__x86_64__)
const uint64_t ckhv_KVM_GET_REGS = KVM_GET_REGS;
const uint64_t ckhv_KVM_SET_REGS = KVM_SET_REGS;
const uint64_t ckhv_KVM_GET_SREGS = KVM_GET_SREGS;
const uint64_t ckhv_KVM_SET_SREGS = KVM_SET_SREGS;
#endif
