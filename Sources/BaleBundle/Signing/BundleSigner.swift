/// Adds or replaces a bundle's signature without recompressing its payload.
///
/// The bundle is verified in full first (a damaged bundle is never signed). Because a bundle's
/// first zstd frame holds exactly the header entries (docs/bundle-format.md, "Frames"), signing
/// writes a new header frame and copies the payload frames byte for byte, atomically replacing
/// the file.
public struct BundleSigner: Sendable {
    /// The reader used to verify the bundle before signing.
    public var reader: BundleReader

    /// Creates a signer.
    public init(reader: BundleReader = BundleReader()) {
        self.reader = reader
    }

    /// Signs the bundle at `path` in place with `key`.
    /// - Returns: the signed bundle's info.
    public func sign(_ path: String, with key: BundleSigningKey) throws(BundleError) -> BundleInfo {
        var info = try reader.verify(path)
        let payloadOffset = try Self.payloadOffset(in: path, info: info, limits: reader.limits)
        let signature = try BundleSignature(signing: info.manifestBytes, with: key)
        let header = try BundleWriter.headerTar(manifest: info.manifestBytes, signature: signature.encoded)
        let frame = try zstdCompressFrame(header, level: BundleWriter.headerLevel)

        let out = try AtomicOutputFile(path: path)
        try frame.withBytes { bytes throws(BundleError) in try out.write(bytes) }
        let input = try InputFile(path: path)
        try input.seek(to: payloadOffset)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while case let n = try input.read(into: buffer), n > 0 {
            try out.write(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        try out.commit()

        info.signature = signature
        info.signatureVerified = true
        info.compressedSize = try InputFile(path: path).status().size
        return info
    }

    /// Where the payload frames start: after the header frame and any skippable frames.
    static func payloadOffset(in path: String, info: BundleInfo, limits: BundleLimits) throws(BundleError) -> UInt64 {
        let input = try InputFile(path: path)
        let headerLimit = limits.maxManifestBytes + limits.maxSignatureBytes + 2048
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: zstdCompressBound(headerLimit) + 64, alignment: 16)
        defer { window.deallocate() }
        let count = try input.readFully(into: window)
        let head = UnsafeRawBufferPointer(rebasing: window[..<count])
        let layoutError = BundleError(
            .invalidInput,
            "'\(path)' does not keep its header entries in a zstd frame of their own (docs/bundle-format.md, \"Frames\"); re-pack it with bale pack to sign it",
            path: path)
        guard let frameSize = ZstdFrame.size(at: head) else { throw layoutError }
        let headerBytes = try ZstdFrame.decompress(UnsafeRawBufferPointer(rebasing: head[..<frameSize]), limit: headerLimit)
        var expected = TarLayout.entrySize(UInt64(info.manifestBytes.count))
        if let signature = info.signature { expected += TarLayout.entrySize(UInt64(signature.encoded.count)) }
        guard UInt64(headerBytes.count) == expected else { throw layoutError }

        var offset = UInt64(frameSize)
        let probe = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
        defer { probe.deallocate() }
        while true {
            try input.seek(to: offset)
            guard try input.readFully(into: probe) == 8, ZstdFrame.isSkippable(UnsafeRawBufferPointer(probe)) else {
                return offset
            }
            offset += 8 + UInt64(UnsafeRawBufferPointer(probe).loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        }
    }
}
