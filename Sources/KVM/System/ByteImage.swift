/// Little-endian loads and stores at fixed byte offsets: how this module reads
/// and writes kernel structures (`kvm_run`, `kvm_sregs`, `kvm_device_attr`, …)
/// without depending on C struct layouts. Both architectures KVM runs on here
/// (x86_64 and arm64) are little-endian.
///
/// Every access is bounds-checked: a short buffer yields `nil`, never a crash.
package enum ByteImage {
    /// The little-endian integer of type `T` at `offset`, or nil when the buffer is too short.
    package static func load<T: FixedWidthInteger>(
        _ type: T.Type, at offset: Int, in bytes: UnsafeRawBufferPointer
    ) -> T? {
        guard offset >= 0, offset <= bytes.count - MemoryLayout<T>.size else { return nil }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Stores `value` little-endian at `offset`; returns false (and writes nothing) when it does not fit.
    @discardableResult
    package static func store<T: FixedWidthInteger>(
        _ value: T, at offset: Int, in bytes: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard offset >= 0, offset <= bytes.count - MemoryLayout<T>.size else { return false }
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
        return true
    }

    /// Stores `value` little-endian at `offset` of an array, growing nothing: false when it does not fit.
    @discardableResult
    package static func store<T: FixedWidthInteger>(_ value: T, at offset: Int, in array: inout [UInt8]) -> Bool {
        array.withUnsafeMutableBytes { store(value, at: offset, in: $0) }
    }

    /// The little-endian integer at `offset` of an array, or nil when the array is too short.
    package static func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int, in array: [UInt8]) -> T? {
        array.withUnsafeBytes { load(type, at: offset, in: $0) }
    }
}

/// The address of a buffer as the integer argument an ioctl takes.
@inline(__always)
func ioctlArgument(_ pointer: UnsafeRawPointer?) -> UInt64 {
    UInt64(UInt(bitPattern: pointer))
}
