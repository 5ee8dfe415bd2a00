/// What ``PMUDiscovery/discover()`` found: the PMUs it could read and the
/// problems it met on the way.
public struct PMUInventory: Hashable, Sendable {
    /// The PMUs, sorted by type, then by name.
    ///
    /// A PMU whose `type`, `cpus` or `cpumask` cannot be read or parsed is
    /// left out (counting on it would go wrong); a bad `caps/`, `format/` or
    /// `events/` entry only leaves out that entry. Either way the reason is
    /// in ``problems``.
    public var pmus: [PMU]
    /// Everything discovery could not read or parse, each naming its path.
    public var problems: [SysfsError]
    /// The directory the PMUs were listed from (`<root>/bus/event_source/devices`).
    package var devicesPath: String

    package init(pmus: [PMU], problems: [SysfsError] = [], devicesPath: String = "") {
        self.pmus = pmus.sorted { $0.type != $1.type ? $0.type < $1.type : $0.name < $1.name }
        self.problems = problems
        self.devicesPath = devicesPath
    }

    /// The CPU core PMUs: one on a homogeneous machine (`cpu`, `armv8_pmuv3_0`),
    /// one per core type on a heterogeneous one (`cpu_core` + `cpu_atom`,
    /// `armv8_cortex_a53` + `armv8_cortex_a72`); none in a VM without a virtual PMU.
    public var corePMUs: [PMU] { pmus.filter { $0.isCore } }

    /// Whether the machine exposes a hardware CPU PMU at all. When false,
    /// only software, tracepoint, breakpoint and similar events can be counted.
    public var hasCorePMU: Bool { pmus.contains { $0.isCore } }

    /// The core PMUs, or an error explaining that there are none.
    package func requireCorePMUs() throws(PMULookupError) -> [PMU] {
        let cores = corePMUs
        if cores.isEmpty {
            throw PMULookupError(reason: .noCorePMU(available: pmus.map { $0.name }))
        }
        return cores
    }

    /// The PMU whose `type` is `type`, if any.
    public func pmu(type: UInt32) -> PMU? {
        pmus.first { $0.type == type }
    }

    /// The PMU called `name` (exactly, as in sysfs).
    ///
    /// Throws when there is none: with the problems discovery met reading
    /// that PMU when it exists but is malformed, otherwise with the closest
    /// names as suggestions.
    public func pmu(named name: String) throws(PMULookupError) -> PMU {
        if let pmu = pmus.first(where: { $0.name == name }) { return pmu }
        let directory = joinPath(devicesPath, name)
        let own = problems.filter { $0.path == directory || $0.path.hasPrefix(directory + "/") }
        if !devicesPath.isEmpty && !own.isEmpty {
            throw PMULookupError(reason: .malformed(name: name, problems: own))
        }
        let names = pmus.map { $0.name }
        throw PMULookupError(
            reason: .unknown(name: name, suggestions: Suggestions.closest(to: name, among: names), available: names))
    }
}

/// A PMU that is not there.
public struct PMULookupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why the lookup failed.
    public enum Reason: Hashable, Sendable {
        /// No PMU has this name; `suggestions` are the closest names.
        case unknown(name: String, suggestions: [String], available: [String])
        /// The PMU's directory exists but could not be read or parsed.
        case malformed(name: String, problems: [SysfsError])
        /// The machine has no CPU core PMU (a VM without a virtual PMU, for instance).
        case noCorePMU(available: [String])
        /// The sysfs devices directory itself could not be read.
        case unreadable(SysfsError)
    }
    /// Why the lookup failed.
    public var reason: Reason

    /// An error for `reason`.
    package init(reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .unknown(let name, let suggestions, let available):
            var text = "no PMU named '\(name)'"
            if !suggestions.isEmpty {
                text += "; did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?"
            }
            text += available.isEmpty
                ? " (no PMUs found)" : " (available: " + available.joined(separator: ", ") + ")"
            return text
        case .malformed(let name, let problems):
            return "PMU '\(name)' exists but cannot be used: "
                + problems.map { $0.description }.joined(separator: "; ")
        case .noCorePMU(let available):
            return "no hardware CPU PMU: the kernel exposes no core PMU (cpu, cpu_core, armv8_*, …), "
                + "as in a virtual machine without a virtual PMU; only software-style events can be counted"
                + (available.isEmpty ? "" : " (available: " + available.joined(separator: ", ") + ")")
        case .unreadable(let error):
            return error.description
        }
    }
}
