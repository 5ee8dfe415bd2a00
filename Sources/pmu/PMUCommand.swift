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
        subcommands: [ListCommand.self, EventsCommand.self, ResolveCommand.self]
    )
}
