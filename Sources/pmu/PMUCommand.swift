import ArgumentParser

/// `pmu`: list PMUs, their events, resolve event strings, count, and ask KVM.
@main
struct PMUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pmu",
        abstract: "Count events on the right PMU, and see what KVM would choose.",
        discussion: """
            Every command reads PMUs from sysfs (/sys by default; PERF_EVENTS_SYSFS_ROOT or \
            --sysfs-root DIR to read a recorded tree instead).
            """,
        subcommands: [ListCommand.self, EventsCommand.self, ResolveCommand.self, StatCommand.self, SampleCommand.self, KVMCommand.self]
    )

    /// perf users write the CSV separator glued to its flag (`-x,`); the argument
    /// parser wants it apart, so `-xSEP` before `--` becomes `-x SEP`.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let end = arguments.firstIndex(of: "--") ?? Optional(arguments.endIndex),
           let index = arguments[..<end].firstIndex(where: { $0.hasPrefix("-x") && $0.count > 2 }) {
            let separator = String(arguments[index].dropFirst(2))
            arguments.replaceSubrange(index...index, with: ["-x", separator])
        }
        main(arguments)
    }
}
