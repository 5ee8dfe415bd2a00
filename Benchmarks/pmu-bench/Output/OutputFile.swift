import Foundation

/// An output path (`--json`, `--csv`, `--svg`), checked before measuring.
enum OutputFile {
    /// Why `path` cannot be written, or nil when it can. Opens it for writing
    /// without truncating (and removes it again if it did not exist), so the
    /// check is the kernel's answer, not a guess from permission bits.
    static func problem(writing path: String, option: String) -> String? {
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            return "\(option) '\(path)' cannot be written: \(reason); choose a writable path"
        }
        close(fd)
        if !existed { unlink(path) }
        return nil
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
