// swift-tools-version: 6.1
import PackageDescription

/// Upcoming features every Bale target builds with (see ../shared/STYLE.md §1).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Bale",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bale", targets: ["bale"]),
        .executable(name: "bale-runtime", targets: ["bale-runtime"]),
        .library(name: "BaleBundle", targets: ["BaleBundle"]),
        .library(name: "BaleGraph", targets: ["BaleGraph"]),
        .library(name: "BaleRuntime", targets: ["BaleRuntime"]),
        .library(name: "BaleONNX", targets: ["BaleONNX"]),
        .library(name: "BalePackager", targets: ["BalePackager"]),
        .library(name: "BalePlugins", targets: ["BalePlugins"]),
        .library(name: "BuiltinPlugins", targets: ["BuiltinPlugins"]),
        .library(name: "BaleServer", targets: ["BaleServer"]),
        .library(name: "BaleDeploy", targets: ["BaleDeploy"]),
        .library(name: "BaleRegistry", targets: ["BaleRegistry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // The interpreter for WebAssembly plugins; only the thread-safe engine, no WASI or files.
        .package(url: "https://github.com/swiftwasm/WasmKit", from: "0.4.2", traits: ["MultiThread"]),
    ],
    targets: [
        // MARK: - System libraries (Debian: libarchive-dev, libzstd-dev)
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // libpng's simplified read API (decodes every PNG kind to 8-bit RGBA, inflating with zlib).
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),

        // MARK: - Bundle format
        .target(
            name: "BaleBundle",
            dependencies: [
                "CArchive",
                "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Graph IR and runtime (what an edge device runs; no packager code)
        .target(name: "BaleGraph", swiftSettings: strictSettings),
        .target(
            name: "BaleRuntime",
            dependencies: [
                "BaleGraph", "BaleBundle", "CBaleKernels", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Plugins (the API third parties build on, and the built-ins under Plugins/)
        .target(
            name: "BalePlugins",
            dependencies: ["BaleBundle", "BaleGraph", "BaleRuntime", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(name: "NormalizePlugin", dependencies: ["BalePlugins", "BaleBundle", "BaleGraph"], path: "Plugins/Normalize", swiftSettings: strictSettings),
        .target(name: "ImagePlugin", dependencies: ["BalePlugins", "BaleGraph", "CPNG"], path: "Plugins/Image", swiftSettings: strictSettings),
        .target(name: "TopKPlugin", dependencies: ["BalePlugins", "BaleBundle", "BaleGraph"], path: "Plugins/TopK", swiftSettings: strictSettings),
        .target(
            name: "MetricsPlugin",
            dependencies: [
                "BalePlugins", .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Plugins/Metrics",
            swiftSettings: strictSettings
        ),
        .target(
            name: "JSONLogPlugin",
            dependencies: ["BalePlugins", "BaleBundle", "BaleGraph", "BaleRuntime", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/JSONLog",
            swiftSettings: strictSettings
        ),
        .target(
            name: "QualityPlugin",
            dependencies: ["BalePlugins", "BaleBundle", "BaleGraph", "MetricsPlugin", .product(name: "CoreMetrics", package: "swift-metrics")],
            path: "Plugins/Quality",
            swiftSettings: strictSettings
        ),
        .target(
            name: "DriftPlugin",
            dependencies: [
                "BalePlugins", "BaleBundle", "BaleGraph", "BaleRuntime", "MetricsPlugin",
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Drift",
            swiftSettings: strictSettings
        ),
        // WebAssembly plugins a bundle carries, run sandboxed by WasmKit (docs/wasm-plugins.md).
        .target(
            name: "BaleWasm",
            dependencies: [
                "BaleBundle", "BaleGraph", "BalePlugins",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BuiltinPlugins",
            dependencies: ["BalePlugins", "BaleWasm", "NormalizePlugin", "ImagePlugin", "TopKPlugin", "MetricsPlugin", "JSONLogPlugin", "QualityPlugin", "DriftPlugin"],
            path: "Plugins/Builtin",
            swiftSettings: strictSettings
        ),

        // MARK: - Sidecar (KServe v2 over HTTP)
        .target(
            name: "BaleServer",
            dependencies: [
                "BaleBundle", "BaleGraph", "BaleRuntime", "BalePlugins", "MetricsPlugin", "BaleDeploy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Device install, rollback and delta updates (issue 8)
        .target(
            name: "BaleDeploy",
            dependencies: ["BaleBundle", "BaleGraph", "BaleRuntime"],
            swiftSettings: strictSettings
        ),

        // MARK: - OCI registry client (push/pull over AsyncHTTPClient; only in `bale`, not bale-runtime)
        .target(
            name: "BaleRegistry",
            dependencies: [
                "BaleBundle",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - C kernels (per-ISA micro-kernels chosen at run time; no global -march flags)
        .target(name: "CBaleKernels"),

        // MARK: - Packager
        .target(
            name: "BaleONNX",
            dependencies: ["BaleGraph", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/onnx-subset.proto"],
            swiftSettings: strictSettings
        ),

        .target(
            name: "BalePackager",
            dependencies: ["BaleBundle", "BaleGraph", "BaleRuntime", "BaleONNX", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),

        // MARK: - Command-line tools
        // Commands shared by bale and bale-runtime: everything that verifies, inspects and runs.
        .target(
            name: "BaleCLI",
            dependencies: [
                "BaleBundle", "BaleGraph", "BaleRuntime", "BalePlugins", "BuiltinPlugins", "BaleServer", "BaleDeploy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The runtime-only executable for edge devices: no ONNX import or packager linked.
        .executableTarget(
            name: "bale-runtime",
            dependencies: ["BaleCLI", "BaleBundle", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "bale",
            dependencies: [
                "BaleCLI", "BaleBundle", "BaleGraph", "BaleRuntime", "BaleONNX", "BalePackager", "BalePlugins", "BuiltinPlugins", "BaleRegistry", "BaleWasm",
                "BaleServer", "BaleDeploy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Benchmarks (benchmarks/sgemm.sh, benchmarks/wasm-plugins.sh)
        .executableTarget(
            name: "bale-plugin-bench",
            dependencies: ["BaleBundle", "BaleGraph", "BalePlugins", "BuiltinPlugins"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "bale-sgemm-bench",
            dependencies: ["BaleRuntime"],
            swiftSettings: strictSettings
        ),
        // MARK: - Fuzzing (scripts/fuzz): one libFuzzer entry point for every parser of outside input
        .executableTarget(
            name: "bale-fuzz",
            dependencies: ["BaleBundle", "BaleGraph", "BaleONNX", "BaleRuntime", "BaleServer", "ImagePlugin"],
            swiftSettings: strictSettings
        ),
        // MARK: - Benchmarks (benchmarks/serve-load.sh): a bare Hummingbird route as the baseline for bale serve
        .executableTarget(
            name: "bale-hello-server",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strictSettings
        ),

        // MARK: - Test support
        .target(
            name: "BaleTesting",
            dependencies: ["BaleBundle", "CArchive", "CZstd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleBundleTests",
            dependencies: ["BaleBundle", "BaleTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleGraphTests",
            dependencies: ["BaleGraph", "BaleRuntime", "BaleTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleRuntimeTests",
            dependencies: ["BaleGraph", "BaleRuntime"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleONNXTests",
            dependencies: ["BaleBundle", "BaleGraph", "BaleRuntime", "BaleONNX", "BalePackager", "BaleTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BalePackagerTests",
            dependencies: ["BaleBundle", "BaleGraph", "BaleRuntime", "BalePackager", "BaleTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "baleTests",
            dependencies: ["bale", "bale-runtime", "BaleBundle", "BaleGraph", "BaleRuntime", "BaleTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BalePluginsTests",
            dependencies: ["BalePlugins", "BaleBundle", "BaleGraph", "BaleTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleServerTests",
            dependencies: [
                "BaleServer", "BaleBundle", "BaleGraph", "BaleRuntime", "BalePlugins", "BalePackager", "BuiltinPlugins", "BaleTesting", "BaleDeploy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleDeployTests",
            dependencies: ["BaleDeploy", "BaleBundle", "BaleGraph", "BaleRuntime", "BalePackager", "BaleTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NormalizePluginTests",
            dependencies: ["NormalizePlugin", "BalePlugins", "BaleBundle", "BaleGraph"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ImagePluginTests",
            dependencies: ["ImagePlugin", "BalePlugins", "BaleBundle", "BaleGraph"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MetricsPluginTests",
            dependencies: ["MetricsPlugin", "BalePlugins", "BaleGraph", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JSONLogPluginTests",
            dependencies: ["JSONLogPlugin", "BalePlugins", "BaleBundle", "BaleGraph", "BaleTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QualityPluginTests",
            dependencies: ["QualityPlugin", "MetricsPlugin", "BalePlugins", "BaleBundle", "BaleGraph", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DriftPluginTests",
            dependencies: [
                "DriftPlugin", "MetricsPlugin", "BalePlugins", "BaleBundle", "BaleGraph", "BaleRuntime", "BaleTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleRegistryTests",
            dependencies: [
                "BaleRegistry", "BaleBundle", "BaleTesting",
                // A live server for the transport tests; proxy settings compared as AsyncHTTPClient's.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleWasmTests",
            dependencies: [
                "BaleWasm", "BaleBundle", "BaleGraph", "BalePlugins", "BuiltinPlugins", "BaleTesting",
                // Hostile test modules are written in WebAssembly text.
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TopKPluginTests",
            dependencies: ["TopKPlugin", "BalePlugins", "BaleBundle", "BaleGraph"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
