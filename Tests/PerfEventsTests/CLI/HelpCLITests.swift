import Foundation
import Testing

/// Every command's help: `--help`, `-h` and `pmu help X` print the help alone and exit 0.
@Suite(.timeLimit(.minutes(2))) struct HelpCLITests {
    static let commands = ["list", "events", "resolve", "stat", "kvm"]

    @Test(arguments: commands)
    func helpFlagPrintsTheCommandsHelpAndExitsZero(command: String) throws {
        for arguments in [[command, "--help"], [command, "-h"], ["help", command]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("USAGE: pmu \(command)"), "\(arguments): \(result.stdout)")
            #expect(!result.stderr.contains("Error"), "\(arguments): \(result.stderr)")
        }
    }

    /// `--help` before `--` is a help request even with other options; after `--` it is the command's.
    @Test func statHelpAmongOptionsAndAfterTheSeparator() throws {
        let help = try CLI.run(["stat", "-e", "task-clock", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: pmu stat"))
        let passed = try CLI.run(["stat", "-e", "task-clock", "-x,", "--", "/bin/sh", "-c", "echo \"$1\"", "sh", "--help"])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(passed.stdout == "--help\n")
        #expect(passed.stderr.contains("task-clock"))
    }

    @Test func topLevelHelp() throws {
        for arguments in [["--help"], ["help"], ["-h"]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 0, "\(arguments)")
            for command in Self.commands { #expect(result.stdout.contains(command)) }
        }
    }

    /// Help text is written for the parser's wrapping: no line of prose is broken
    /// mid-sentence (a line that ends without punctuation followed by one starting in
    /// lower case, at an indentation the parser does not produce).
    @Test(arguments: commands)
    func helpIsWrappedByTheParserNotByHand(command: String) throws {
        let wide = try CLI.run([command, "--help"], environment: ["COLUMNS": "200"])
        // At 200 columns no paragraph line of the discussion should be short and
        // continued on the next line: the parser would have joined it.
        let lines = wide.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (line, next) in zip(lines, lines.dropFirst()) {
            guard !line.hasPrefix(" "), !line.isEmpty, !next.isEmpty, !next.hasPrefix(" "),
                  !line.hasSuffix(":"), line.count < 120 else { continue }
            Issue.record("'\(line)' is continued by '\(next)' at 200 columns: a hard line break in the help text")
        }
    }
}
