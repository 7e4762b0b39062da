// swift-tools-version: 6.1
import PackageDescription

// A third-party plugin for Bale, in a package of its own: it depends on Bale's `BalePlugins`
// library (here by path; elsewhere `.package(url: "https://.../bale", from: "0.1.0")`) and
// never on Bale's sources. See docs/plugins.md, "Writing your own plugin".
let package = Package(
    name: "custom-plugin",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ClampPlugin", targets: ["ClampPlugin"]),
        .executable(name: "clamp-demo", targets: ["clamp-demo"]),
    ],
    dependencies: [
        .package(name: "Bale", path: "../.."),
    ],
    targets: [
        .target(
            name: "ClampPlugin",
            dependencies: [.product(name: "BalePlugins", package: "Bale"), .product(name: "BaleGraph", package: "Bale")]
        ),
        .executableTarget(
            name: "clamp-demo",
            dependencies: [
                "ClampPlugin", .product(name: "BalePlugins", package: "Bale"), .product(name: "BaleGraph", package: "Bale"),
                .product(name: "BaleBundle", package: "Bale"),
            ]
        ),
        .testTarget(
            name: "ClampPluginTests",
            dependencies: [
                "ClampPlugin", .product(name: "BalePlugins", package: "Bale"), .product(name: "BaleGraph", package: "Bale"),
                .product(name: "BaleBundle", package: "Bale"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
