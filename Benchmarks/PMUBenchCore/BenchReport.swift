/// Everything one pmu-bench run measured, as written by `--json` (schema
/// ``BenchReport/schemaVersion``) and read back by `--baseline`.
public struct BenchReport: Codable, Hashable, Sendable {
    /// The schema this code writes and accepts.
    public static let schemaVersion = "pmu-bench/2"

    public var schema: String
    public var environment: BenchEnvironment
    public var settings: BenchSettings
    /// The cost of the timer itself (two back-to-back clock reads), per implementation.
    public var timer: [TimerRow]
    public var readLatency: [ReadLatencyRow]
    public var exitLatency: [ExitLatencyRow]
    /// Ratios derived from the rows (see ``RatioRow/compute(readLatency:exitLatency:timer:)``).
    public var ratios: [RatioRow]
    /// Every PMU or method that was asked for and could not be measured, with why.
    public var unavailable: [UnavailableRow]
    /// `pmu sample` next to `perf record` on one tracepoint workload (``SampleKeepUpRow``);
    /// nil when that part was not run (and in reports written before it existed).
    public var sampleKeepUp: [SampleKeepUpRow]?
    /// The library next to PAPI, perf's PMU scan and perf stat (``PeerRow``); nil when
    /// that part was not run (and in reports written before it existed).
    public var peers: [PeerRow]?
    /// Per read row with a C reference and a floor, how much of its time the kernel's read() takes (``FloorShare``);
    /// derived from the rows.
    public var floorShares: [FloorShare]

    public init(environment: BenchEnvironment, settings: BenchSettings, timer: [TimerRow] = [],
                readLatency: [ReadLatencyRow] = [], exitLatency: [ExitLatencyRow] = [],
                unavailable: [UnavailableRow] = [], sampleKeepUp: [SampleKeepUpRow]? = nil,
                peers: [PeerRow]? = nil) {
        self.schema = Self.schemaVersion
        self.environment = environment
        self.settings = settings
        self.timer = timer
        self.readLatency = readLatency
        self.exitLatency = exitLatency
        self.ratios = RatioRow.compute(readLatency: readLatency, exitLatency: exitLatency, timer: timer)
        self.unavailable = unavailable
        self.sampleKeepUp = sampleKeepUp
        self.peers = peers
        self.floorShares = FloorShare.compute(readLatency)
    }

    enum CodingKeys: String, CodingKey {
        case schema, environment, settings, timer, ratios, unavailable, peers
        case readLatency = "read_latency"
        case exitLatency = "exit_latency"
        case sampleKeepUp = "sample_keepup"
        case floorShares = "floor_shares"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        environment = try container.decode(BenchEnvironment.self, forKey: .environment)
        settings = try container.decode(BenchSettings.self, forKey: .settings)
        timer = try container.decode([TimerRow].self, forKey: .timer)
        readLatency = try container.decode([ReadLatencyRow].self, forKey: .readLatency)
        exitLatency = try container.decode([ExitLatencyRow].self, forKey: .exitLatency)
        ratios = try container.decode([RatioRow].self, forKey: .ratios)
        unavailable = try container.decode([UnavailableRow].self, forKey: .unavailable)
        sampleKeepUp = try container.decodeIfPresent([SampleKeepUpRow].self, forKey: .sampleKeepUp)
        peers = try container.decodeIfPresent([PeerRow].self, forKey: .peers)
        // Reports written before the floor shares existed have none.
        floorShares = try container.decodeIfPresent([FloorShare].self, forKey: .floorShares) ?? []
    }
}

/// Where the numbers come from.
public struct BenchEnvironment: Codable, Hashable, Sendable {
    /// `uname -r`.
    public var kernel: String
    /// The CPU model as /proc/cpuinfo names it.
    public var cpuModel: String
    public var onlineCPUs: Int
    public var pmus: [PMUDescription]
    /// /proc/sys/kernel/perf_event_paranoid; nil when unreadable.
    public var perfEventParanoid: Int?
    /// `cap_user_rdpmc` of the mmap page of a software counter; nil when it could not be mapped.
    public var capUserRdpmc: Bool?
    /// Whether this machine is itself a guest (the `hypervisor` CPU flag).
    public var nested: Bool
    public var swiftVersion: String
    /// libpfm's `pfm_get_version()` as major.minor, labelled as what it is: the
    /// API version (LIBPFM_VERSION), 4.0 for every libpfm 4 release.
    public var libpfmVersion: String
    /// The installed libpfm package's release (`dpkg-query -W libpfm4`), with the
    /// tool that said so; nil when no package manager knows it.
    public var libpfmPackageVersion: String?
    /// The kernel clock source behind CLOCK_MONOTONIC_RAW.
    public var clocksource: String?
    /// What else decides the numbers: when and from which tree the run was
    /// made, how the CPUs were set up, what the kernel was told at boot.
    public var context: RunContext?

    public init(kernel: String, cpuModel: String, onlineCPUs: Int, pmus: [PMUDescription],
                perfEventParanoid: Int?, capUserRdpmc: Bool?, nested: Bool, swiftVersion: String,
                libpfmVersion: String, libpfmPackageVersion: String? = nil, clocksource: String?) {
        self.kernel = kernel
        self.cpuModel = cpuModel
        self.onlineCPUs = onlineCPUs
        self.pmus = pmus
        self.perfEventParanoid = perfEventParanoid
        self.capUserRdpmc = capUserRdpmc
        self.nested = nested
        self.swiftVersion = swiftVersion
        self.libpfmVersion = libpfmVersion
        self.libpfmPackageVersion = libpfmPackageVersion
        self.clocksource = clocksource
        self.context = nil
    }

    enum CodingKeys: String, CodingKey {
        case kernel, pmus, nested, clocksource, context
        case cpuModel = "cpu_model"
        case onlineCPUs = "online_cpus"
        case perfEventParanoid = "perf_event_paranoid"
        case capUserRdpmc = "cap_user_rdpmc"
        case swiftVersion = "swift_version"
        case libpfmVersion = "libpfm_version"
        case libpfmPackageVersion = "libpfm_package_version"
    }
}

/// A PMU as the report lists it.
public struct PMUDescription: Codable, Hashable, Sendable {
    public var name: String
    /// `perf_event_attr.type`.
    public var type: UInt32
    /// core, uncore, software, tracepoint, breakpoint or other.
    public var kind: String
    /// The CPU list it counts on; nil for all CPUs.
    public var cpus: String?

    public init(name: String, type: UInt32, kind: String, cpus: String?) {
        self.name = name
        self.type = type
        self.kind = kind
        self.cpus = cpus
    }
}

/// How the run was asked to go.
public struct BenchSettings: Codable, Hashable, Sendable {
    /// Measured samples per implementation and operation.
    public var iterations: Int
    /// Samples per interleaved block (swift, c, floor, swift, c, floor, …).
    public var blockSize: Int
    /// Times each measurement was made afresh (new counters, new VM); the
    /// iterations are split among them.
    public var repetitions: Int
    /// Operations per timed sample for the read rows (1: each operation timed alone).
    public var batch: Int
    /// Discarded samples per implementation before measuring.
    public var warmup: Int
    public var quick: Bool
    /// The PMUs whose read latency was to be measured.
    public var readPMUs: [String]
    /// The PMUs (or ``ExitLatencyRow/allCPUs``) whose guest exits were to be measured.
    public var exitPMUs: [String]

    public init(iterations: Int, blockSize: Int, warmup: Int, quick: Bool, readPMUs: [String], exitPMUs: [String],
                repetitions: Int = 1, batch: Int = 1) {
        self.iterations = iterations
        self.blockSize = blockSize
        self.repetitions = repetitions
        self.batch = batch
        self.warmup = warmup
        self.quick = quick
        self.readPMUs = readPMUs
        self.exitPMUs = exitPMUs
    }

    enum CodingKeys: String, CodingKey {
        case iterations, warmup, quick, repetitions, batch
        case blockSize = "block_size"
        case readPMUs = "read_pmus"
        case exitPMUs = "exit_pmus"
    }
}

/// Who ran the timed loop.
public enum Implementation: String, Codable, Hashable, Sendable, CaseIterable {
    /// The Swift code under test.
    case swift
    /// The C reference loop doing the identical operation.
    case c
    /// A raw `syscall(SYS_getpid)`: the cheapest trip into the kernel, in the row's traced state.
    case syscallFloor = "syscall-floor"
    /// The tool a user would pick instead (PAPI): only in the peer rows (``PeerRow``).
    case peer
}

/// The cost of reading the clock, per implementation.
public struct TimerRow: Codable, Hashable, Sendable {
    public var implementation: Implementation
    public var ns: LatencySummary
    public var samples: UInt64

    public init(implementation: Implementation, ns: LatencySummary, samples: UInt64) {
        self.implementation = implementation
        self.ns = ns
        self.samples = samples
    }
}

/// One counter-read latency distribution.
public struct ReadLatencyRow: Codable, Hashable, Sendable {
    public var pmu: String
    /// The event(s) read, such as `task-clock` or `task-clock+3` for a group of 4.
    public var event: String
    /// read-single, read-group-2, read-group-4, user-space-read or enable-disable.
    public var method: String
    public var implementation: Implementation
    public var ns: LatencySummary
    public var samples: UInt64
    /// The raw data: see ``RowData``.
    public var data: RowData

    public init(pmu: String, event: String, method: String, implementation: Implementation,
                ns: LatencySummary, samples: UInt64, data: RowData = RowData()) {
        self.pmu = pmu
        self.event = event
        self.method = method
        self.implementation = implementation
        self.ns = ns
        self.samples = samples
        self.data = data
    }
}

/// What a row was measured from, kept so that a later run can be compared
/// exactly: the CPU the thread was pinned to, the median of every block per
/// repetition (the pairs behind the ratios), and the whole latency histogram.
public struct RowData: Codable, Hashable, Sendable {
    /// The CPU the measuring thread was pinned to; nil when not pinned to one.
    public var cpu: Int?
    /// Per repetition, the median (ns) of each interleaved block, in order.
    public var blockMedians: [[UInt64]]
    /// The HdrHistogram's recorded values as `[value, count]` pairs (values at
    /// three significant digits).
    public var histogram: [[UInt64]]
    /// Operations per timed sample (1 unless batch-timed).
    public var batch: Int

    public init(cpu: Int? = nil, blockMedians: [[UInt64]] = [], histogram: [[UInt64]] = [], batch: Int = 1) {
        self.cpu = cpu
        self.blockMedians = blockMedians
        self.histogram = histogram
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case cpu, histogram, batch
        case blockMedians = "block_medians"
    }
}

/// One guest-exit latency distribution.
public struct ExitLatencyRow: Codable, Hashable, Sendable {
    /// The `pmu` value of rows measured on every CPU because no core PMU exists.
    public static let allCPUs = "all-cpus"
    /// The exit kinds whose every exit returns from KVM_RUN to user space
    /// (one `kvm:kvm_userspace_exit` per exit).
    public static let userSpaceKinds: Set<String> = ["pio", "mmio"]

    /// The core PMU whose CPUs the vCPU thread was pinned to, or ``allCPUs``.
    public var pmu: String
    /// Those CPUs as a CPU list.
    public var cpus: String
    /// pio, mmio, cpuid, vmcall (x86_64) or mmio, hvc (arm64).
    public var kind: String
    public var implementation: Implementation
    /// Per exit: a round trip for user-space exits, a guest loop of N divided by N for in-kernel ones.
    public var ns: LatencySummary
    public var samples: UInt64
    /// Exits the measured samples made, by the benchmark's own count.
    public var exits: UInt64
    /// The same exits counted by the kernel's kvm tracepoint; nil when it could not be opened.
    public var exitsByTracepoint: UInt64?
    /// The tracepoint that counted them, such as `kvm:kvm_pio`.
    public var tracepoint: String?
    /// Returns of KVM_RUN to user space in the measured blocks, counted by
    /// `kvm:kvm_userspace_exit`: equal to `exits` for user-space kinds, the
    /// program's report and end per sample for in-kernel ones; nil when not counted.
    public var userspaceExitsByTracepoint: UInt64?
    /// Every VM exit in the measured blocks (`kvm:kvm_exit`), in-kernel ones
    /// included: more than ``exits`` means the guest exited for other reasons
    /// inside the timed region; nil when not counted.
    public var allExitsByTracepoint: UInt64?
    /// Host CPU cycles on the VCPU thread over the measured blocks, counted on the
    /// chosen core PMU with its own type; nil without a core PMU (see `unavailable`).
    public var hostCycles: UInt64?
    /// The raw data: see ``RowData``.
    public var data: RowData

    public init(pmu: String, cpus: String, kind: String, implementation: Implementation, ns: LatencySummary,
                samples: UInt64, exits: UInt64, exitsByTracepoint: UInt64?, tracepoint: String?,
                userspaceExitsByTracepoint: UInt64? = nil, allExitsByTracepoint: UInt64? = nil,
                hostCycles: UInt64? = nil, data: RowData = RowData()) {
        self.pmu = pmu
        self.cpus = cpus
        self.kind = kind
        self.implementation = implementation
        self.ns = ns
        self.samples = samples
        self.exits = exits
        self.exitsByTracepoint = exitsByTracepoint
        self.tracepoint = tracepoint
        self.userspaceExitsByTracepoint = userspaceExitsByTracepoint
        self.allExitsByTracepoint = allExitsByTracepoint
        self.hostCycles = hostCycles
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case pmu, cpus, kind, implementation, ns, samples, exits, tracepoint, data
        case allExitsByTracepoint = "all_exits_by_tracepoint"
        case exitsByTracepoint = "exits_by_tracepoint"
        case userspaceExitsByTracepoint = "userspace_exits_by_tracepoint"
        case hostCycles = "host_cycles"
    }
}

/// Something that was asked for and could not be measured.
public struct UnavailableRow: Codable, Hashable, Sendable {
    public var pmu: String
    /// What could not be measured, such as `user-space read` or `guest exits`.
    public var what: String
    /// Why, in words a reader can act on.
    public var reason: String
    /// The state of the host that the evidence shows is the cause; nil when the
    /// cause is the benchmark's own (a loop that failed, a setup error), which
    /// `--check` fails. Absent from the JSON when nil (reports written before
    /// it existed decode with nil).
    public var condition: HostCondition?

    public init(pmu: String, what: String, reason: String, condition: HostCondition?) {
        self.pmu = pmu
        self.what = what
        self.reason = reason
        self.condition = condition
    }
}
