/// Reads small text files and directories (sysfs, tracefs, procfs) through
/// ``SystemCalls``, so that discovery runs on a fixture tree or a mock as
/// easily as on `/sys`.
package struct FileSystem: Sendable {
    /// The system calls in force where this was made (the kernel's outside a mocked test).
    package var system: SystemCalls

    /// Reads through the system layer (the kernel, or in a mocked test its mock).
    package init() {
        self.system = .current
    }

    /// The largest file we read: sysfs attributes are at most a page, but
    /// tracefs `format` files and `/proc/cpuinfo` are larger.
    static let maximumFileSize = 1 << 20

    /// The whole content of a file as UTF-8 text.
    package func readText(_ path: String) throws(SystemError) -> String {
        let bytes = try readBytes(path)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The whole content of a file.
    package func readBytes(_ path: String) throws(SystemError) -> [UInt8] {
        let system = self.system
        let fd = try system.check("open", path) { system.open(path, 0 /* O_RDONLY */) }
        defer { _ = system.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try system.check("read", path) {
                chunk.withUnsafeMutableBytes { system.read(fd, $0) }
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > Self.maximumFileSize {
                throw SystemError(call: "read", subject: path, errno: .argumentListTooLong)
            }
        }
        return bytes
    }

    /// A file's content with surrounding white space (the trailing newline,
    /// a stray carriage return) removed: how sysfs attributes are meant to be read.
    package func readAttribute(_ path: String) throws(SystemError) -> String {
        trimmed(try readText(path))
    }

    /// The entries of a directory, sorted by name so results are stable.
    package func list(_ path: String) throws(SystemError) -> [DirectoryEntry] {
        switch system.listDirectory(path) {
        case .success(let entries):
            return entries.sorted { $0.name < $1.name }
        case .failure(let errno):
            throw SystemError(call: "opendir", subject: path, errno: errno)
        }
    }

    /// Whether `path` exists (following links).
    package func exists(_ path: String) -> Bool {
        system.fileType(path) > 0
    }

    /// Whether `path` is a directory (following links).
    package func isDirectory(_ path: String) -> Bool {
        system.fileType(path) == 2
    }
}

/// `text` without leading and trailing spaces, tabs, carriage returns and newlines.
///
/// Works on bytes, not Characters: Swift treats "\r\n" as one Character that
/// equals neither "\r" nor "\n", so a Character-wise trim would keep CRLF endings.
package func trimmed(_ text: String) -> String {
    func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 10 || byte == 13 }
    let bytes = text.utf8
    guard let first = bytes.firstIndex(where: { !isSpace($0) }),
          let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(text[first...last])
}

/// Joins path components with single slashes.
package func joinPath(_ base: String, _ component: String) -> String {
    if base.hasSuffix("/") { return base + component }
    return base + "/" + component
}
