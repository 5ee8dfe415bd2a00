import Foundation

/// Paths of the recorded sysfs trees under Fixtures/ (copied into the test bundle).
enum SysfsFixtures {
    static var directory: String {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the test bundle has no Fixtures resource; check Package.swift resources")
        }
        return url.path
    }

    /// The root of `Fixtures/sysfs/<name>`.
    static func root(_ name: String) -> String { directory + "/sysfs/" + name }

    /// The root of `Fixtures/sysfs-malformed/<name>`.
    static func malformed(_ name: String) -> String { directory + "/sysfs-malformed/" + name }

    /// The names of the malformed cases present on disk.
    static var malformedCases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/sysfs-malformed")) ?? []).sorted()
    }
}
