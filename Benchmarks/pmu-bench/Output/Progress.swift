import Foundation

/// Progress lines on stderr, only when stderr is a terminal (never in logs or pipes).
struct Progress {
    let enabled: Bool

    init(enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.enabled = enabled
    }

    func step(_ label: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label)…".utf8))
    }

    var fraction: (Int, Int) -> Void {
        guard enabled else { return { _, _ in } }
        return { done, total in
            if done == total || done % max(1, total / 10) == 0 {
                FileHandle.standardError.write(Data(" \(done * 100 / max(1, total))%".utf8))
            }
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
