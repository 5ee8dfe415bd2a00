// The adapter's example: PMU events next to package-benchmark's own metrics.
//   getppid        1,000 getppid(2) calls per iteration, counted by a tracepoint and software
//                  events (what a host without a core PMU has)
//   getppid-async  the same calls, half of them on a thread the async body starts and
//                  awaits: the process scope (inherit) counts every one of them
//   cycles         cycles and instructions on every core PMU (`cpu_core/cycles`, …) over a
//                  loop with no system call; on a host without a core PMU the benchmark
//                  fails with the kernel's reason (package-benchmark prints it and goes on)
// .ci/benchmark-adapter-test.sh runs them and checks the counts against its own counter, and
// that the adapter's README shows `benchmarks` below as it is.
import Benchmark
import Foundation
import Glibc
import PMUBenchmarkMetrics
import PerfEvents

/// getppid(2) calls per iteration (the test counts them with its own tracepoint counter).
let callsPerIteration = 1_000

/// Up to 40 iterations after 2 warmup ones, the PMU metrics after package-benchmark's defaults.
func configuration(_ pmu: PMUMetrics) -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: .default + pmu.metrics, warmupIterations: 2, scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 40)
}

/// Makes `count` getppid calls; the sum keeps them from being optimized away.
func callGetppid(_ count: Int) -> Int {
    var sum = 0
    for _ in 0..<count { sum &+= Int(getppid()) }
    return sum
}

let benchmarks: @Sendable () -> Void = {
    let software = PMUMetrics([
        .tracepoint("syscalls", "sys_enter_getppid"),
        .event(.software(.taskClock)),
        .event(.software(.contextSwitches)),
    ])
    Benchmark("getppid", configuration: configuration(software)) { benchmark in
        software.measure(benchmark) {
            blackHole(callGetppid(callsPerIteration))
        }
    }
    Benchmark("getppid-async", configuration: configuration(software)) { benchmark in
        await software.measure(benchmark) {
            blackHole(callGetppid(callsPerIteration / 2))
            // The other half on a thread the task starts and awaits (Dispatch may run a block
            // on the very thread the task left; a new thread is surely another one).
            await withCheckedContinuation { continuation in
                Thread {
                    blackHole(callGetppid(callsPerIteration / 2))
                    continuation.resume()
                }.start()
            }
        }
    }

    // Generic cycles on each core PMU; instructions as each PMU's own sysfs alias where it has one.
    let hardware = PMUMetrics([.hardware(.cycles), .native(.instructions)])
    Benchmark("cycles", configuration: configuration(hardware)) { benchmark in
        hardware.measure(benchmark) {
            var sum = 0
            for index in 0..<100_000 { sum &+= index &* index }
            blackHole(sum)
        }
    }
}
