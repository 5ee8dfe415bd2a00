/// A counter that could not be opened, read or controlled.
///
/// It carries the `errno` (when the kernel gave one), the caller's label for
/// the event (`"cycles"`, `"cpu_core/event=0x3c/"`), the event's attributes,
/// and a ``message`` that says what to do about it, such as the
/// `perf_event_paranoid` setting that would allow the event.
///
/// ```swift
/// do {
///     let counter = try Counter(resolver.event(.cycles, on: pmu))
/// } catch {
///     print(error)                      // "cannot open cycles (type 0, config 0x0) for …: ENOENT …"
///     if error.isNotSupported { … }    // show "<not supported>" and go on, like perf stat
/// }
/// ```
public struct CounterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done.
    public enum Operation: String, Hashable, Sendable {
        /// Opening the event with `perf_event_open(2)`.
        case open
        /// Reading the count with `read(2)`.
        case read
        /// Starting the count (`PERF_EVENT_IOC_ENABLE`).
        case enable
        /// Stopping the count (`PERF_EVENT_IOC_DISABLE`).
        case disable
        /// Zeroing the count (`PERF_EVENT_IOC_RESET`).
        case reset
        /// Mapping the counter's metadata page with `mmap(2)`.
        case mmap
    }

    /// What was being done.
    public var operation: Operation
    /// The error number, when the kernel returned one.
    public var errno: Errno?
    /// The caller's name for the event.
    public var label: String
    /// The event, as resolution produced it.
    public var attributes: EventAttributes?
    /// The value of `perf_event_paranoid`, read when the kernel refused permission.
    public var paranoid: Int?
    /// What went wrong and how to fix it.
    public var message: String

    package init(
        operation: Operation, errno: Errno?, label: String, attributes: EventAttributes?,
        paranoid: Int? = nil, message: String
    ) {
        self.operation = operation
        self.errno = errno
        self.label = label
        self.attributes = attributes
        self.paranoid = paranoid
        self.message = message
    }

    /// Whether the kernel says this event cannot be counted here (no such PMU or
    /// event, or a PMU that cannot do what was asked), as opposed to a
    /// permission or resource problem: `perf stat` prints `<not supported>` for these and goes on.
    public var isNotSupported: Bool {
        guard operation == .open, let errno else { return false }
        return errno == .noSuchFileOrDirectory || errno == .noSuchDevice || errno == .notSupported
            || errno == .invalidArgument || errno == .noSuchDeviceOrAddress
    }

    public var description: String {
        var text = "cannot \(operation.rawValue) \(label)"
        if let attributes { text += " (\(describe(attributes)))" }
        if let errno { text += ": \(errno)" }
        return text + ": " + message
    }
}

/// `type 1, config 0x0` and the non-zero rest, for messages.
func describe(_ attributes: EventAttributes) -> String {
    var text = "type \(attributes.type), config 0x" + String(attributes.config, radix: 16)
    if attributes.config1 != 0 { text += ", config1 0x" + String(attributes.config1, radix: 16) }
    if attributes.config2 != 0 { text += ", config2 0x" + String(attributes.config2, radix: 16) }
    if attributes.config3 != 0 { text += ", config3 0x" + String(attributes.config3, radix: 16) }
    if attributes.breakpointType != 0 { text += ", bp_type \(attributes.breakpointType)" }
    return text
}

/// What the kernel's refusal to open an event means, as advice. Pure: the
/// caller supplies the `perf_event_paranoid` value it could read.
struct OpenFailureExplanation {
    var errno: Errno
    var attributes: EventAttributes
    var target: CountingTarget
    /// `perf_event_paranoid`, or nil when it could not be read.
    var paranoid: Int?
    /// Where `paranoid` was read from, for the message.
    var paranoidPath: String
    var machineHasCorePMU: Bool?

    /// The `perf_event_paranoid` level at or below which an unprivileged user
    /// may open this event on this target: 0 for CPU-wide counting, 1 when
    /// kernel space is counted, 2 for user space only.
    var requiredParanoid: Int {
        if target.isCPUWide { return 0 }
        if !attributes.excludeKernel { return 1 }
        return 2
    }

    /// Whether the event needs a hardware (core) PMU: legacy hardware, cache and raw types.
    var needsHardwarePMU: Bool {
        attributes.type == LegacyType.hardware || attributes.type == LegacyType.hardwareCache
            || attributes.type == LegacyType.raw
    }

    var virtualMachineHint: String? {
        guard machineHasCorePMU == false, needsHardwarePMU else { return nil }
        return "no hardware PMU: this looks like a virtual machine without a virtual PMU"
            + " (software, tracepoint and breakpoint events still work; give the guest a PMU,"
            + " e.g. QEMU -cpu host,pmu=on)"
    }

    var message: String {
        switch errno {
        case .permissionDenied, .notPermitted:
            return permissionMessage
        case .noSuchFileOrDirectory, .noSuchDevice:
            if let hint = virtualMachineHint { return hint }
            var text = "this PMU or event does not exist here (no PMU of type \(attributes.type),"
                + " or it does not know this config)"
            if !target.cpus.contains(-1) {
                text += "; or one of the CPUs (\(target.cpus.map { "\($0)" }.joined(separator: ","))) is"
                    + " not one this PMU counts on"
            }
            return text + "; list the PMUs with `ls /sys/bus/event_source/devices`"
        case .notSupported:
            if let hint = virtualMachineHint { return hint }
            return "the PMU cannot do what was asked: an exclude filter it cannot apply"
                + " (the :u/:k/:h/:G/:H modifiers), precise_ip (:p), or sampling;"
                + " try the event without modifiers"
        case .invalidArgument:
            if let hint = virtualMachineHint { return hint }
            return "the kernel rejected the attributes: a config value outside the PMU's format"
                + " fields, a flag this kernel or PMU does not know, or a CPU that is not online"
        case .tooManyOpenFiles:
            return "too many open files: every counter takes one descriptor per CPU and thread"
                + " (\(target.cpus.count * target.threads.count) here); raise the limit with `ulimit -n`"
        case .argumentListTooLong:
            return "the kernel does not understand this perf_event_attr (size"
                + " \(KernelEventAttributes.headerSize)): it is older than these headers or than a field"
                + " set here (config3 needs Linux 6.3)"
        case .busy:
            return "the PMU is in exclusive use: another tool holds it (a pinned or exclusive event,"
                + " the NMI watchdog), or KVM has given the counters to a guest; stop that user and retry"
        case .noSpace:
            return "no free hardware slot for this event: breakpoints share the CPU's few debug"
                + " registers (4 on x86), per thread and per CPU; close other breakpoint events"
        case .noSuchProcess:
            return "no such thread (\(target.threads.map { "\($0)" }.joined(separator: ","))): it has exited"
                + " or never existed"
        default:
            return "the kernel refused the event (\(errno.summary))"
        }
    }

    var permissionMessage: String {
        let needed = requiredParanoid
        let what: String
        switch needed {
        case 0: what = "counting whole CPUs"
        case 1: what = "counting kernel space"
        default: what = "counting user space"
        }
        let privilege = "run with CAP_PERFMON (Linux 5.8+) or CAP_SYS_ADMIN, or allow it for everyone"
            + " with `sysctl kernel.perf_event_paranoid=\(needed)`"
        guard let paranoid else {
            return "permission denied and \(paranoidPath) could not be read; \(what) needs"
                + " perf_event_paranoid <= \(needed): \(privilege)"
        }
        if paranoid <= needed {
            if target.threads.contains(where: { $0 > 0 }) {
                // perf_event_open also checks ptrace access to a target thread (EACCES).
                return "perf_event_paranoid is \(paranoid), which allows \(what), so the thread is not yours to count:"
                    + " counting another user's process needs ptrace access to it (run as its user, or with"
                    + " CAP_PERFMON or CAP_SYS_PTRACE); else a seccomp filter, a security module or kernel lockdown refused"
            }
            return "perf_event_paranoid is \(paranoid), which allows \(what), so the refusal comes from"
                + " elsewhere: a seccomp filter (container runtimes block perf_event_open by default),"
                + " a security module (SELinux, AppArmor) or kernel lockdown"
        }
        var text = "perf_event_paranoid is \(paranoid) (\(paranoidPath)); \(what) needs"
            + " perf_event_paranoid <= \(needed): \(privilege)"
        if needed == 1 && !target.isCPUWide && paranoid <= 2 {
            text += "; or count user space only (the :u modifier, exclude_kernel)"
        }
        return text
    }
}
