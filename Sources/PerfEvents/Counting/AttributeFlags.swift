import CPerfEvents

/// The one-bit (and `precise_ip` two-bit) fields of `perf_event_attr`, numbered
/// as the kernel ABI numbers them (the order of the bit fields after
/// `read_format`). ``init(bitFieldsOf:)`` and ``write(to:)`` move the mask in
/// and out of the C bit fields by name.
package struct AttributeFlags: OptionSet, Hashable, Sendable {
    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Open the event off; `enable()` (or exec, with ``enableOnExec``) turns it on.
    package static let disabled = AttributeFlags(rawValue: 1 << 0)
    /// Children created after the open are counted too (added on read).
    package static let inherit = AttributeFlags(rawValue: 1 << 1)
    /// Always on the PMU, or in error state (`:D`).
    package static let pinned = AttributeFlags(rawValue: 1 << 2)
    /// The only group on the PMU while it runs (`:e`).
    package static let exclusive = AttributeFlags(rawValue: 1 << 3)
    package static let excludeUser = AttributeFlags(rawValue: 1 << 4)
    package static let excludeKernel = AttributeFlags(rawValue: 1 << 5)
    package static let excludeHypervisor = AttributeFlags(rawValue: 1 << 6)
    package static let excludeIdle = AttributeFlags(rawValue: 1 << 7)
    /// Write `PERF_RECORD_MMAP` records (executable mappings) into the ring buffer.
    package static let mmap = AttributeFlags(rawValue: 1 << 8)
    /// Write `PERF_RECORD_COMM` records (thread names) into the ring buffer.
    package static let comm = AttributeFlags(rawValue: 1 << 9)
    /// Enable the event when the target next calls `exec`.
    package static let enableOnExec = AttributeFlags(rawValue: 1 << 12)
    /// Write `PERF_RECORD_FORK`/`EXIT` records into the ring buffer.
    package static let task = AttributeFlags(rawValue: 1 << 13)
    /// Wake the reader after `wakeup_watermark` bytes rather than `wakeup_events` records.
    package static let watermark = AttributeFlags(rawValue: 1 << 14)
    /// Append the `sample_id` trailer (the sample_type's identifying fields) to every record.
    package static let sampleIDAll = AttributeFlags(rawValue: 1 << 18)
    /// Write `PERF_RECORD_MMAP2` records (with device and inode) instead of `MMAP`.
    package static let mmap2 = AttributeFlags(rawValue: 1 << 23)
    /// Mark COMM records caused by `exec` (`PERF_RECORD_MISC_COMM_EXEC`).
    package static let commExec = AttributeFlags(rawValue: 1 << 24)
    /// Write the ring buffer from its end backwards (overwrite mode; Linux 4.7+).
    package static let writeBackward = AttributeFlags(rawValue: 1 << 27)
    package static let excludeHost = AttributeFlags(rawValue: 1 << 19)
    package static let excludeGuest = AttributeFlags(rawValue: 1 << 20)

    /// Where `precise_ip` (0…3) lives in the mask.
    static let preciseShift: UInt64 = 15

    /// `precise_ip` as stored in this mask.
    package var precise: UInt8 {
        get { UInt8(truncatingIfNeeded: (rawValue >> Self.preciseShift) & 3) }
        set {
            rawValue = (rawValue & ~(3 << Self.preciseShift)) | ((UInt64(newValue) & 3) << Self.preciseShift)
        }
    }

    /// The filter and scheduling bits an ``EventAttributes`` asks for.
    package init(_ attributes: EventAttributes) {
        self = []
        if attributes.pinned { insert(.pinned) }
        if attributes.exclusive { insert(.exclusive) }
        if attributes.excludeUser { insert(.excludeUser) }
        if attributes.excludeKernel { insert(.excludeKernel) }
        if attributes.excludeHypervisor { insert(.excludeHypervisor) }
        if attributes.excludeIdle { insert(.excludeIdle) }
        if attributes.excludeHost { insert(.excludeHost) }
        if attributes.excludeGuest { insert(.excludeGuest) }
        precise = attributes.precise
    }

    /// The flags `attr`'s bit fields hold; bit fields this mask does not name
    /// (`freq`, `inherit_stat`, `context_switch`, …) are left out.
    package init(bitFieldsOf attr: perf_event_attr) {
        self = []
        if attr.disabled != 0 { insert(.disabled) }
        if attr.inherit != 0 { insert(.inherit) }
        if attr.pinned != 0 { insert(.pinned) }
        if attr.exclusive != 0 { insert(.exclusive) }
        if attr.exclude_user != 0 { insert(.excludeUser) }
        if attr.exclude_kernel != 0 { insert(.excludeKernel) }
        if attr.exclude_hv != 0 { insert(.excludeHypervisor) }
        if attr.exclude_idle != 0 { insert(.excludeIdle) }
        if attr.enable_on_exec != 0 { insert(.enableOnExec) }
        if attr.mmap != 0 { insert(.mmap) }
        if attr.comm != 0 { insert(.comm) }
        if attr.task != 0 { insert(.task) }
        if attr.watermark != 0 { insert(.watermark) }
        if attr.sample_id_all != 0 { insert(.sampleIDAll) }
        if attr.mmap2 != 0 { insert(.mmap2) }
        if attr.comm_exec != 0 { insert(.commExec) }
        if attr.write_backward != 0 { insert(.writeBackward) }
        if attr.exclude_host != 0 { insert(.excludeHost) }
        if attr.exclude_guest != 0 { insert(.excludeGuest) }
        precise = UInt8(truncatingIfNeeded: attr.precise_ip)
    }

    /// Sets every bit field this mask names in `attr` (to 1 when the flag is in
    /// the mask, else 0; `precise_ip` to ``precise``); the other bit fields keep
    /// their values.
    package func write(to attr: inout perf_event_attr) {
        attr.disabled = bit(.disabled)
        attr.inherit = bit(.inherit)
        attr.pinned = bit(.pinned)
        attr.exclusive = bit(.exclusive)
        attr.exclude_user = bit(.excludeUser)
        attr.exclude_kernel = bit(.excludeKernel)
        attr.exclude_hv = bit(.excludeHypervisor)
        attr.exclude_idle = bit(.excludeIdle)
        attr.enable_on_exec = bit(.enableOnExec)
        attr.mmap = bit(.mmap)
        attr.comm = bit(.comm)
        attr.task = bit(.task)
        attr.watermark = bit(.watermark)
        attr.sample_id_all = bit(.sampleIDAll)
        attr.mmap2 = bit(.mmap2)
        attr.comm_exec = bit(.commExec)
        attr.write_backward = bit(.writeBackward)
        attr.precise_ip = UInt64(precise)
        attr.exclude_host = bit(.excludeHost)
        attr.exclude_guest = bit(.excludeGuest)
    }

    /// 1 when `flag` is in the mask, else 0: the value of its one-bit field.
    private func bit(_ flag: AttributeFlags) -> UInt64 { contains(flag) ? 1 : 0 }
}
