import PerfEvents

/// A counting tracepoint on the calling thread (any CPU), such as
/// `kvm:kvm_pio`: the kernel's own count of the exits a vCPU thread made,
/// to check the benchmark's count against. Resolved by the library's
/// Resolver (the id from tracefs) and counted by its Counter.
final class TracepointCounter {
    let name: String
    private let counter: Counter

    /// Opens `name` (sys:event) enabled, counting from now.
    init(_ name: String, resolver: Resolver) throws(BenchFailure) {
        let attributes: EventAttributes
        switch EventCatalog.tracepoint(name, resolver: resolver) {
        case .success(let found): attributes = found
        case .failure(let failure): throw failure
        }
        do {
            counter = try Counter(label: name, attributes: attributes,
                                  options: CounterOptions(target: .callingThread, startDisabled: false))
        } catch {
            throw BenchFailure(error.description)
        }
        self.name = name
    }

    /// The count so far; nil when the read fails.
    func read() -> UInt64? {
        try? counter.read().raw
    }
}
