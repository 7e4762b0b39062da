// Reader for `.bale` bundles (format 1; docs/bundle-format.md).
//
// Layout of the decompressed stream, which is checked entry by entry as it streams past:
//
//   manifest.json            regular file, first, ≤ maxManifestBytes, canonical JSON
//   manifest.sig             optional, second, ≤ maxSignatureBytes
//   <payload files>          regular files, sorted by path, exactly the manifest's `files`
//   end-of-archive marker    then only zero padding until the zstd stream ends
//
// Nothing is trusted: every size is checked against the manifest and the limits before data is
// read, every digest while it is read, and the first fault ends the read with one line naming it.

/// Reads and checks bundles, streaming: memory stays flat whatever the bundle's size.
///
/// Example:
/// ```swift
/// let info = try BundleReader(publicKey: key, requireSignature: true).verify("model.bale")
/// print("OK \(info.id)")
/// ```
public struct BundleReader: Sendable {
    /// Size limits enforced while reading.
    public var limits: BundleLimits
    /// The key signatures are checked against, if any.
    public var publicKey: BundlePublicKey?
    /// Whether an unsigned bundle is refused.
    public var requireSignature: Bool

    /// Creates a reader.
    public init(limits: BundleLimits = .default, publicKey: BundlePublicKey? = nil, requireSignature: Bool = false) {
        self.limits = limits
        self.publicKey = publicKey
        self.requireSignature = requireSignature
    }

    /// Reads only the manifest and signature, checking them (and the signature policy) but not
    /// the payload. Fast on any bundle size: it decompresses just the start of the stream.
    public func readHeader(_ path: String) throws(BundleError) -> BundleInfo {
        let stream = try BundleStream(path: path, limits: limits, headerOnly: true)
        return try stream.readHeader(checking: self).info
    }

    /// Reads the whole bundle, checking every entry, size and digest.
    /// - Returns: the bundle's info once everything checked out.
    public func verify(_ path: String) throws(BundleError) -> BundleInfo {
        var sink: NoPayloadSink? = nil
        return try read(path, into: &sink)
    }

    /// Reads the whole bundle like ``verify(_:)``, handing each payload file's data to `sink`.
    public func read(_ path: String, into sink: inout (some BundlePayloadSink)?) throws(BundleError) -> BundleInfo {
        let stream = try BundleStream(path: path, limits: limits)
        let (info, firstPayload) = try stream.readHeader(checking: self)
        try stream.readPayload(of: info.manifest, startingWith: firstPayload, into: &sink)
        return info
    }

    /// Checks a header that travelled apart from its bundle, e.g. an OCI registry's config blob
    /// (docs/registry.md): the manifest against the limits, the signature against the policy.
    /// - Parameters:
    ///   - manifestBytes: `manifest.json` as stored.
    ///   - signatureBytes: `manifest.sig`, when the bundle is signed.
    ///   - compressedSize: the size of the bundle file.
    public func header(manifestBytes: [UInt8], signatureBytes: [UInt8]?, compressedSize: UInt64) throws(BundleError) -> BundleInfo {
        guard manifestBytes.count <= limits.maxManifestBytes else {
            throw BundleError(.limitExceeded, "\(BundlePath.manifest) is \(formatBytes(UInt64(manifestBytes.count))), over the limit of \(formatBytes(UInt64(limits.maxManifestBytes)))", path: BundlePath.manifest)
        }
        if let signatureBytes, signatureBytes.count > limits.maxSignatureBytes {
            throw BundleError(.limitExceeded, "\(BundlePath.signature) is \(formatBytes(UInt64(signatureBytes.count))), over the limit of \(formatBytes(UInt64(limits.maxSignatureBytes)))", path: BundlePath.signature)
        }
        let manifest = try Manifest.decode(manifestBytes, limits: limits)
        let signature = try signatureBytes.map { bytes throws(BundleError) in try BundleSignature(decoding: bytes) }
        return try info(manifest: manifest, manifestBytes: manifestBytes, signature: signature, compressedSize: compressedSize)
    }

    /// A header's info once the signature policy has been applied.
    func info(manifest: Manifest, manifestBytes: [UInt8], signature: BundleSignature?, compressedSize: UInt64) throws(BundleError) -> BundleInfo {
        let verified = try checkSignature(signature, over: manifestBytes)
        return BundleInfo(
            manifest: manifest, manifestBytes: manifestBytes, id: SHA256Digest.hex(of: manifestBytes),
            signature: signature, signatureVerified: verified, compressedSize: compressedSize)
    }

    /// Applies the signature policy to a header just read.
    func checkSignature(_ signature: BundleSignature?, over manifestBytes: [UInt8]) throws(BundleError) -> Bool {
        guard let signature else {
            if requireSignature {
                throw BundleError(.signatureMissing, "bundle is not signed, and a signature is required", path: BundlePath.signature)
            }
            return false
        }
        guard let publicKey else { return false }
        try signature.verify(manifestBytes, with: publicKey)
        return true
    }
}

/// A sink that takes nothing, for plain verification.
private struct NoPayloadSink: BundlePayloadSink {
    mutating func begin(_ file: Manifest.File) throws(BundleError) {}
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {}
    mutating func end(_ file: Manifest.File) throws(BundleError) {}
}
