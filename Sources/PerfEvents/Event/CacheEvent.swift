/// A generic hardware-cache event (`PERF_TYPE_HW_CACHE`): which cache, which
/// operation, which result, packed as the kernel reads it
/// (`cache | operation << 8 | result << 16`) and named as perf names it.
public struct CacheEvent: Hashable, Sendable {
    /// `PERF_COUNT_HW_CACHE_*`, with perf's canonical names.
    public enum Cache: UInt64, Hashable, Sendable, CaseIterable {
        case l1d = 0, l1i, llc, dtlb, itlb, branch, node

        /// perf's canonical spelling (`L1-dcache`, `LLC`, `dTLB`, …).
        package var name: String {
            ["L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch", "node"][Int(rawValue)]
        }
    }

    /// `PERF_COUNT_HW_CACHE_OP_*`.
    public enum Operation: UInt64, Hashable, Sendable, CaseIterable {
        case read = 0, write, prefetch

        /// perf's canonical word (`load`, `store`, `prefetch`).
        package var name: String { ["load", "store", "prefetch"][Int(rawValue)] }
    }

    /// `PERF_COUNT_HW_CACHE_RESULT_*`.
    public enum Result: UInt64, Hashable, Sendable, CaseIterable {
        case access = 0, miss

        /// perf's canonical suffix (`s` for accesses, `-misses`).
        package var suffix: String { self == .access ? "s" : "-misses" }
    }

    public var cache: Cache
    public var operation: Operation
    public var result: Result

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
