// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-perf-events",
    products: [
        .library(name: "PerfEvents", targets: ["PerfEvents"]),
        .library(name: "KVM", targets: ["KVM"]),
        .executable(name: "pmu", targets: ["pmu"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .target(
            name: "PerfEvents",
            dependencies: ["CPerfEvents", "CLibpfm"],
            path: "Sources/PerfEvents"
        ),
        // A KVM driver that knows about PMUs (KVM_ARM_VCPU_PMU_V3_SET_PMU, VCPU pinning).
        .target(
            name: "KVM",
            dependencies: ["PerfEvents", "CPerfEvents"],
            path: "Sources/KVM"
        ),
        .executableTarget(
            name: "pmu",
            dependencies: [
                "PerfEvents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/pmu"
        ),
        .testTarget(
            name: "PerfEventsTests",
            dependencies: ["PerfEvents", "CPerfEvents"],
            path: "Tests/PerfEventsTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "KVMTests",
            dependencies: ["KVM", "PerfEvents", "CPerfEvents"],
            path: "Tests/KVMTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
