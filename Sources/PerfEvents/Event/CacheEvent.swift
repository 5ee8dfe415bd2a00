/// A generic hardware-cache event (`PERF_TYPE_HW_CACHE`): which cache, which
/// operation, which result, packed as the kernel reads it
/// (`cache | operation << 8 | result << 16`) and named as perf names it.
public struct CacheEvent: Hashable, Sendable {
    /// `PERF_COUNT_HW_CACHE_*`, with perf's canonical names.
    public enum Cache: UInt64, Hashable, Sendable, CaseIterable {
        /// `PERF_COUNT_HW_CACHE_L1D`: the level 1 data cache (`L1-dcache`).
        case l1d = 0
        /// `PERF_COUNT_HW_CACHE_L1I`: the level 1 instruction cache (`L1-icache`).
        case l1i = 1
        /// `PERF_COUNT_HW_CACHE_LL`: the last-level cache (`LLC`).
        case llc = 2
        /// `PERF_COUNT_HW_CACHE_DTLB`: the data TLB (`dTLB`).
        case dtlb = 3
        /// `PERF_COUNT_HW_CACHE_ITLB`: the instruction TLB (`iTLB`).
        case itlb = 4
        /// `PERF_COUNT_HW_CACHE_BPU`: the branch prediction unit (`branch`).
        case branch = 5
        /// `PERF_COUNT_HW_CACHE_NODE`: memory of the local NUMA node (`node`; a miss is a remote access).
        case node = 6

        /// perf's canonical spelling (`L1-dcache`, `LLC`, `dTLB`, …).
        package var name: String {
            ["L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node"][Int(rawValue)]
        }
    }

    /// `PERF_COUNT_HW_CACHE_OP_*`.
    public enum Operation: UInt64, Hashable, Sendable, CaseIterable {
        /// `PERF_COUNT_HW_CACHE_OP_READ`: reads (perf's `load`).
        case read = 0
        /// `PERF_COUNT_HW_CACHE_OP_WRITE`: writes (perf's `store`).
        case write = 1
        /// `PERF_COUNT_HW_CACHE_OP_PREFETCH`: prefetches (perf's `prefetch`).
        case prefetch = 2

        /// perf's canonical word (`load`, `store`, `prefetch`).
        package var name: String { ["load", "store", "prefetch"][Int(rawValue)] }
    }

    /// `PERF_COUNT_HW_CACHE_RESULT_*`.
    public enum Result: UInt64, Hashable, Sendable, CaseIterable {
        /// `PERF_COUNT_HW_CACHE_RESULT_ACCESS`: every access (`L1-dcache-loads`).
        case access = 0
        /// `PERF_COUNT_HW_CACHE_RESULT_MISS`: accesses that missed (`L1-dcache-load-misses`).
        case miss = 1

        /// perf's canonical suffix (`s` for accesses, `-misses`).
        package var suffix: String { self == .access ? "s" : "-misses" }
    }

    /// Which cache (bits 0–7 of the config).
    public var cache: Cache
    /// Which operation (bits 8–15 of the config).
    public var operation: Operation
    /// Which result (bits 16–23 of the config).
    public var result: Result

    /// The event counting `result` of `operation` on `cache`, such as `CacheEvent(.llc, .read, .miss)` (`LLC-load-misses`).
    public init(_ cache: Cache, _ operation: Operation, _ result: Result) {
        self.cache = cache
        self.operation = operation
        self.result = result
    }

    /// The config word of the legacy event (without an extended type).
    public var config: UInt64 { cache.rawValue | operation.rawValue << 8 | result.rawValue << 16 }

    /// perf's canonical name: `L1-dcache-loads`, `LLC-load-misses`, `dTLB-stores`.
    public var name: String { cache.name + "-" + operation.name + result.suffix }
}
