import CPerfEvents
import PerfEvents

/// A time limit for the guest runs of the calling thread.
///
/// `KVM_RUN` returns to user space only when the guest does something KVM hands
/// to the VMM, or when the thread has a pending, unblocked signal. A guest that
/// loops forever (`jmp $`, `b .`), or a hypercall that a KVM neither completes nor
/// refuses, would hold the thread for good. A deadline arms a `CLOCK_MONOTONIC`
/// timer whose signal goes to this thread alone (`SIGEV_THREAD_ID`; the signal is
/// `signal`), unblocks that signal while the deadline lives (libdispatch's
/// worker threads, where Swift concurrency and Swift Testing run, block it), and
/// has the signal's handler set `kvm_run.immediate_exit` of the VCPU that is
/// running, so even a signal that lands just before `KVM_RUN` is entered stops it.
/// ``VCPU/run(before:)`` then returns ``VCPUExit/timedOut(elapsedNanoseconds:)``.
///
/// Create it on the thread that runs the VCPU, and keep it for as many runs as
/// one limit should cover: arming costs three system calls, a run under an armed
/// deadline none. After the first expiry the timer fires again every
/// `repeatNanoseconds` until the deadline is dropped.
///
/// ```swift
/// let deadline = try RunDeadline(nanoseconds: 2_000_000_000)
/// while true {
///     switch try vcpu.run(before: deadline) {
///     case .io(let access): handle(access)
///     case .timedOut(let elapsed): return report(elapsed)
///     default: return
///     }
/// }
/// ```
public final class RunDeadline {
    /// The limit, in nanoseconds from `start`.
    public let limitNanoseconds: UInt64
    /// When the deadline was armed (`CLOCK_MONOTONIC`, ns).
    package let start: UInt64
    private let timer: UnsafeMutableRawPointer?
    private let signalWasBlocked: Int32

    /// How often the timer fires again once the limit has passed.
    package static let repeatNanoseconds: UInt64 = 10_000_000
    /// The real-time signal the deadline's timer sends to its thread.
    package static var signal: Int32 { cpe_thread_timer_signal() }

    /// Arms a deadline `nanoseconds` from now for the calling thread (at least 1 ns).
    ///
    /// Throws ``KVMError`` with the errno of `timer_create`, `timer_settime` or
    /// `pthread_sigmask` when the timer cannot be set up.
    public init(nanoseconds: UInt64) throws(KVMError) {
        var timer: UnsafeMutableRawPointer?
        var wasBlocked: Int32 = 0
        let created = cpe_thread_timer_create(&timer, &wasBlocked)
        if created < 0 {
            throw KVMError(.callFailed, call: "timer_create (VCPU run deadline)", errno: Errno(rawValue: -created))
        }
        let limit = max(1, nanoseconds)
        let armed = cpe_thread_timer_arm(timer, limit, Self.repeatNanoseconds)
        if armed < 0 {
            _ = cpe_thread_timer_delete(timer, wasBlocked)
            throw KVMError(.callFailed, call: "timer_settime (VCPU run deadline)", errno: Errno(rawValue: -armed))
        }
        self.timer = timer
        self.signalWasBlocked = wasBlocked
        self.limitNanoseconds = limit
        self.start = cpe_monotonic_ns()
    }

    deinit {
        _ = cpe_thread_timer_delete(timer, signalWasBlocked)
    }

    /// Nanoseconds since the deadline was armed.
    public var elapsedNanoseconds: UInt64 { cpe_monotonic_ns() &- start }

    /// Whether the limit has passed.
    public var hasExpired: Bool { elapsedNanoseconds >= limitNanoseconds }
}
