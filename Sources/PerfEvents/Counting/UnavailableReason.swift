/// Why an event has no count: the reason a ``CounterValue`` carries in
/// ``CounterValue/Status/notSupported(reason:)``, typed so that a tool can act
/// on it (an errno, a PMU and its CPUs) and print it (``description``).
public enum UnavailableReason: Hashable, Sendable, CustomStringConvertible {
    /// The kernel refused to open the event: its errno and what to do about it.
    case refused(CounterError)
    /// The event was open but reading it failed.
    case readFailed(CounterError)
    /// The event string does not resolve on this machine.
    case unresolved(input: String, ResolutionError)
    /// A core PMU's event counted CPU-wide on CPUs the PMU does not cover at all.
    case noCoveredCPU(pmu: String, pmuCPUs: CPUSet, counted: CPUSet)
    /// One event was needed, and the string resolved to one per PMU (a generic
    /// event on a heterogeneous machine): name the PMU.
    case severalPMUs(input: String, pmus: [String])

    public var description: String {
        switch self {
        case .refused(let error): return error.message
        case .readFailed(let error): return "read failed: " + error.description
        case .unresolved(let input, let error): return "cannot resolve \(input): " + error.description
        case .noCoveredCPU(let pmu, let pmuCPUs, let counted):
            return "\(pmu) covers CPUs \(pmuCPUs), none of the CPUs counted (\(counted))"
        case .severalPMUs(let input, let pmus):
            return "\(input) resolves to \(pmus.count) events (" + pmus.joined(separator: ", ")
                + "): name one PMU (pmu/event/, or a PMUBinding) to count it there alone"
        }
    }

    /// The kernel's errno, where the reason has one.
    public var errno: Errno? {
        switch self {
        case .refused(let error), .readFailed(let error): return error.errno
        case .unresolved, .noCoveredCPU, .severalPMUs: return nil
        }
    }
}
