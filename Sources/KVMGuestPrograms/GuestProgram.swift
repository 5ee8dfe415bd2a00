/// A tiny guest program: machine code, where it goes, and what it promises to do.
public struct GuestProgram: Hashable, Sendable {
    /// What the program does, for messages.
    public var name: String
    /// The machine code.
    public var code: [UInt8]
    /// The guest-physical address to copy `code` to; execution starts there.
    public var loadAddress: UInt64
    /// How many exits to user space of the program's main kind it makes (OUT, MMIO write).
    public var userspaceExits: Int
    /// How many in-kernel exits its loop makes (CPUID, RDMSR, VMCALL, HVC iterations).
    public var kernelExits: Int

    /// A program called `name` whose `code` runs from `loadAddress` and makes `userspaceExits`
    /// exits to user space and `kernelExits` exits handled in the kernel.
    public init(name: String, code: [UInt8], loadAddress: UInt64, userspaceExits: Int, kernelExits: Int = 0) {
        self.name = name
        self.code = code
        self.loadAddress = loadAddress
        self.userspaceExits = userspaceExits
        self.kernelExits = kernelExits
    }
}
