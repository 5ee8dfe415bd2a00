import ArgumentParser
import PerfEvents

/// Options every `pmu` subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("sysfs-root"), help: ArgumentHelp(
        "Read PMUs from this sysfs root instead of /sys (or $PERF_EVENTS_SYSFS_ROOT).",
        valueName: "DIR"))
    var sysfsRoot: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    /// The sysfs root in force: the flag, else the environment, else /sys.
    var root: String { sysfsRoot ?? PMUDiscovery.defaultRoot() }

    func validate() throws {
        if let sysfsRoot, !FileSystem().isDirectory(sysfsRoot) {
            throw ValidationError("--sysfs-root \(sysfsRoot): no such directory")
        }
    }

    /// Discovers the PMUs under the root, failing with the sysfs error when the
    /// devices directory cannot be read at all. Problems with single PMUs are
    /// printed as warnings on stderr: one bad PMU does not hide the others.
    func inventory() throws -> PMUInventory {
        let discovery = PMUDiscovery(root: root)
        let inventory: PMUInventory
        do {
            inventory = try discovery.discover()
        } catch {
            throw CLIError(error.description + " (is \(root) a sysfs root? --sysfs-root DIR names another)")
        }
        for problem in inventory.problems {
            printError("warning: \(problem.description)")
        }
        return inventory
    }
}

/// An error whose message is already complete; printed as `Error: message`.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
