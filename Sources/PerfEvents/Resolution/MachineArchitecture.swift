/// The instruction set of the machine a sysfs tree describes, as far as its PMUs tell
/// (for the rules that differ per architecture, such as breakpoint lengths).
public enum MachineArchitecture: String, Hashable, Sendable {
    /// x86 (64- or 32-bit): core PMUs `cpu`, `cpu_core`, `cpu_atom`.
    case x86
    /// 64-bit Arm: core PMUs `armv8_*`, `armv9_*`, `arm_*`.
    case arm64
    /// Nothing in the PMUs says, and the code runs on neither.
    case unknown

    /// From the core PMUs' names (`cpu`, `cpu_core`, `cpu_atom` are x86; `armv8_*`,
    /// `arm_*` arm64). A tree without a core PMU (a guest without a virtual PMU) says
    /// nothing: then the machine running this code is assumed.
    public init(pmus: [PMU]) {
        for pmu in pmus where pmu.isCore {
            if ["cpu", "cpu_core", "cpu_atom"].contains(pmu.name) {
                self = .x86
                return
            }
            if pmu.name.hasPrefix("armv8") || pmu.name.hasPrefix("arm_") || pmu.name.hasPrefix("armv9") {
                self = .arm64
                return
            }
        }
        self = .host
    }

    /// The machine this code runs on.
    public static var host: MachineArchitecture {
        #if arch(x86_64) || arch(i386)
        return .x86
        #elseif arch(arm64)
        return .arm64
        #else
        return .unknown
        #endif
    }

    /// Why the kernel of this architecture refuses a breakpoint of `length` bytes, or nil.
    /// x86 watches 1, 2, 4 or 8 bytes; arm64 any length from 1 to 8 (its byte-select mask).
    public func breakpointLengthProblem(_ length: UInt64) -> String? {
        switch self {
        case .x86:
            return [1, 2, 4, 8].contains(length) ? nil : "an x86 breakpoint watches 1, 2, 4 or 8 bytes"
        case .arm64, .unknown:
            return (1...8).contains(length) ? nil : "a breakpoint watches 1 to 8 bytes"
        }
    }
}
