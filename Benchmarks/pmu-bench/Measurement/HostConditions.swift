// Which failures are the host's state (a HostCondition, which --check lets pass)
// and which are the benchmark's own (nil, which --check fails). A condition is
// given only where the evidence is the host: the kernel's errno for an event it
// does not have, the mmap page's cap_user_rdpmc, tracefs, /dev/kvm, the KVM
// flavour's known symptom. Everything else stays nil: when in doubt, fail.
import KVM
import PerfEvents
import PMUBenchCore

extension HostCondition {
    /// The condition behind any error the benchmark catches, or nil.
    static func of(_ error: any Error) -> HostCondition? {
        switch error {
        case let failure as BenchFailure: return failure.condition
        case let counter as CounterError: return of(counter)
        case let resolution as ResolutionError: return of(resolution)
        case let tracefs as TracefsError: return of(tracefs)
        default: return nil
        }
    }

    /// The kernel's answer to opening an event: the event is not on this host
    /// (ENOENT, ENODEV, ENXIO, EOPNOTSUPP), or perf_event_paranoid forbids it
    /// (EACCES/EPERM with the level read). EINVAL is not here: it is as often
    /// attributes the benchmark got wrong.
    static func of(_ error: CounterError) -> HostCondition? {
        guard error.operation == .open, let errno = error.errno else { return nil }
        switch errno {
        case .noSuchFileOrDirectory, .noSuchDevice, .noSuchDeviceOrAddress, .notSupported:
            return .eventNotOnHost
        case .permissionDenied, .notPermitted:
            return error.paranoid == nil ? nil : .perfEventParanoid
        default:
            return nil
        }
    }

    /// Resolution: only a missing tracefs or tracepoint is the host's state.
    static func of(_ error: ResolutionError) -> HostCondition? {
        if case .tracepoint(_, let tracefs) = error { return of(tracefs) }
        return nil
    }

    static func of(_ error: TracefsError) -> HostCondition? {
        switch error {
        case .notMounted, .noSubsystem, .noEvent: return .tracefsMissing
        case .unreadable, .malformedID: return nil
        }
    }

    /// Why `Counter.readInUserSpace()` fell back to read(2), when that is the host's doing.
    static func of(_ fallback: UserReadFallback) -> HostCondition? {
        switch fallback {
        case .noUserAccess: return .capUserRdpmcZero
        case .unsupportedArchitecture: return .noUserSpaceCounterInstruction
        // Not mapped: the benchmark opened it wrong; the others: the page or the library misbehaved.
        case .notMapped, .notOnCounter, .invalidCounterWidth, .pageUnstable: return nil
        }
    }

    /// An event opened through EventList and not opened.
    static func of(_ reason: UnavailableReason) -> HostCondition? {
        switch reason {
        case .refused(let error): return of(error)
        case .unresolved(_, let error): return of(error)
        case .readFailed, .noCoveredCPU, .severalPMUs: return nil
        }
    }
}
