// swift-tools-version: 6.1
// package-benchmark (ordo-one/benchmark) with PMU events as custom metrics. A package of its own,
// nested in the repository, so that swift-perf-events itself gains no dependency: it depends on
// the repository by path and on package-benchmark. See README.md.
import PackageDescription

// A path dependency's identity is its directory's name (lowercased): whatever the repository's
// checkout is called (swift-perf-events, a worktree, a CI clone).
let repositoryIdentity = Context.packageDirectory.split(separator: "/").dropLast(2).last.map {
    $0.lowercased()
} ?? "swift-perf-events"

let package = Package(
    name: "PMUBenchmarkMetrics",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "PMUBenchmarkMetrics", targets: ["PMUBenchmarkMetrics"]),
    ],
    dependencies: [
        .package(path: "../.."),
        // Only the MallocInterposer trait (package-benchmark's malloc metrics, from the
        // malloc-interposer package, no system library): its default RuntimeInterposer trait needs
        // swift-runtime-interposer on Linux with Swift 6.3, which this machine's mirror lacks.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "PMUBenchmarkMetrics",
            dependencies: [
                .product(name: "PerfEvents", package: repositoryIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ]
        ),
        // The example benchmark (package-benchmark finds benchmark targets under Benchmarks/).
        .executableTarget(
            name: "PMUExample",
            dependencies: [
                "PMUBenchmarkMetrics",
                .product(name: "PerfEvents", package: repositoryIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PMUExample",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
