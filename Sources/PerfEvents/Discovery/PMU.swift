/// A performance monitoring unit as the kernel registers it under
/// `/sys/bus/event_source/devices/<name>`.
///
/// `type` is what `perf_event_attr.type` must say to open an event on this
/// PMU (and what a VMM hands to KVM_ARM_VCPU_PMU_V3_SET_PMU on arm64). It is
/// assigned at boot: never hard-code it.
public struct PMU: Hashable, Sendable {
    /// The sysfs device name, such as `armv8_cortex_a72`, `cpu_core` or `msr`.
    public var name: String
    /// The value of `<pmu>/type`.
    public var type: UInt32
    /// What sort of PMU this is.
    public var kind: PMUKind
    /// The CPUs the PMU counts on: `cpus` for core PMUs of heterogeneous
    /// machines, `cpumask` for uncore PMUs; nil when sysfs names none
    /// (every CPU, as for software events or a homogeneous `cpu` PMU).
    public var cpus: CPUSet?
    /// `caps/*`: capability name to its value, such as `pmu_name` → `alderlake_hybrid`.
    public var capabilities: [String: String]
    /// `format/*`: how terms pack into config words, sorted by name.
    package var formats: [FormatField]
    /// `events/*`: the named events (aliases) the kernel publishes, sorted by name.
    public var aliases: [EventAlias]
    /// The sysfs directory this was read from.
    public var path: String

    package init(
        name: String, type: UInt32, kind: PMUKind, cpus: CPUSet? = nil,
        capabilities: [String: String] = [:], formats: [FormatField] = [],
        aliases: [EventAlias] = [], path: String = ""
    ) {
        self.name = name
        self.type = type
        self.kind = kind
        self.cpus = cpus
        self.capabilities = capabilities
        self.formats = formats
        self.aliases = aliases
        self.path = path
    }

    /// The kernel's fixed PMU of a legacy type (`software` 1, `tracepoint` 2,
    /// `breakpoint` 5), as sysfs names it, or one called `type N` for any other
    /// type: for events given by their attributes, with no discovery at hand.
    public init(legacyType type: UInt32) {
        switch type {
        case LegacyType.software: self.init(name: "software", type: type, kind: .software)
        case LegacyType.tracepoint: self.init(name: "tracepoint", type: type, kind: .tracepoint)
        case LegacyType.breakpoint: self.init(name: "breakpoint", type: type, kind: .breakpoint)
        default: self.init(name: "type \(type)", type: type, kind: .other)
        }
    }

    /// The format field called `name`, if the PMU has one.
    package func format(named name: String) -> FormatField? {
        formats.first { $0.name == name }
    }

    /// The alias called `name` (sysfs alias names are case-insensitive in perf).
    public func alias(named name: String) -> EventAlias? {
        let wanted = asciiLowercased(name)
        return aliases.first { asciiLowercased($0.name) == wanted }
    }
}

/// What sort of PMU a sysfs device is.
public enum PMUKind: String, Hashable, Sendable, CaseIterable {
    /// A CPU core PMU (`cpu`, `cpu_core`, `cpu_atom`, `armv8_*`, …): counts on the CPUs it covers.
    case core
    /// An uncore/system PMU with a `cpumask` (memory controllers, caches, interconnects).
    case uncore
    /// The kernel's software events (type 1).
    case software
    /// Tracepoints (type 2); event ids come from tracefs.
    case tracepoint
    /// Hardware breakpoints and watchpoints (type 5).
    case breakpoint
    /// Anything else: msr, uprobe, kprobe, power, …
    case other
}

/// ASCII-only lowercasing, usable in Embedded Swift (no Unicode tables needed).
func asciiLowercased(_ text: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        bytes.append(byte >= 65 && byte <= 90 ? byte + 32 : byte)
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension PMU {
    /// Pairs of format fields that share bits of a config word, such as the
    /// Intel core PMU's `ldlat` (`config1:0-15`) and `frontend` (`config1:0-23`).
    ///
    /// The kernel publishes such overlaps on purpose (the fields belong to
    /// different events) and perf accepts them, so discovery does not report
    /// them as problems; resolution may use this to reject an event string
    /// that sets two overlapping terms at once.
    package var overlappingFormats: [(FormatField, FormatField)] {
        var pairs: [(FormatField, FormatField)] = []
        for (index, field) in formats.enumerated() {
            for other in formats[(index + 1)...] where field.overlaps(other) {
                pairs.append((field, other))
            }
        }
        return pairs
    }

    /// Whether this is a CPU core PMU (one that counts cycles and instructions).
    public var isCore: Bool { kind == .core }
}
