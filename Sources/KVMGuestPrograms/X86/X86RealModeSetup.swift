import KVM

extension VirtualMachine {
    /// Gives the VM the memory ``X86Programs`` expect, loads `program` and puts a
    /// new VCPU in real mode at its start. Returns the VCPU.
    public func prepareX86RealMode(_ program: GuestProgram) throws(KVMError) -> VCPU {
        if region(containing: 0) == nil {
            try addMemory(guestAddress: 0, size: X86Programs.memorySize)
        }
        try write(program.code, at: program.loadAddress)
        let vcpu = try createVCPU()
        try vcpu.startX86RealMode(entry: UInt16(truncatingIfNeeded: program.loadAddress), stack: 0x8000)
        return vcpu
    }
}
