import Foundation

/// The thread ids of this process, as `/proc/self/task` lists them.
enum ProcessThreads {
    static func current(procRoot: String = "/proc") throws -> [Int32] {
        let names = try FileManager.default.contentsOfDirectory(atPath: procRoot + "/self/task")
        let threads = names.compactMap { Int32($0) }.sorted()
        guard !threads.isEmpty else {
            throw PMUMetricsError(message: "\(procRoot)/self/task lists no thread")
        }
        return threads
    }
}
