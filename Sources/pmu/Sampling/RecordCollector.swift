import Glibc
import PerfEvents

/// The reader half of `pmu sample`, on its own thread: waits on every ring
/// buffer of every sampler at once (one poll, a 100 ms limit), copies out what
/// they hold and frees the space at once, and hands the bytes to a
/// ``RecordQueue``, as `perf record` does before anything is decoded. It ends
/// when the workload exits: then it disables the samplers, drains them a last
/// time and finishes the queue.
final class RecordCollector: @unchecked Sendable {
    let samplers: [Sampler]
    let queue: RecordQueue
    let child: pid_t
    /// The workload's wait status, once it exited (nil when waitpid failed).
    private(set) var waitStatus: Int32?
    /// Drain rounds in which the queue was full and buffers were left to the kernel.
    private(set) var roundsWithoutRoom = 0

    init(samplers: [Sampler], queue: RecordQueue, child: pid_t) {
        self.samplers = samplers
        self.queue = queue
        self.child = child
    }

    /// The reader's loop; returns when the workload has exited and everything is queued.
    func run() {
        // Ahead of the workload where allowed (root, CAP_SYS_NICE): woken at the
        // watermark, the reader must run before the rest of the buffer fills.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10)
        while true {
            _ = try? Sampler.wait(samplers, milliseconds: 100)
            drainRound()
            // A full queue leaves the buffers past their watermark, so poll would not wait: pause instead.
            if !queue.hasRoom { usleep(10_000) }
            forwardStopSignal()
            var raw: Int32 = 0
            let waited = waitpid(child, &raw, WNOHANG)
            if waited == child {
                waitStatus = raw
                break
            }
            if waited < 0 && errno != EINTR { break }
        }
        for sampler in samplers { try? sampler.disable() }
        drainRound()
        queue.finish()
    }

    /// When SIGINT or SIGTERM stopped the run (CLOCK_MONOTONIC ns), and the next escalation.
    private var stoppedAt: Int?
    private var escalation: [(signal: Int32, afterNanoseconds: Int)] = [(SIGTERM, 1_000_000_000), (SIGKILL, 3_000_000_000)]

    /// SIGINT and SIGTERM are blocked (``SampleCommand`` blocks them before this
    /// thread starts): taken here, they go to the command, and the run ends as
    /// the command ends, with every record drained, the summary printed and the
    /// perf.data file complete, as perf record does on Ctrl-C. A command that
    /// ignores them gets SIGTERM a second later, then SIGKILL.
    private func forwardStopSignal() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        let signal = sigtimedwait(&set, nil, &zero)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanoseconds = now.tv_sec * 1_000_000_000 + now.tv_nsec
        if signal > 0 {
            kill(child, signal)
            if stoppedAt == nil { stoppedAt = nanoseconds }
        }
        if let stoppedAt, let next = escalation.first, nanoseconds - stoppedAt >= next.afterNanoseconds {
            kill(child, next.signal)
            escalation.removeFirst()
        }
    }

    /// One pass over every sampler: its records copied into one batch each.
    private func drainRound() {
        var items: [RecordQueue.Item] = []
        for (index, sampler) in samplers.enumerated() {
            // No room: leave the records where they are; the kernel counts what it cannot write.
            guard queue.hasRoom else {
                roundsWithoutRoom += 1
                break
            }
            var bytes = queue.emptyBytes()
            let result = sampler.copyRecords(appendingTo: &bytes)
            if result.bytes > 0 { items.append(.batch(.init(sampler: index, bytes: bytes))) }
            for problem in result.problems { items.append(.problem(sampler: index, text: problem.description)) }
        }
        if !items.isEmpty { items.append(.roundEnd) }
        queue.push(items)
    }
}
