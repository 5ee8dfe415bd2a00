import PerfEvents
import PMUBenchCore

/// A counting tracepoint on the calling thread (any CPU), such as
/// `kvm:kvm_pio`: the kernel's own count of the exits a vCPU thread made,
/// to check the benchmark's count against. Resolved by the library's
/// Resolver (the id from tracefs) and opened by its EventList.
final class TracepointCounter {
    let name: String
    private let counter: Counter

    /// Opens `name` (sys:event) enabled, counting from now.
    init(_ name: String, resolver: Resolver) throws(BenchFailure) {
        let group: ResolvedGroup
        switch EventCatalog.tracepoint(name, resolver: resolver) {
        case .success(let found): group = found
        case .failure(let failure): throw failure
        }
        let list = EventList([group], options: CounterOptions(target: .callingThread, startDisabled: false))
        guard let entry = list.entries.first else { throw BenchFailure("\(name): nothing to open") }
        switch entry.member {
        case .counter(let opened): counter = opened
        case .unavailable(let reason): throw BenchFailure(reason.description, condition: HostCondition.of(reason))
        case .group: throw BenchFailure("\(name) opened as a group")
        }
        self.name = name
    }

    /// The count so far; nil when the read fails.
    func read() -> UInt64? {
        try? counter.read().raw
    }
}
