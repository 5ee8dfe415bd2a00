/// How far a read row is from the floor: the share of the Swift read's time
/// that is the kernel's, and what is left to win in user space.
///
/// Within one interleaved row the C reference is the same system call on the
/// same descriptor with nothing around it, and the syscall floor is the
/// cheapest trip into the kernel and back (getpid). So of the Swift p50:
/// - at least (C − floor) is the kernel's read() work itself (the lower bound:
///   as if the C loop's user-space part cost as much as the whole floor),
/// - at most C is the kernel's (the upper bound: as if C spent nothing in user space),
/// - Swift − C is what the library adds in user space: all a Swift change could win.
public struct FloorShare: Codable, Hashable, Sendable {
    public var pmu: String
    public var event: String
    public var method: String
    public var swiftP50: UInt64
    public var cP50: UInt64
    public var floorP50: UInt64
    /// (C − floor) / Swift and C / Swift, each clamped to 0…1.
    public var kernelShareLow: Double
    public var kernelShareHigh: Double
    /// Swift − C in ns (0 when C is the slower): the most a user-space change could remove.
    public var leftToWinNs: UInt64

    enum CodingKeys: String, CodingKey {
        case pmu, event, method
        case swiftP50 = "swift_p50"
        case cP50 = "c_p50"
        case floorP50 = "floor_p50"
        case kernelShareLow = "kernel_share_low"
        case kernelShareHigh = "kernel_share_high"
        case leftToWinNs = "left_to_win_ns"
    }

    /// One share per Swift read row (read-single, read-group-N) that has a C and a floor row beside it.
    public static func compute(_ rows: [ReadLatencyRow]) -> [FloorShare] {
        rows.compactMap { swift -> FloorShare? in
            guard swift.implementation == .swift, swift.method.hasPrefix("read-"), swift.ns.p50 > 0 else { return nil }
            func p50(_ implementation: Implementation) -> UInt64? {
                rows.first {
                    $0.pmu == swift.pmu && $0.event == swift.event && $0.method == swift.method
                        && $0.implementation == implementation
                }?.ns.p50
            }
            guard let c = p50(.c), let floor = p50(.syscallFloor) else { return nil }
            let total = Double(swift.ns.p50)
            let clamp = { (value: Double) in Swift.min(1, Swift.max(0, value)) }
            return FloorShare(pmu: swift.pmu, event: swift.event, method: swift.method, swiftP50: swift.ns.p50,
                              cP50: c, floorP50: floor,
                              kernelShareLow: clamp(Double(c > floor ? c - floor : 0) / total),
                              kernelShareHigh: clamp(Double(c) / total),
                              leftToWinNs: swift.ns.p50 > c ? swift.ns.p50 - c : 0)
        }
    }
}
