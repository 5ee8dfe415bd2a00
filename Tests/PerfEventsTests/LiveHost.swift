import Foundation
@testable import PerfEvents

/// The machine the tests run on, read from its `/sys` at test time: never a
/// recording, never a constant. Conditions for `.enabled(if:)` traits live here.
enum LiveHost {
    static let devices = SysfsTree.live.devicesPath

    /// The PMU directories the kernel lists now.
    static var pmuNames: [String] { (try? SysfsTree.live.deviceNames()) ?? [] }

    /// Whether the kernel registered a PMU called `name`.
    static func has(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: devices + "/" + name + "/type")
    }

    /// Whether there is a hardware CPU PMU (perf's rule: `cpu`, `cpum_cf`, or a
    /// device with a `cpus` file), read with plain file reads.
    static var hasCorePMU: Bool {
        pmuNames.contains { name in
            name == "cpu" || name == "cpum_cf" || FileManager.default.fileExists(atPath: devices + "/" + name + "/cpus")
        }
    }

    /// The live PMUs through the library.
    static func inventory() throws -> PMUInventory { try PMUDiscovery(root: "/sys").discover() }

    #if arch(x86_64)
    static let isX86_64 = true
    #else
    static let isX86_64 = false
    #endif

    static var kvmUsable: Bool { FileManager.default.isReadableFile(atPath: "/dev/kvm") }
}
