import PerfEvents

/// Why a KVM operation failed, with the `errno` when a call returned one and a
/// description that says what to do about it.
public struct KVMError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The failure, classified.
    public enum Reason: Hashable, Sendable {
        /// `/dev/kvm` is missing or its driver is not loaded (ENOENT, ENODEV, ENXIO on open).
        case unavailable
        /// The caller may not open `/dev/kvm` (EACCES, EPERM).
        case permissionDenied
        /// `KVM_GET_API_VERSION` did not return 12.
        case apiVersionMismatch(found: Int32)
        /// `KVM_CREATE_VM` failed; the errno says why.
        case createVMFailed
        /// KVM is there but cannot use virtualisation extensions (nested virtualisation
        /// missing, or another hypervisor holds VMX/SVM).
        case virtualisationUnusable
        /// An arm64-only operation on a KVM that is not arm64 (ENOTTY, or a capability of 0).
        case notARM64KVM(operation: String)
        /// An x86-only operation on a KVM that is not x86 (ENOTTY).
        case notX86KVM(operation: String)
        /// A PMU attribute set too late (EBUSY): after this VCPU's PMU INIT, SET_PMU after
        /// a VCPU of the VM ran, or SET_PMU for another PMU than a filter already set was built for.
        case pmuAlreadyFixed
        /// An optional VCPU PMU attribute this kernel lacks (`KVM_HAS_DEVICE_ATTR` said no),
        /// with what that means (`ARM64PMUFeatures.missingExplanation(_:pmu:cpus:)`).
        case attributeUnsupported(ARM64PMUAttribute, explanation: String)
        /// `KVM_ARM_VCPU_PMU_V3_INIT` answered ENODEV: the VM has an in-kernel vGIC that is
        /// not initialised yet, or the VCPU has no PMUv3.
        case vgicNotInitialised
        /// A configuration the library refuses before asking the kernel (input problem).
        case invalidConfiguration(String)
        /// `KVM_RUN` failed with an errno (EINVAL, ENOEXEC, …): a generic failure whose
        /// cause the kernel does not say.
        case runFailed
        /// `KVM_ARM_VCPU_PMU_V3_SET_PMU` named a type that is no arm PMU (ENXIO).
        case noSuchPMU(type: UInt32)
        /// The VCPU has no PMUv3: KVM lacks it or the VCPU was initialised without the feature (ENODEV).
        case noPMUv3
        /// The kernel could not read or write an argument (EFAULT).
        case badAddress
        /// The VCPU was closed (its VM was closed) and cannot be used.
        case closed
        /// The guest memory region or program does not fit.
        case invalidMemory(String)
        /// `kvm_run` bytes that cannot be decoded (an I/O data window outside the mapping).
        case malformedRun(String)
        /// Any other failing call.
        case callFailed
    }

    /// The failure.
    public var reason: Reason
    /// The call that failed, such as `ioctl KVM_CREATE_VM` or `open /dev/kvm`.
    public var call: String
    /// The error number, when a call returned one.
    public var errno: Errno?

    package init(_ reason: Reason, call: String, errno: Errno? = nil) {
        self.reason = reason
        self.call = call
        self.errno = errno
    }

    public var description: String {
        let cause = errno.map { " (\(call): \($0))" } ?? (call.isEmpty ? "" : " (\(call))")
        switch reason {
        case .unavailable:
            return "KVM not available\(cause): load kvm_intel/kvm_amd (or kvm on arm64) or enable nested virtualisation"
        case .permissionDenied:
            return "no permission to use /dev/kvm\(cause): add the user to group kvm (usermod -aG kvm $USER) and log in again"
        case .apiVersionMismatch(let found):
            return "KVM API version \(found), expected 12\(cause): this kernel's KVM is not the stable API"
        case .createVMFailed:
            return "KVM_CREATE_VM failed\(cause): " + createVMAdvice
        case .virtualisationUnusable:
            return "KVM cannot use the CPU's virtualisation extensions\(cause): enable nested virtualisation "
                + "in the outer hypervisor (or VT-x/AMD-V in firmware), or stop the other hypervisor holding them"
        case .notARM64KVM(let operation):
            return "not an arm64 KVM: \(operation) needs arm64 KVM with PMUv3\(cause)"
        case .notX86KVM(let operation):
            return "not an x86 KVM: \(operation) needs x86 KVM\(cause)"
        case .pmuAlreadyFixed:
            return "too late for this PMU attribute\(cause): this VCPU's PMU is initialised (INIT), a VCPU of the VM"
                + " already ran, or (SET_PMU) a filter was set for another PMU: SET_PMU must come first, then FILTER,"
                + " SET_NR_COUNTERS and IRQ, then INIT, all before the first KVM_RUN"
        case .attributeUnsupported(_, let explanation):
            return explanation + cause
        case .vgicNotInitialised:
            return "KVM_ARM_VCPU_PMU_V3_INIT refused\(cause): the VM's in-kernel vGIC is not initialised yet"
                + " (KVM_DEV_ARM_VGIC_CTRL_INIT comes before PMU INIT), or the VCPU has no PMUv3"
                + " (initialise it with KVM_ARM_VCPU_PMU_V3)"
        case .invalidConfiguration(let detail):
            return "invalid configuration: \(detail)" + cause
        case .runFailed:
            return "KVM_RUN failed\(cause): a generic failure KVM does not explain (EINVAL or ENOEXEC: the VCPU or"
                + " the VM is not set up for running, e.g. no KVM_ARM_VCPU_INIT, an unfinished PMU or vGIC); see dmesg"
        case .noSuchPMU(let type):
            return "no arm PMU with type \(type)\(cause): pass the type of a core PMU from /sys/bus/event_source/devices/*/type"
        case .noPMUv3:
            return "no PMUv3 in KVM / feature not requested\(cause): the host needs a PMUv3 driver and the VCPU "
                + "must be initialised with KVM_ARM_VCPU_PMU_V3"
        case .badAddress:
            return "the kernel could not access an argument\(cause)"
        case .closed:
            return "the VCPU or VM is closed\(cause)"
        case .invalidMemory(let detail):
            return "invalid guest memory: \(detail)"
        case .malformedRun(let detail):
            return "malformed kvm_run: \(detail)"
        case .callFailed:
            return "KVM call failed\(cause)"
        }
    }

    private var createVMAdvice: String {
        switch errno?.rawValue {
        case Errno.invalidArgument.rawValue:
            return "the machine type (IPA size on arm64) is not supported by this kernel"
        case Errno.noMemory.rawValue, Errno.tooManyOpenFiles.rawValue:
            return "out of memory or descriptors: close other VMs"
        case Errno.busy.rawValue:
            return "another hypervisor holds the virtualisation extensions"
        default:
            return "check dmesg for kvm messages"
        }
    }

    /// Maps a failed call's errno to a generic reason; callers that know more
    /// (SET_PMU, arm64-only calls) refine it.
    static func from(_ error: SystemError) -> KVMError {
        let call = error.subject.isEmpty ? error.call : error.call + " " + error.subject
        let errno = error.errno
        switch errno {
        case .badAddress:
            return KVMError(.badAddress, call: call, errno: errno)
        default:
            return KVMError(.callFailed, call: call, errno: errno)
        }
    }
}
