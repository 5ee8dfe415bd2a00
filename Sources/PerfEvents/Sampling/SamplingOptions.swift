/// How to open a ``Sampler``: the target, what each sample carries, when the
/// reader is woken, and the ring buffer.
///
/// ```swift
/// var options = SamplingOptions(target: .callingThread)
/// options.sampleType = [.ip, .tid, .time, .raw]
/// options.wakeup = .events(64)
/// options.dataPages = 16                  // 64 KiB of data with 4 KiB pages
/// ```
public struct SamplingOptions: Hashable, Sendable {
    /// When `poll` reports the buffer readable.
    public enum Wakeup: Hashable, Sendable {
        /// After this many samples (`wakeup_events`); 0 leaves it to the kernel's
        /// watermark, half the buffer, as `perf record` does.
        case events(UInt32)
        /// After this many bytes were written (`wakeup_watermark`).
        case bytes(UInt32)
    }

    /// The target and the opening bits sampling shares with counting (target,
    /// `inherit`, disabled at open, `enable_on_exec`, advice on errors).
    /// An inherited event needs a CPU per descriptor: the kernel maps no
    /// per-thread buffer shared by children. `requestLostCount` is always on
    /// (the kernel's count of dropped samples) and `userSpaceReads` unused.
    public var counting: CounterOptions
    /// What each sample carries; the ``Sampler`` adds ``SampleType/read`` for a group.
    public var sampleType: SampleType
    /// When a reader waiting in `poll` is woken (`wakeup_events` or `wakeup_watermark`).
    public var wakeup: Wakeup
    /// Append the `sample_id` trailer to LOST, COMM, EXIT, … records.
    public var sampleIDAll: Bool
    /// Write COMM (with `exec` marked), FORK, EXIT and MMAP2 records, from a
    /// tracking event of their own writing into the same buffers, so the
    /// leader's lost count (``Sampler/counts()``) is samples only.
    public var recordTasks: Bool
    /// Data pages of each ring buffer, a power of two (plus one metadata page).
    public var dataPages: Int
    /// Overwrite mode (`write_backward`): the newest records survive, read with ``Sampler/snapshot(_:)``.
    public var overwrite: Bool

    /// - Parameters: as the properties; `target`, `inherit`, `startDisabled`,
    ///   `enableOnExec`, `machineHasCorePMU` and `procRoot` go into ``counting``.
    public init(
        target: CountingTarget = .callingThread,
        sampleType: SampleType = [.identifier, .ip, .tid, .time, .id, .cpu, .period],
        wakeup: Wakeup = .events(1),
        sampleIDAll: Bool = true,
        recordTasks: Bool = false,
        dataPages: Int = 8,
        overwrite: Bool = false,
        inherit: Bool = false,
        startDisabled: Bool = true,
        enableOnExec: Bool = false,
        machineHasCorePMU: Bool? = nil,
        procRoot: String = "/proc"
    ) {
        self.counting = CounterOptions(
            target: target, inherit: inherit, startDisabled: startDisabled, enableOnExec: enableOnExec,
            requestLostCount: true, userSpaceReads: false, machineHasCorePMU: machineHasCorePMU, procRoot: procRoot)
        self.sampleType = sampleType
        self.wakeup = wakeup
        self.sampleIDAll = sampleIDAll
        self.recordTasks = recordTasks
        self.dataPages = dataPages
        self.overwrite = overwrite
    }
}
