/// Limits a reader enforces before and while it reads, so that hostile input fails early.
///
/// Example: `BundleLimits(maxTotalBytes: 1 << 30)` refuses bundles that declare or expand to
/// more than 1 GiB.
public struct BundleLimits: Sendable, Hashable {
    /// Largest total of decompressed bytes (all entries plus tar overhead). Default 16 GiB.
    public var maxTotalBytes: UInt64
    /// Largest `manifest.json`. Default 1 MiB.
    public var maxManifestBytes: Int
    /// Largest `manifest.sig`. Default 64 KiB.
    public var maxSignatureBytes: Int
    /// Most files a manifest may list. Default 100 000.
    public var maxFiles: Int
    /// Largest zstd window a stream may ask for, as a power of two. Default 27 (128 MiB), which
    /// allows long-distance matching as `bale pack --long` writes it.
    public var maxWindowLog: Int

    /// Creates limits; every parameter has the documented default.
    public init(
        maxTotalBytes: UInt64 = 16 << 30,
        maxManifestBytes: Int = 1 << 20,
        maxSignatureBytes: Int = 64 << 10,
        maxFiles: Int = 100_000,
        maxWindowLog: Int = 27
    ) {
        self.maxTotalBytes = maxTotalBytes
        self.maxManifestBytes = maxManifestBytes
        self.maxSignatureBytes = maxSignatureBytes
        self.maxFiles = maxFiles
        self.maxWindowLog = maxWindowLog
    }

    /// The defaults.
    public static let `default` = BundleLimits()
}
