import ArgumentParser

/// Options every `pmu` subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("sysfs-root"), help: ArgumentHelp(
        "Read PMUs from this sysfs root instead of /sys (or $PERF_EVENTS_SYSFS_ROOT).",
        valueName: "DIR"))
    var sysfsRoot: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}
