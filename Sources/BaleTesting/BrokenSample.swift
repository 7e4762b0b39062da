public import BaleBundle

/// Bundles that load and verify but fail their self-test, for the deploy tests.
public enum BrokenSample {
    /// Writes to `path` a copy of `bundle` as version `version` whose expected sample outputs
    /// are `other`'s, signed by `key` when given, and returns `path`.
    public static func copy(of bundle: String, samplesFrom other: String, version: String, to path: String, key: BundleSigningKey?) throws -> String {
        let files = try payload(of: bundle)
        let others = try payload(of: other)
        let info = try BundleReader().readHeader(bundle)
        let mixed = files.map { name, bytes in
            PayloadFile(
                path: name, bytes: name.hasPrefix("samples/outputs/") ? others[name]! : bytes,
                mediaType: info.manifest.files.first { $0.path == name }!.mediaType)
        }
        var manifest = info.manifest
        manifest.version = version
        _ = try BundleWriter().write(manifest: manifest, payload: mixed, to: path, signingKey: key)
        return path
    }

    /// Every payload file of `bundle`, by path.
    public static func payload(of bundle: String) throws -> [String: [UInt8]] {
        var sink: MemorySink? = MemorySink()
        _ = try BundleReader().read(bundle, into: &sink)
        return sink!.files
    }
}

/// Keeps a bundle's payload in memory.
private struct MemorySink: BundlePayloadSink {
    var files: [String: [UInt8]] = [:]
    private var current: [UInt8] = []

    mutating func begin(_ file: Manifest.File) throws(BundleError) { current = [] }
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) { current.append(contentsOf: chunk) }
    mutating func end(_ file: Manifest.File) throws(BundleError) { files[file.path] = current }
}
