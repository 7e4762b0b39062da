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
        .library(name: "BaleBundle", targets: ["BaleBundle"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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

        // MARK: - Bundle format
        .target(
            name: "BaleBundle",
            dependencies: [
                "CArchive",
                "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Command-line tool
        .executableTarget(
            name: "bale",
            dependencies: [
                "BaleBundle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Test support
        .target(
            name: "BaleTesting",
            dependencies: ["BaleBundle", "CArchive", "CZstd"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BaleBundleTests",
            dependencies: ["BaleBundle", "BaleTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "baleTests",
            dependencies: ["bale", "BaleBundle", "BaleTesting"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
