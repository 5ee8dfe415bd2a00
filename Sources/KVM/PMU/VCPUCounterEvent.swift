import PerfEvents

/// Which of guest and host execution a hardware count covers
/// (`exclude_guest` / `exclude_host`, perf's `:H` / `:G` modifiers).
public enum GuestHostScope: Hashable, Sendable, CaseIterable {
    /// Guest and host (neither bit set).
    case both
    /// Host only: `exclude_guest` (`:H`).
    case hostOnly
    /// Guest only: `exclude_host` (`:G`).
    case guestOnly

    /// The modifiers that say it (`:H`, `:G`, none).
    public var modifiers: EventModifiers {
        switch self {
        case .both: return EventModifiers()
        case .hostOnly: return .hostOnly
        case .guestOnly: return .guestOnly
        }
    }

    /// The perf modifier letter, empty for ``both``.
    package var modifier: String {
        switch self {
        case .both: return ""
        case .hostOnly: return "H"
        case .guestOnly: return "G"
        }
    }
}

/// One event a VCPU thread counts about itself (see ``VCPUCounters``).
///
/// How each becomes an `Event` (``event(binding:resolver:)``, typed requests to `Resolver`):
///
/// - **cycles / instructions** on the bound PMU, named explicitly so that a heterogeneous
///   host cannot count them on the wrong core type:
///   1. the PMU's own sysfs alias when it has one (`armv8_cortex_a72/cpu_cycles/`,
///      `cpu_atom/cpu-cycles/`, `cpu/instructions/`): the PMU's own type and raw config,
///      which every kernel accepts;
///   2. else the generic name on the PMU (`armv8_pmuv3_0/cycles/`), which resolution
///      turns into the extended type (type 0, `config = pmu.type << 32 | id`) on a
///      heterogeneous host and the plain legacy id on a homogeneous one;
///   3. without a binding (no core PMU on the host) the bare generic name, which the
///      kernel refuses: the value is then *not supported*, with the reason.
///
///   The guest/host variants add `:H` (`exclude_guest`) or `:G` (`exclude_host`). sysfs
///   has no capability file for these bits, so support is decided by a trial open: the
///   counter is opened as asked, and a PMU that cannot apply the filter refuses it
///   (EOPNOTSUPP/EINVAL), which is reported as not supported with the kernel's answer.
/// - **task-clock, context-switches**: software events (type 1), always available.
/// - **kvm tracepoints** (`kvm:kvm_exit`, …): type 2 with the tracefs id; a tracepoint
///   this kernel lacks (`kvm_pio` on arm64) is not supported, naming the missing id file.
public enum VCPUCounterEvent: Hashable, Sendable {
    /// CPU cycles on the bound PMU.
    case cycles(GuestHostScope)
    /// Instructions retired on the bound PMU.
    case instructions(GuestHostScope)
    /// `task-clock`: nanoseconds the thread ran (software).
    case taskClock
    /// `context-switches` of the thread (software).
    case contextSwitches
    /// The tracepoint `kvm:<name>`, such as `kvm_exit`.
    case kvmTracepoint(String)

    /// The kvm tracepoints a VCPU thread counts by default: every return to user space,
    /// every hardware exit, and the exits of each kind the test guests make.
    package static let standardTracepoints = ["kvm_userspace_exit", "kvm_exit", "kvm_mmio", "kvm_pio", "kvm_cpuid", "kvm_msr"]

    /// Everything: cycles and instructions in each scope, the software events and the
    /// standard kvm tracepoints.
    public static var standard: [VCPUCounterEvent] {
        var events: [VCPUCounterEvent] = []
        for scope in GuestHostScope.allCases { events.append(.cycles(scope)) }
        for scope in GuestHostScope.allCases { events.append(.instructions(scope)) }
        events.append(.taskClock)
        events.append(.contextSwitches)
        for name in standardTracepoints { events.append(.kvmTracepoint(name)) }
        return events
    }

    /// Whether this needs a hardware (core) PMU.
    package var isHardware: Bool {
        switch self {
        case .cycles, .instructions: return true
        default: return false
        }
    }

    /// A short name independent of the PMU: `cycles`, `cycles:H`, `task-clock`, `kvm:kvm_exit`.
    public var label: String {
        switch self {
        case .cycles(let scope): return "cycles" + (scope == .both ? "" : ":" + scope.modifier)
        case .instructions(let scope): return "instructions" + (scope == .both ? "" : ":" + scope.modifier)
        case .taskClock: return "task-clock"
        case .contextSwitches: return "context-switches"
        case .kvmTracepoint(let name): return "kvm:" + name
        }
    }

    /// The hardware event (cycles or instructions), nil for the others.
    package var hardware: HardwareEvent? {
        switch self {
        case .cycles: return .cycles
        case .instructions: return .instructions
        default: return nil
        }
    }

    /// This event for `binding`'s PMU (nil: the host has no core PMU), resolved by `resolver`.
    public func event(binding: PMUBinding?, resolver: Resolver) throws(ResolutionError) -> Event {
        switch self {
        case .cycles(let scope), .instructions(let scope):
            let hardware: HardwareEvent = self.hardware ?? .cycles
            if let pmu = binding?.pmu { return try resolver.nativeEvent(hardware, on: pmu, modifiers: scope.modifiers) }
            // No core PMU: the legacy generic event, which the kernel refuses with a reason.
            let events = try resolver.events(hardware, modifiers: scope.modifiers)
            guard let only = events.first, events.count == 1 else {
                throw .invalidTerm(input: label, pmu: "", term: hardware.name,
                                   problem: "no core PMU bound, yet it resolves to \(events.count) events: bind a PMU")
            }
            return only
        case .taskClock: return .software(.taskClock)
        case .contextSwitches: return .software(.contextSwitches)
        case .kvmTracepoint(let name): return try resolver.event(tracepoint: "kvm", name)
        }
    }
}
