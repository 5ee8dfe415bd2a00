import CPerfEvents
import Foundation
import PerfEvents

/// Deliberate breakage of the Swift read-single loop, for the gate's self-test
/// (`.ci/bench-gate-selftest.sh`). Unset (the default), nothing is added.
///
/// - `PMU_BENCH_INJECT_READ_WORK=N` adds N iterations of an opaque call after every
///   `Counter.read()`, inside the timed region: what a regression in the library's
///   read path would look like, in time and in instructions.
/// - `PMU_BENCH_INJECT_READ_FAILURE=1` makes every read of that loop throw (EIO):
///   what a broken read path would look like; `--check` must fail naming the row.
enum InjectedWork {
    /// ``perRead``'s value when reads are to throw.
    static let failingRead = -1

    /// The iterations per read from the environment (0 when unset or not a
    /// number), or ``failingRead`` when PMU_BENCH_INJECT_READ_FAILURE is set.
    static let perRead: Int = {
        if let text = getenv("PMU_BENCH_INJECT_READ_FAILURE").map({ String(cString: $0) }), !text.isEmpty, text != "0" {
            return failingRead
        }
        guard let text = getenv("PMU_BENCH_INJECT_READ_WORK").map({ String(cString: $0) }),
              let value = Int(text), value > 0 else { return 0 }
        return min(value, 1_000_000)
    }()

    /// `count` calls the optimiser cannot remove; for ``failingRead``, the error a
    /// failed read throws.
    @inline(never)
    static func run(_ count: Int) throws(CounterError) {
        if count == failingRead {
            throw CounterError(operation: .read, errno: .ioError, label: "task-clock", attributes: nil,
                               message: "injected by PMU_BENCH_INJECT_READ_FAILURE (the gate's self-test)")
        }
        for _ in 0..<count { cpe_compiler_barrier() }
    }
}
