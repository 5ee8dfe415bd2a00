import CBenchReference
import Foundation

/// libpfm's versions, labelled: the API version `pfm_get_version()` returns
/// (called from C: this module cannot import CLibpfm next to CPerfEvents),
/// which is 4.0 for every libpfm 4 release, and the installed package's release.
enum LibpfmVersion {
    /// `pfm_get_version()` as major.minor: the API version, not the release.
    static func api() -> String {
        let version = cbr_libpfm_version()
        if version == -2 { return "none (built without the Libpfm trait)" }
        guard version >= 0 else { return "unknown (pfm_get_version returned \(version))" }
        return "\(version >> 16).\(version & 0xffff)"
    }

    /// The release of the installed package: `dpkg-query -W libpfm4` (Debian and
    /// Ubuntu), else `rpm -q libpfm` (Fedora, RHEL); nil when neither knows it.
    static func package() -> String? {
        for (tool, arguments) in [("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", "libpfm4"]),
                                  ("/usr/bin/rpm", ["-q", "--qf", "%{VERSION}-%{RELEASE}", "libpfm"])]
        where FileManager.default.isExecutableFile(atPath: tool) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { continue }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 0, !text.isEmpty { return "\(text) (\(tool.split(separator: "/").last ?? ""))" }
        }
        return nil
    }
}
