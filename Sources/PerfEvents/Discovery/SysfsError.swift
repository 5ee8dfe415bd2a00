/// A problem with one file or directory of a PMU's sysfs tree: which path,
/// and what is wrong with it.
///
/// Discovery collects these instead of stopping at the first one, so that
/// one malformed PMU does not hide the good ones (see ``PMUInventory/problems``).
public struct SysfsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the path.
    public enum Problem: Hashable, Sendable {
        /// A file the PMU needs (its `type`) does not exist.
        case missing
        /// A directory stands where a file belongs (`EISDIR`).
        case isDirectory
        /// A file stands where a directory belongs (`ENOTDIR`), such as a
        /// device entry that is not a directory.
        case notDirectory
        /// The file is empty (or only white space).
        case empty
        /// A system call failed: `open`, `read`, `opendir` or `stat` with its errno
        /// (`EACCES`, `ELOOP` for a symbolic-link loop, `EIO`, …).
        case unreadable(SystemError)
        /// `type` is not a decimal number.
        case typeNotANumber(String)
        /// `type` is a number beyond 32 bits.
        case typeOutOfRange(String)
        /// `cpus` or `cpumask` is not a CPU list.
        case invalidCPUList(CPUListError)
        /// A `format/*` file does not parse.
        case invalidFormat(FormatSpecError)
        /// An `events/*` file is not a term list.
        case invalidAlias(TermListError)
        /// An alias attribute (`.scale`, `.per-pkg`, `.snapshot`) holds something else than expected.
        case invalidAliasAttribute(value: String, expected: String)
        /// A `<name>.scale`/`.unit`/`.per-pkg`/`.snapshot` file without an `events/<name>` alias.
        case orphanAliasAttribute(alias: String)
    }

    /// The file or directory, as discovery built it from the root.
    public var path: String
    /// What is wrong.
    public var problem: Problem

    /// A problem with `path`.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// The error number when a system call failed.
    public var errno: Errno? {
        switch problem {
        case .unreadable(let error): return error.errno
        case .missing: return .noSuchFileOrDirectory
        case .isDirectory: return .isDirectory
        case .notDirectory: return .notDirectory
        default: return nil
        }
    }

    public var description: String {
        switch problem {
        case .missing:
            return "\(path): missing; every PMU directory has a type file (is the root a sysfs tree?)"
        case .isDirectory:
            return "\(path): is a directory where a file belongs"
        case .notDirectory:
            return "\(path): is not a directory (PMU entries and their caps/, events/, format/ are directories)"
        case .empty:
            return "\(path): is empty"
        case .unreadable(let error):
            var hint = ""
            if error.errno == .permissionDenied || error.errno == .notPermitted {
                hint = "; run with permission to read sysfs"
            } else if error.errno == .tooManySymbolicLinks {
                hint = "; a symbolic link loops"
            }
            return "\(path): \(error.call) failed: \(error.errno)\(hint)"
        case .typeNotANumber(let text):
            return "\(path): '\(text)' is not a PMU type (expected a decimal number such as 4)"
        case .typeOutOfRange(let text):
            return "\(path): PMU type \(text) does not fit perf_event_attr.type (at most 4294967295)"
        case .invalidCPUList(let error):
            return "\(path): \(error)"
        case .invalidFormat(let error):
            return "\(path): \(error)"
        case .invalidAlias(let error):
            return "\(path): \(error)"
        case .invalidAliasAttribute(let value, let expected):
            return "\(path): '\(value)' is not valid here (expected \(expected))"
        case .orphanAliasAttribute(let alias):
            return "\(path): there is no event '\(alias)' beside it for it to describe"
        }
    }
}
