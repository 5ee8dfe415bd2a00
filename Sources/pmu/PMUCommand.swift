import ArgumentParser
import Glibc

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
        if let help = helpRequest(arguments) {
            print(help)
            Glibc.exit(0)
        }
        if let end = arguments.firstIndex(of: "--") ?? Optional(arguments.endIndex),
           let index = arguments[..<end].firstIndex(where: { $0.hasPrefix("-x") && $0.count > 2 }) {
            let separator = String(arguments[index].dropFirst(2))
            arguments.replaceSubrange(index...index, with: ["-x", separator])
        }
        main(arguments)
    }

    /// The help `arguments` ask for (`pmu help X`, `pmu X --help`, `pmu X -h`), or nil.
    /// Answered here, before parsing: `stat` captures its command's arguments, so the
    /// parser would take `--help` for the command and `help stat` would still validate.
    static func helpRequest(_ arguments: [String]) -> String? {
        let options = Array(arguments.prefix { $0 != "--" })
        let subcommands = configuration.subcommands
        if options.first == "help" {
            let name = options.dropFirst().first
            guard let name else { return helpMessage() }
            guard let command = subcommands.first(where: { $0._commandName == name }) else { return nil }
            return helpMessage(for: command)
        }
        guard options.contains("--help") || options.contains("-h") else { return nil }
        if let name = options.first, let command = subcommands.first(where: { $0._commandName == name }) {
            return helpMessage(for: command)
        }
        return options.first.map { $0.hasPrefix("-") } ?? true ? helpMessage() : nil
    }
}
