import PerfEvents

/// A range of guest-physical memory backed by an anonymous shared host mapping
/// (`mmap(MAP_SHARED | MAP_ANONYMOUS, fd -1)`) and registered with
/// `KVM_SET_USER_MEMORY_REGION`. The mapping is unmapped when the owning
/// ``VirtualMachine`` closes.
public final class GuestMemory {
    /// `PROT_READ | PROT_WRITE`.
    static let readWrite: Int32 = 3
    /// `MAP_SHARED | MAP_ANONYMOUS` (the generic values, shared by x86_64 and arm64).
    static let sharedAnonymous: Int32 = 0x01 | 0x20

    /// The KVM memory slot number.
    public let slot: UInt32
    /// The first guest-physical address.
    public let guestAddress: UInt64
    /// The size in bytes.
    public let size: Int
    let system: SystemCalls
    private(set) var host: UnsafeMutableRawPointer?

    init(slot: UInt32, guestAddress: UInt64, size: Int, system: SystemCalls) throws(KVMError) {
        self.slot = slot
        self.guestAddress = guestAddress
        self.size = size
        self.system = system
        let mapped: Int64
        do {
            mapped = try system.check("mmap", "guest memory") {
                system.mmap(size, Self.readWrite, Self.sharedAnonymous, -1, 0)
            }
        } catch {
            throw KVMError.from(error)
        }
        host = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: mapped))
        if host == nil { throw KVMError(.invalidMemory("mmap returned address 0"), call: "mmap") }
    }

    deinit { unmap() }

    /// Releases the host mapping (idempotent).
    func unmap() {
        if let host { _ = system.munmap(host, size) }
        host = nil
    }

    /// Whether `[address, address + count)` lies inside this region.
    public func contains(_ address: UInt64, count: Int) -> Bool {
        guard count >= 0, address >= guestAddress else { return false }
        let offset = address - guestAddress
        return offset <= UInt64(size) && UInt64(count) <= UInt64(size) - offset
    }

    /// Copies `bytes` to guest-physical `address`.
    public func write(_ bytes: [UInt8], at address: UInt64) throws(KVMError) {
        guard let host else { throw KVMError(.closed, call: "guest memory write") }
        guard contains(address, count: bytes.count) else {
            throw KVMError(.invalidMemory("\(bytes.count) bytes at 0x" + String(address, radix: 16)
                + " do not fit the region 0x" + String(guestAddress, radix: 16) + "+\(size)"), call: "")
        }
        let offset = Int(address - guestAddress)
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(start: host + offset, count: bytes.count).copyMemory(from: source)
        }
    }

    /// The `count` bytes at guest-physical `address`.
    public func read(at address: UInt64, count: Int) throws(KVMError) -> [UInt8] {
        guard let host else { throw KVMError(.closed, call: "guest memory read") }
        guard contains(address, count: count) else {
            throw KVMError(.invalidMemory("\(count) bytes at 0x" + String(address, radix: 16) + " are outside the region"), call: "")
        }
        let offset = Int(address - guestAddress)
        return Array(UnsafeRawBufferPointer(start: host + offset, count: count))
    }

    /// The `struct kvm_userspace_memory_region` bytes: slot u32, flags u32,
    /// guest_phys_addr u64, memory_size u64, userspace_addr u64.
    static func regionBytes(slot: UInt32, guestAddress: UInt64, size: UInt64, hostAddress: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        ByteImage.store(slot, at: 0, in: &bytes)
        ByteImage.store(UInt32(0), at: 4, in: &bytes)
        ByteImage.store(guestAddress, at: 8, in: &bytes)
        ByteImage.store(size, at: 16, in: &bytes)
        ByteImage.store(hostAddress, at: 24, in: &bytes)
        return bytes
    }
}
