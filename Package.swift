// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-perf-events",
    products: [
        .library(name: "PerfEvents", targets: ["PerfEvents"]),
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
    ],
    swiftLanguageModes: [.v6]
)
