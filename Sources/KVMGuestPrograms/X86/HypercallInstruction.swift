extension X86Programs {
    /// The hypercall instruction: Intel's VMCALL or AMD's VMMCALL.
    public enum HypercallInstruction: Hashable, Sendable {
        /// `0F 01 C1`.
        case vmcall
        /// `0F 01 D9`.
        case vmmcall

        /// The encoding.
        public var bytes: [UInt8] { self == .vmcall ? [0x0F, 0x01, 0xC1] : [0x0F, 0x01, 0xD9] }

        /// The native instruction for a CPU vendor string (`vendor_id` of /proc/cpuinfo):
        /// VMMCALL on AMD and Hygon, VMCALL otherwise.
        public static func native(vendor: String) -> HypercallInstruction {
            vendor == "AuthenticAMD" || vendor == "HygonGenuine" ? .vmmcall : .vmcall
        }
    }
}
