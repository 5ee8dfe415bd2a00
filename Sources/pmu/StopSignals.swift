import CPerfEvents
import Glibc

/// How `pmu stat` waits: for the command, for a duration, or for SIGINT/SIGTERM,
/// waking at each `-I` interval.
///
/// SIGINT, SIGTERM and SIGCHLD are blocked for the whole command and taken with
/// `sigtimedwait`, so a Ctrl-C never kills `pmu stat` before it prints: it stops
/// counting, passes the signal to the command (which at a terminal has had it
/// already) and reports what was counted, as perf does. The command starts with
/// an empty signal mask (the spawn helper clears it before exec).
enum StopSignals {
    static let stopping: [Int32] = [SIGINT, SIGTERM]

    private static var set: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in stopping + [SIGCHLD] { sigaddset(&set, signal) }
        return set
    }

    /// Blocks the signals for this (single-threaded) process.
    static func block() {
        var set = self.set
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// How a wait ended.
    struct Outcome {
        /// The command's exit status (128 + signal when killed), nil without a command.
        var status: Int32?
        /// The command's user and system time, seconds.
        var userSeconds: Double?
        var systemSeconds: Double?
        /// SIGINT or SIGTERM when one stopped the wait.
        var signal: Int32?
    }

    /// Waits until `child` exits (when given), or `until` (monotonic ns) passes,
    /// or a stop signal arrives; calls `tick` at every `interval` ns after `start`.
    /// On a stop signal the child gets the same signal, then SIGTERM if it is still
    /// there a second later (a command started in the background ignores SIGINT), then
    /// SIGKILL two seconds after that; the wait ends with its status.
    static func wait(child: Int32?, until deadline: UInt64?, interval: UInt64?, start: UInt64,
                     tick: (UInt64) -> Void) -> Outcome {
        var outcome = Outcome()
        var nextTick = interval.map { start + $0 }
        var killAt: UInt64? = nil
        var escalation: [(signal: Int32, after: UInt64)] = [(SIGTERM, 1_000_000_000), (SIGKILL, 2_000_000_000)]
        var set = self.set
        while true {
            if let child {
                var raw: Int32 = 0
                var usage = rusage()
                let done = wait4(child, &raw, WNOHANG, &usage)
                if done == child {
                    outcome.status = shellExitStatus(raw)
                    outcome.userSeconds = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                    outcome.systemSeconds = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
                    return outcome
                }
                if done < 0 && errno != EINTR { return outcome }
            }
            let now = cpe_monotonic_raw_ns()
            if child == nil, outcome.signal != nil { return outcome }
            if child == nil, let deadline, now >= deadline { return outcome }
            if let at = killAt, now >= at, let child, !escalation.isEmpty {
                let next = escalation.removeFirst()
                kill(child, next.signal)
                killAt = escalation.first.map { now + $0.after }
            }
            if let next = nextTick, now >= next, let interval {
                tick(next)
                var following = next + interval
                while following <= now { following += interval }
                nextTick = following
                continue
            }
            var wake: UInt64 = 1_000_000_000
            for time in [deadline, nextTick, killAt].compactMap({ $0 }) where child == nil || time != deadline {
                wake = min(wake, time > now ? time - now : 0)
            }
            var timeout = timespec(tv_sec: Int(wake / 1_000_000_000), tv_nsec: Int(wake % 1_000_000_000))
            var info = siginfo_t()
            let signal = sigtimedwait(&set, &info, &timeout)
            if signal > 0, stopping.contains(signal) {
                if outcome.signal == nil {
                    outcome.signal = signal
                    if let child {
                        kill(child, signal)
                        killAt = cpe_monotonic_raw_ns() + escalation[0].after
                    }
                }
            }
        }
    }
}
