/// A Linux error number, as returned by a failed system call.
///
/// The values are the kernel's generic ones (`asm-generic/errno-base.h` and
/// `errno.h`), which x86_64 and arm64 share.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Operation not permitted (`EPERM`).
    public static let notPermitted = Errno(rawValue: 1)
    /// No such file or directory (`ENOENT`).
    public static let noSuchFileOrDirectory = Errno(rawValue: 2)
    /// No such process (`ESRCH`).
    public static let noSuchProcess = Errno(rawValue: 3)
    /// Interrupted system call (`EINTR`).
    @usableFromInline package static let interrupted = Errno(rawValue: 4)
    /// Input/output error (`EIO`).
    package static let ioError = Errno(rawValue: 5)
    /// No such device or address (`ENXIO`).
    public static let noSuchDeviceOrAddress = Errno(rawValue: 6)
    /// Argument list too long (`E2BIG`).
    package static let argumentListTooLong = Errno(rawValue: 7)
    /// Bad file descriptor (`EBADF`).
    package static let badFileDescriptor = Errno(rawValue: 9)
    /// Resource temporarily unavailable (`EAGAIN`).
    package static let tryAgain = Errno(rawValue: 11)
    /// Out of memory (`ENOMEM`).
    public static let noMemory = Errno(rawValue: 12)
    /// Permission denied (`EACCES`).
    public static let permissionDenied = Errno(rawValue: 13)
    /// Bad address (`EFAULT`).
    package static let badAddress = Errno(rawValue: 14)
    /// Device or resource busy (`EBUSY`).
    public static let busy = Errno(rawValue: 16)
    /// File exists (`EEXIST`).
    package static let fileExists = Errno(rawValue: 17)
    /// No such device (`ENODEV`).
    public static let noSuchDevice = Errno(rawValue: 19)
    /// Not a directory (`ENOTDIR`).
    package static let notDirectory = Errno(rawValue: 20)
    /// Is a directory (`EISDIR`).
    package static let isDirectory = Errno(rawValue: 21)
    /// Invalid argument (`EINVAL`).
    public static let invalidArgument = Errno(rawValue: 22)
    /// Too many open files in the process (`EMFILE`).
    public static let tooManyOpenFiles = Errno(rawValue: 24)
    /// Inappropriate ioctl for device (`ENOTTY`).
    package static let notTTY = Errno(rawValue: 25)
    /// No space left on device (`ENOSPC`): for perf, no free breakpoint slot,
    /// or a read buffer too small for the read format.
    package static let noSpace = Errno(rawValue: 28)
    /// Numerical result out of range (`ERANGE`).
    package static let outOfRange = Errno(rawValue: 34)
    /// Too many levels of symbolic links (`ELOOP`).
    package static let tooManySymbolicLinks = Errno(rawValue: 40)
    /// Operation not supported (`EOPNOTSUPP`).
    public static let notSupported = Errno(rawValue: 95)

    /// The symbolic C name, such as `EACCES`, or `errno N` for one we do not name.
    public var name: String {
        switch rawValue {
        case 1: return "EPERM"
        case 2: return "ENOENT"
        case 3: return "ESRCH"
        case 4: return "EINTR"
        case 5: return "EIO"
        case 6: return "ENXIO"
        case 7: return "E2BIG"
        case 9: return "EBADF"
        case 11: return "EAGAIN"
        case 12: return "ENOMEM"
        case 13: return "EACCES"
        case 14: return "EFAULT"
        case 16: return "EBUSY"
        case 17: return "EEXIST"
        case 19: return "ENODEV"
        case 20: return "ENOTDIR"
        case 21: return "EISDIR"
        case 22: return "EINVAL"
        case 24: return "EMFILE"
        case 25: return "ENOTTY"
        case 28: return "ENOSPC"
        case 34: return "ERANGE"
        case 40: return "ELOOP"
        case 95: return "EOPNOTSUPP"
        default: return "errno \(rawValue)"
        }
    }

    /// A short English explanation, like `strerror(3)` for the values we name.
    package var summary: String {
        switch rawValue {
        case 1: return "operation not permitted"
        case 2: return "no such file or directory"
        case 3: return "no such process"
        case 4: return "interrupted system call"
        case 5: return "input/output error"
        case 6: return "no such device or address"
        case 7: return "argument list too long"
        case 9: return "bad file descriptor"
        case 11: return "resource temporarily unavailable"
        case 12: return "out of memory"
        case 13: return "permission denied"
        case 14: return "bad address"
        case 16: return "device or resource busy"
        case 17: return "file exists"
        case 19: return "no such device"
        case 20: return "not a directory"
        case 21: return "is a directory"
        case 22: return "invalid argument"
        case 24: return "too many open files"
        case 25: return "inappropriate ioctl for device"
        case 28: return "no space left on device"
        case 34: return "numerical result out of range"
        case 40: return "too many levels of symbolic links"
        case 95: return "operation not supported"
        default: return "error \(rawValue)"
        }
    }

    public var description: String { "\(name) (\(summary))" }
}
