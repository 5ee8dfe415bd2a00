import Foundation
import Glibc
import Testing
import CPerfEvents
@testable import PerfEvents

/// `SystemMock().listDirectory` on real directories, and the `cpe_readdir`
/// shim under it: the end of a directory is never taken for a failure.
@Suite(.timeLimit(.minutes(5))) struct DirectoryListingTests {
    /// A fresh directory with `files` regular files, one subdirectory and one symbolic link.
    func makeDirectory(files: Int) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("listing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        for index in 0..<files {
            try Data().write(to: URL(fileURLWithPath: root + "/file-\(index)"))
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "sub")
        return root
    }

    @Test func listsEveryEntryWithItsKindAndNoDotEntries() throws {
        // Enough names that readdir needs several getdents calls.
        let root = try makeDirectory(files: 600)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let entries = try SystemMock().listDirectory(root).get()
        let expected = Set((0..<600).map { DirectoryEntry(name: "file-\($0)", kind: .file) }
            + [DirectoryEntry(name: "sub", kind: .directory), DirectoryEntry(name: "link", kind: .symbolicLink)])
        #expect(entries.count == expected.count)
        #expect(Set(entries) == expected)
    }

    @Test func emptyDirectoryIsAnEmptyList() throws {
        let root = try makeDirectory(files: 0)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/link")
        try FileManager.default.removeItem(atPath: root + "/sub")
        #expect(try SystemMock().listDirectory(root).get() == [])
    }

    @Test func failuresCarryTheirErrno() throws {
        let root = try makeDirectory(files: 1)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try SystemMock().listDirectory(root + "/missing").get() }
        #expect(throws: Errno.notDirectory) { try SystemMock().listDirectory(root + "/file-0").get() }
    }

    /// Whatever the caller does between two `cpe_readdir` calls may leave errno
    /// set (here: EIO on purpose); the shim clears it before each readdir, so the
    /// end of the directory still reads as the end, not as an EIO failure.
    @Test func errnoLeftBetweenReadsIsNotTakenForAFailure() throws {
        let root = try makeDirectory(files: 3)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var directory: UnsafeMutableRawPointer?
        #expect(root.withCString { cpe_opendir($0, &directory) } == 0)
        let stream = try #require(directory)
        defer { #expect(cpe_closedir(stream) == 0) }
        var names: [String] = []
        var result: Int32 = 1
        while result == 1 {
            errno = EIO
            var name: UnsafePointer<CChar>?
            var type: UInt8 = 0
            result = cpe_readdir(stream, &name, &type)
            if result == 1, let name { names.append(String(cString: name)) }
        }
        #expect(result == 0)
        #expect(names.sorted() == [".", "..", "file-0", "file-1", "file-2", "link", "sub"])
    }
}
