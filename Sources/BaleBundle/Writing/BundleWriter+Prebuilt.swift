extension BundleWriter {
    /// Writes a bundle whose `manifest.json` (and signature) already exist, such as one rebuilt
    /// on a device from a delta patch (issue 8): the header is written as given, so the result
    /// has the same id and signature as the bundle the manifest came from.
    ///
    /// Each payload file's size and SHA-256 are checked against the manifest as it streams; a
    /// mismatch ends the write and leaves nothing at `output`.
    ///
    /// - Parameters:
    ///   - manifestBytes: the canonical manifest, stored byte for byte.
    ///   - signature: its signature, if the original bundle had one.
    ///   - payload: the manifest's files, in any order.
    ///   - output: the bundle's path; written atomically (temporary file, fsync, rename).
    /// - Returns: the bundle's info (the signature not checked: verify the result with a key).
    public func write(
        manifestBytes: [UInt8], signature: BundleSignature?, payload: [PayloadFile], to output: String
    ) throws(BundleError) -> BundleInfo {
        let manifest = try Manifest.decode(manifestBytes, limits: BundleLimits(maxTotalBytes: .max, maxFiles: .max))
        let byPath = Dictionary(payload.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let out = try AtomicOutputFile(path: output)
        let header = try Self.headerTar(manifest: manifestBytes, signature: signature?.encoded)
        try zstdCompressFrame(header, level: Self.headerLevel).withBytes { bytes throws(BundleError) in try out.write(bytes) }
        let encoder = try ZstdEncoder(compression)
        let tar = try TarWriter { bytes throws(BundleError) in
            try encoder.compress(bytes) { compressed throws(BundleError) in try out.write(compressed) }
        }
        for expected in manifest.files {
            guard let file = byPath[expected.path], file.size == expected.size else {
                throw BundleError(.missingEntry, "no payload of \(expected.size) bytes for '\(expected.path)' listed in \(BundlePath.manifest)", path: expected.path)
            }
            let digest = try stream(file, into: tar)
            guard digest == expected.sha256 else {
                throw BundleError(.digestMismatch, "payload '\(expected.path)' has sha256 \(digest), \(BundlePath.manifest) says \(expected.sha256)", path: expected.path)
            }
        }
        try tar.close()
        try encoder.finish { compressed throws(BundleError) in try out.write(compressed) }
        try out.commit()
        let size = try InputFile(path: output).status().size
        return BundleInfo(
            manifest: manifest, manifestBytes: manifestBytes, id: SHA256Digest.hex(of: manifestBytes),
            signature: signature, signatureVerified: false, compressedSize: size)
    }
}
