import CPerfEvents
import Foundation

/// A deliberate slowdown of the Swift read-single loop, for the gate's self-test
/// (`.ci/bench-gate-selftest.sh`): `PMU_BENCH_INJECT_READ_WORK=N` adds N
/// iterations of an opaque call after every `Counter.read()`, inside the timed
/// region — what a regression in the library's read path would look like, in
/// time and in instructions. Unset (the default), nothing is added.
enum InjectedWork {
    /// The iterations per read from the environment; 0 when unset or not a number.
    static let perRead: Int = {
        guard let text = getenv("PMU_BENCH_INJECT_READ_WORK").map({ String(cString: $0) }),
              let value = Int(text), value > 0 else { return 0 }
        return min(value, 1_000_000)
    }()

    /// `count` calls the optimiser cannot remove.
    @inline(never)
    static func run(_ count: Int) {
        for _ in 0..<count { cpe_compiler_barrier() }
    }
}
