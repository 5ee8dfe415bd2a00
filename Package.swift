// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-perf-events",
    products: [
        .library(name: "PerfEvents", targets: ["PerfEvents"]),
        .library(name: "KVM", targets: ["KVM"]),
        .executable(name: "pmu", targets: ["pmu"]),
        .executable(name: "pmu-bench", targets: ["pmu-bench"]),
    ],
    traits: [
        .trait(
            name: "Libpfm",
            description: "libpfm4 event names (pmu::EVENT) in the resolver and `pmu events`; needs libpfm4 "
                + "(Debian: libpfm4-dev) to build and run. Without it those names fail with a clear error."
        ),
        .default(enabledTraits: ["Libpfm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // `make docs`: the DocC catalogs of PerfEvents and KVM (a command plugin: no product links it).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // libpfm4 (Debian libpfm4-dev ships no pkg-config file: the module map links `pfm`).
        .systemLibrary(
            name: "CLibpfm",
            path: "CModules/CLibpfm",
            providers: [.apt(["libpfm4-dev"])]
        ),
        // What Swift cannot call directly: variadic syscall/ioctl, affinity masks, rdpmc/mrs.
        .target(name: "CPerfEvents", path: "CModules/CPerfEvents"),
        // The system layer under PerfEvents and KVM: system calls (the one place they are
        // made), errno, file reads, CPU sets, thread affinity.
        // The test seam is decided at build time (as swift-system's mocking is): debug
        // builds (the tests) can install a SystemMock; release builds call the kernel inline.
        .target(
            name: "LinuxSystem",
            dependencies: ["CPerfEvents"],
            swiftSettings: [.define("SYSTEM_MOCKING", .when(configuration: .debug))]
        ),
        .target(
            name: "PerfEvents",
            dependencies: ["LinuxSystem", "CPerfEvents", .target(name: "CLibpfm", condition: .when(traits: ["Libpfm"]))],
            path: "Sources/PerfEvents"
        ),
        // A KVM driver that knows about PMUs (KVM_ARM_VCPU_PMU_V3_SET_PMU, VCPU pinning).
        .target(
            name: "KVM",
            dependencies: ["LinuxSystem", "PerfEvents", "CPerfEvents"],
            path: "Sources/KVM"
        ),
        // Tiny x86 and arm64 guests that exit in known ways, for the tests, pmu-bench and
        // the arm64 lab; not part of the KVM product, which a VMM embeds without them.
        .target(
            name: "KVMGuestPrograms",
            dependencies: ["KVM"],
            path: "Sources/KVMGuestPrograms"
        ),
        // Prometheus' text format (names, escaping, sample lines) and its atomic file write,
        // for `pmu stat --prometheus` and `pmu-bench --prometheus`. A target of its own, in no
        // product: both tools share it, and the library (and its Embedded build) does not gain it.
        .target(name: "PrometheusText", path: "Sources/PrometheusText"),
        .executableTarget(
            name: "pmu",
            dependencies: [
                // CPerfEvents: the monotonic clock, child process control and the CPU count.
                "PerfEvents", "KVM", "CPerfEvents", "PrometheusText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/pmu",
            // A release pmu carries the Swift runtime and FoundationEssentials (which
            // ArgumentParser loads): binding their shared libraries at every start cost more
            // than all of `pmu stat -- true`'s own work (README: "pmu stat and perf stat").
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCShims", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("_FoundationCollections", .when(platforms: [.linux], configuration: .release)),
                .linkedLibrary("swiftSynchronization", .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // How another tool embeds the library (README: "Use it from your own tool").
        .executableTarget(
            name: "count-group-example",
            dependencies: ["PerfEvents"],
            path: "Sources/Examples/CountGroup"
        ),
        // The C side of pmu-bench: timed loops that do exactly what the Swift loops do.
        // It also reports libpfm's version: a Swift module cannot import CLibpfm
        // and CPerfEvents together (their two perf_event.h copies clash).
        .target(
            name: "CBenchReference",
            path: "CModules/CBenchReference",
            cSettings: [.define("CBR_LIBPFM", .when(traits: ["Libpfm"]))],
            linkerSettings: [.linkedLibrary("pfm", .when(traits: ["Libpfm"]))]
        ),
        // pmu-bench's pure parts (statistics, report model, gate rules, baseline
        // comparison, table/CSV/SVG output), tested without a kernel.
        .target(
            name: "PMUBenchCore",
            dependencies: ["PrometheusText", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Benchmarks/PMUBenchCore"
        ),
        .executableTarget(
            name: "pmu-bench",
            dependencies: [
                "PerfEvents", "KVM", "KVMGuestPrograms", "CPerfEvents", "CBenchReference", "PMUBenchCore", "PrometheusText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/pmu-bench"
        ),
        .testTarget(
            name: "PMUBenchTests",
            dependencies: ["PMUBenchCore", "pmu-bench", "PerfEvents", "KVMGuestPrograms", "PrometheusText"],
            path: "Tests/PMUBenchTests"
        ),
        .testTarget(
            name: "PrometheusTextTests",
            dependencies: ["PrometheusText"],
            path: "Tests/PrometheusTextTests"
        ),
        .testTarget(
            name: "PerfEventsTests",
            // pmu: the CLI tests run the built executable as a user would.
            dependencies: ["PerfEvents", "CPerfEvents", "pmu"],
            path: "Tests/PerfEventsTests",
            resources: [.copy("Fixtures")]
        ),
        // The C headers' KVM ioctl numbers and kvm_run offsets, which KVMTests
        // check the KVM module's own against; no product links them.
        .target(name: "CKVMHeaderValues", path: "Tests/CKVMHeaderValues"),
        .testTarget(
            name: "KVMTests",
            dependencies: ["KVM", "KVMGuestPrograms", "PerfEvents", "CPerfEvents", "CKVMHeaderValues"],
            path: "Tests/KVMTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
