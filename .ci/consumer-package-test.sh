#!/usr/bin/env bash
# A package outside this repository uses it as its users do: it depends on it by
# local path, imports PerfEvents, discovers the PMUs, resolves task-clock, counts
# it on the software PMU and prints the count, which must not be zero. Built and
# run twice, each in its own scratch path:
#   default   the package's default traits (Libpfm on): the binary links libpfm4, and
#             a libpfm4 name fails, if at all, with libpfm4's own error;
#   no-libpfm `.package(path:, traits: [])`: the binary does not link libpfm4, and a
#             libpfm4 name fails with the error that says how to get libpfm4 support.
# Usage: .ci/consumer-package-test.sh [WORK_DIR]   (default: a temporary directory, removed after)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
swift=${SWIFT:-swift}
if [ $# -gt 0 ]; then
  work=$1
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)

write_package() {  # directory traits-argument
  local dir=$1 traits=$2
  mkdir -p "$dir/Sources/consumer"
  cat >"$dir/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(path: "$repo"$traits)],
    targets: [
        .executableTarget(
            name: "consumer",
            dependencies: [.product(name: "PerfEvents", package: "$(basename "$repo" | tr '[:upper:]' '[:lower:]')")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
EOF
  cat >"$dir/Sources/consumer/main.swift" <<'EOF'
// Counts task-clock on the software PMU, then checks what a libpfm4 name gives.
// Argument: "libpfm" when the library was built with its Libpfm trait, else "none".
import Glibc
import PerfEvents

func fail(_ message: String) -> Never {
    print("consumer: FAIL: \(message)")
    exit(1)
}

/// Discovers the PMUs, asks for task-clock by value and by text (the same event), counts it on
/// the software PMU, asks for cycles on every core PMU by value; returns the resolver.
func countTaskClock() throws -> Resolver {
    let inventory = try PMUDiscovery().discover()
    let software = try inventory.pmu(named: "software")
    let resolver = Resolver(pmus: inventory.pmus)
    let taskClock = Event.software(.taskClock)
    let resolved = try resolver.resolve("task-clock").flatMap(\.events)
    guard resolved.count == 1, let parsed = resolved.first else { fail("task-clock resolved to \(resolved.count) events") }
    guard parsed.pmu == .pmu(software) else { fail("task-clock resolved on \(parsed.pmu), not the software PMU") }
    guard parsed.attributes == taskClock.attributes else { fail("the typed task-clock is not the parsed one") }
    for core in resolver.corePMUs {
        let cycles = try resolver.event(.cycles, on: core, modifiers: .userOnly)
        print("consumer: \(cycles.label) on \(core.name): type \(cycles.attributes.type)")
    }
    let counter = try Counter(taskClock, options: CounterOptions(target: .callingThread))
    try counter.enable()
    var sum: UInt64 = 0
    for index in 0..<2_000_000 { sum = sum &+ UInt64(index) &* 2_654_435_761 }
    try counter.disable()
    let value = try counter.read()
    print("consumer: task-clock on \(software.name) (type \(software.type)): \(value.raw) ns (\(sum % 7))")
    guard value.raw > 0 else { fail("task-clock counted 0") }
    return resolver
}

/// A libpfm4 name: libpfm4's own answer with the trait, the not-built-in error without.
func checkLibpfmName(_ resolver: Resolver, expectLibpfm: Bool) {
    guard Libpfm.isBuiltIn == expectLibpfm else { fail("Libpfm.isBuiltIn is \(Libpfm.isBuiltIn)") }
    let name = "amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"
    switch Result(catching: { () throws(ResolutionError) in try resolver.resolve(name) }) {
    case .success:
        guard expectLibpfm else { fail("\(name) resolved without libpfm4") }
        print("consumer: \(name) resolved by libpfm4")
    case .failure(let failure):
        guard case .libpfm(_, let error) = failure else { fail("\(name): not a libpfm4 error: \(failure)") }
        print("consumer: \(failure)")
        if expectLibpfm {
            guard !error.isNotBuiltIn else { fail("libpfm4 is said to be missing although built in") }
        } else {
            guard error.isNotBuiltIn, "\(error)".contains("libpfm4 support is not built in: build with the Libpfm trait")
            else { fail("not the not-built-in error: \(error)") }
        }
    }
}

do {
    let resolver = try countTaskClock()
    checkLibpfmName(resolver, expectLibpfm: CommandLine.arguments.dropFirst().first == "libpfm")
} catch {
    fail("\(error)")
}
print("consumer: OK")
EOF
}

run_case() {  # name traits-argument expectation
  local name=$1 traits=$2 expect=$3
  local dir=$work/$name scratch=$work/$name-scratch
  write_package "$dir" "$traits"
  local start=$SECONDS
  "$swift" build --package-path "$dir" --scratch-path "$scratch" >"$work/$name-build.log" 2>&1 \
    || { cat "$work/$name-build.log"; echo "consumer-package-test: $name: build failed" >&2; return 1; }
  local built=$((SECONDS - start))
  local binary
  binary=$("$swift" build --package-path "$dir" --scratch-path "$scratch" --show-bin-path)/consumer
  # grep reads all of ldd's output: with pipefail, grep -q could end the pipe early and SIGPIPE ldd.
  if ldd "$binary" | grep libpfm >/dev/null; then linked=yes; else linked=no; fi
  if [ "$expect" = libpfm ] && [ "$linked" = no ]; then echo "consumer-package-test: $name: libpfm4 not linked" >&2; return 1; fi
  if [ "$expect" = none ] && [ "$linked" = yes ]; then echo "consumer-package-test: $name: libpfm4 linked without the trait" >&2; return 1; fi
  "$binary" "$expect"
  echo "consumer-package-test: $name OK (build ${built}s, links libpfm4: $linked)"
}

run_case default "" libpfm
run_case no-libpfm ", traits: []" none
