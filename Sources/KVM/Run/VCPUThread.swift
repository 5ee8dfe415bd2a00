import CPerfEvents
import PerfEvents

/// A VCPU thread: an OS thread that runs one VCPU's loop, created already restricted to
/// CPUs of the VM's PMU.
///
/// KVM runs the guest on whichever thread calls `KVM_RUN` and does not pin it; a VMM that
/// cares about PMUs keeps each VCPU thread on the CPUs of the PMU it chose (``PMUBinding``),
/// or on arm64 the VCPU's PMU stops counting when the thread migrates (and from Linux 5.18
/// the entry fails with `KVM_EXIT_FAIL_ENTRY`). The affinity is part of the thread's
/// creation attributes, so the thread runs no instruction elsewhere, not even before its
/// first line of `body`. Each thread arms its own ``RunDeadline`` and opens its own host
/// counters (``VCPUCounters`` count the calling thread).
///
/// ```swift
/// let threads = try vm.vcpus.enumerated().map { index, vcpu in
///     try VCPUThread(binding: binding, cpus: CPUSet([cpus[index]])) {
///         let deadline = try? RunDeadline(nanoseconds: 2_000_000_000)
///         // … run `vcpu` before `deadline` …
///     }
/// }
/// for thread in threads { _ = thread.join(within: 5_000_000_000) }
/// ```
public final class VCPUThread {
    /// The CPUs the thread may run on: the binding's, or the subset of them asked for.
    public let cpus: CPUSet
    private let handle: UInt64
    private var joined = false

    /// What the new thread runs; owned by the thread once it starts.
    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new thread restricted to `cpus` (default: every CPU of
    /// `binding`). `cpus` must lie within the binding's CPUs: a VCPU thread outside its
    /// PMU's CPUs is what this type exists to prevent.
    public init(binding: PMUBinding, cpus: CPUSet? = nil, _ body: sending @escaping () -> Void) throws(KVMError) {
        let allowed = cpus ?? binding.cpus
        guard !allowed.isEmpty else {
            throw KVMError(.invalidConfiguration("a VCPU thread needs at least one CPU"), call: "pthread_create")
        }
        let outside = allowed.cpus.filter { !binding.cpus.contains($0) }
        guard outside.isEmpty else {
            throw KVMError(.invalidConfiguration(
                "CPUs \(CPUSet(outside)) are not among \(binding.pmu.name)'s bound CPUs \(binding.cpus):"
                    + " a VCPU thread there would leave its PMU"), call: "pthread_create")
        }
        let context = Unmanaged.passRetained(Work(body)).toOpaque()
        let entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { context in
            guard let context else { return nil }
            Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }
        var handle: UInt64 = 0
        let mask = allowed.mask
        let result = mask.withUnsafeBufferPointer { words in
            cpe_thread_start_pinned(entry, context, words.baseAddress, UInt64(words.count), &handle)
        }
        guard result == 0 else {
            Unmanaged<Work>.fromOpaque(context).release()
            throw KVMError(.callFailed, call: "pthread_create of a VCPU thread on CPUs \(allowed)",
                           errno: Errno(rawValue: -result))
        }
        self.cpus = allowed
        self.handle = handle
    }

    /// Waits at most `nanoseconds` for the thread to finish; true when it has (it is
    /// then joined), false when it still runs (call again, or let it go: deinit detaches it).
    public func join(within nanoseconds: UInt64) -> Bool {
        if joined { return true }
        let result = cpe_thread_join_within(handle, nanoseconds)
        if result == 0 { joined = true }
        return joined
    }

    deinit {
        if !joined { _ = cpe_thread_detach(handle) }
    }

    /// The CPU the calling thread runs on (`sched_getcpu`), nil when it cannot say.
    public static var currentCPU: Int? {
        let cpu = cpe_current_cpu()
        return cpu < 0 ? nil : Int(cpu)
    }
}
