/// How one entry into the guest ended, before anything is decoded: what a
/// VMM's hot loop branches on. ``VCPU/currentExit()`` decodes the details
/// (``VCPUExit``) when they are wanted; ``VCPU/run(before:)`` does both.
package enum VCPUEntry: Hashable, Sendable {
    /// `KVM_RUN` returned to user space with this `kvm_run.exit_reason` (`KVM_EXIT_*`).
    case exited(reason: UInt32)
    /// The ``RunDeadline`` passed first; the guest stays runnable.
    case timedOut(elapsedNanoseconds: UInt64)
    /// Another signal (or `immediate_exit`) interrupted `KVM_RUN`.
    case interrupted
}
