// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "viroscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "viroscope-coordinator", targets: ["viroscope-coordinator"]),
        .executable(name: "viroscope-worker", targets: ["viroscope-worker"]),
        .executable(name: "viroscope-report", targets: ["viroscope-report"]),
        .executable(name: "viroscope", targets: ["viroscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        // ONNX import/export; the onnx.proto Swift code is generated once and committed (no build plugin).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Libraries: one job each.
        .target(name: "Postgres", dependencies: [
            "CLibPQ", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "JobQueue", dependencies: [
            "Postgres", .product(name: "Logging", package: "swift-log"),
        ]),
        // Opens input files safely: regular files only, never blocking on a FIFO, contained under a root.
        .target(name: "SafeFiles"),
        .target(name: "Screening", dependencies: ["SafeFiles"]),
        .target(name: "Imaging", dependencies: [
            "CTIFF", .product(name: "Logging", package: "swift-log"),
            "SafeFiles",
        ]),
        .target(name: "NeuralNet", dependencies: ["COpenBLAS"]),
        .target(name: "Synthetic", dependencies: ["Screening", "Imaging"]),
        .target(name: "Analysis", dependencies: [
            "Imaging", "NeuralNet", "Screening", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Campaigns", dependencies: [
            "Postgres", "JobQueue", "Screening", "Imaging", "NeuralNet", "Analysis", "Reporting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Telemetry", dependencies: [
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Reporting", dependencies: ["Postgres", "Screening", "ScreenStatistics"]),
        // Screen statistics: pure numbers (normalisation, B-score, viability, hit calling), no I/O.
        .target(name: "ScreenStatistics"),
        // Shared by the executables: numeric flag checks, duration flags, exit code 2 for usage errors.
        .target(name: "CommandLineSupport", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "ONNX", dependencies: ["NeuralNet", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),

        // Executables: thin front ends over the libraries.
        .executableTarget(name: "viroscope-coordinator", dependencies: [
            "Postgres", "JobQueue", "Screening", "Analysis", "Campaigns", "NeuralNet",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            "CommandLineSupport",
        ]),
        .executableTarget(name: "viroscope-worker", dependencies: [
            "Postgres", "JobQueue", "Analysis", "Campaigns", "Telemetry",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            "CommandLineSupport",
        ]),
        .executableTarget(name: "viroscope-report", dependencies: [
            "Postgres", "Reporting", "Campaigns", "ScreenStatistics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            "CommandLineSupport",
        ]),
        .executableTarget(name: "viroscope", dependencies: [
            "Imaging", "NeuralNet", "Synthetic", "Analysis", "Screening", "ONNX",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            "CommandLineSupport",
        ]),
        // Fuzzing harness: replays inputs when built normally; ops/fuzz builds it with libFuzzer.
        .executableTarget(name: "viroscope-fuzz", dependencies: ["Imaging", "NeuralNet", "Screening", "Telemetry"]),

        // Test support: a fresh schema per test on the throwaway cluster, helpers to run the executables.
        .target(name: "TestSupport", dependencies: ["Postgres"], path: "Tests/Support"),

        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "Postgres", "TestSupport"]),
        .testTarget(name: "ScreeningTests", dependencies: ["Screening"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "CTIFF"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "COpenBLAS"]),
        .testTarget(name: "SyntheticTests", dependencies: ["Synthetic", "Screening", "Imaging"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Imaging", "NeuralNet", "Synthetic", "Screening"]),
        .testTarget(name: "CampaignsTests", dependencies: [
            "Campaigns", "Postgres", "JobQueue", "Screening", "NeuralNet", "Analysis", "Synthetic", "Imaging",
            "Reporting", "TestSupport",
        ]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Screening", "Postgres", "TestSupport"]),
        .testTarget(name: "ScreenStatisticsTests", dependencies: ["ScreenStatistics"]),
        .testTarget(name: "CommandLineTests", dependencies: ["TestSupport"]),
        .testTarget(name: "BenchToolTests", dependencies: ["Analysis", "Synthetic", "TestSupport"]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "NeuralNet"]),
    ],
    swiftLanguageModes: [.v6]
)
