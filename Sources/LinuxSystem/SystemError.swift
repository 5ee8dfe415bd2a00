/// A system call that failed: which call, on what, and the `errno` it returned.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C call, such as `open` or `perf_event_open`.
    public var call: String
    /// What the call was applied to, such as a path; empty when nothing useful.
    public var subject: String
    /// The error number.
    public var errno: Errno

    package init(call: String, subject: String = "", errno: Errno) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        subject.isEmpty ? "\(call): \(errno)" : "\(call) \(subject): \(errno)"
    }
}

extension Errno: Error {}

/// Runs a raw system call (result or -errno), retrying while it is interrupted
/// (`EINTR`): the one retry loop of the package (the KVM target uses it too).
@inlinable @inline(__always)
public func retryingInterrupts<Result: SignedInteger & FixedWidthInteger>(_ body: () -> Result) -> Result {
    while true {
        let result = body()
        // truncatingIfNeeded, not Result(_:): the generic conversion is not
        // always specialised and then costs tens of ns per system call.
        if result != -Result(truncatingIfNeeded: Errno.interrupted.rawValue) { return result }
    }
}

extension SystemCalls {
    /// Calls `body` and throws a ``SystemError`` naming `call` and `subject` when it returns -errno.
    ///
    /// Public so that the `KVM` module drives its ioctls through the same path.
    @inline(__always)
    package func check<Result: SignedInteger & FixedWidthInteger>(
        _ call: String, _ subject: String = "", _ body: () -> Result
    ) throws(SystemError) -> Result {
        let result = retryingInterrupts(body)
        if result < 0 {
            throw SystemError(call: call, subject: subject, errno: Errno(rawValue: Int32(truncatingIfNeeded: -result)))
        }
        return result
    }
}
