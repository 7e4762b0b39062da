// Writer for `.bale` bundles (format 1; docs/bundle-format.md).
//
// One pass over the payload: each file is read once, hashed and compressed in the same loop, so
// the digests describe exactly the bytes written and memory stays flat. Because the manifest
// (which holds the digests) must come first, the file is laid out as
//
//   [header frame: manifest.json (+ manifest.sig)] [skippable filler] [payload frame(s)]
//
// The header's length is known before hashing (digests are fixed-length hex), so the writer
// reserves room for its largest possible compressed frame, streams the payload after that room,
// and finally writes the header frame at offset 0, filling the rest with a zstd skippable
// frame that every zstd decoder passes over.

/// Writes bundles.
///
/// Example:
/// ```swift
/// let payload = try PayloadDirectory(scanning: "model/")
/// let info = try BundleWriter(compression: ZstdSettings(level: 3, workers: 2))
///     .write(manifest: manifest, payload: payload.files, to: "model.bale")
/// ```
public struct BundleWriter: Sendable {
    /// Compression settings for the payload.
    public var compression: ZstdSettings
    /// Read size per step.
    private let chunkSize = 1 << 20
    /// zstd level of the header frame: it is small, so the best level costs nothing.
    static let headerLevel = 19

    /// Creates a writer.
    public init(compression: ZstdSettings = ZstdSettings()) {
        self.compression = compression
    }

    /// Writes a bundle atomically to `output`: through a temporary file, fsynced, then renamed.
    ///
    /// - Parameters:
    ///   - manifest: everything but `files`, which the writer fills in from `payload`
    ///     (and `model.source.sha256` when `model.source.path` names a payload file).
    ///   - payload: the files, in any order.
    ///   - output: the bundle's path; replaced if it exists.
    ///   - signingKey: when given, `manifest.sig` is written too.
    /// - Returns: the bundle's info.
    public func write(
        manifest template: Manifest, payload: [PayloadFile], to output: String, signingKey: BundleSigningKey? = nil
    ) throws(BundleError) -> BundleInfo {
        let files = payload.sorted { BundlePath.precedes($0.path, $1.path) }
        var manifest = template
        manifest.files = files.map {
            Manifest.File(path: $0.path, size: $0.size, sha256: Self.placeholderDigest, mediaType: $0.mediaType)
        }
        let sourceIndex = manifest.model.source?.path.flatMap { path in files.firstIndex { $0.path == path } }
        if sourceIndex != nil { manifest.model.source!.sha256 = Self.placeholderDigest }
        try manifest.validate(limits: BundleLimits(maxTotalBytes: .max, maxFiles: .max))

        // Header entries with placeholder digests: same length as the final ones.
        let placeholderSignature = signingKey.map { _ in BundleSignature.placeholder }
        let headerLength = try Self.headerTar(manifest: manifest.canonicalBytes(), signature: placeholderSignature?.encoded).count
        let reserved = zstdCompressBound(headerLength) + ZstdFrame.skippableHeaderSize

        let out = try AtomicOutputFile(path: output)
        try out.seek(to: UInt64(reserved))
        let encoder = try ZstdEncoder(compression)
        let tar = try TarWriter { bytes throws(BundleError) in
            try encoder.compress(bytes) { compressed throws(BundleError) in try out.write(compressed) }
        }
        for (index, file) in files.enumerated() {
            manifest.files[index].sha256 = try stream(file, into: tar)
        }
        try tar.close()
        try encoder.finish { compressed throws(BundleError) in try out.write(compressed) }

        // Final header, same length as the placeholder one.
        if let sourceIndex { manifest.model.source!.sha256 = manifest.files[sourceIndex].sha256 }
        let manifestBytes = manifest.canonicalBytes()
        let signature = try signingKey.map { key throws(BundleError) in try BundleSignature(signing: manifestBytes, with: key) }
        let header = try Self.headerTar(manifest: manifestBytes, signature: signature?.encoded)
        precondition(header.count == headerLength, "header length changed between placeholder and final manifest")
        let frame = try zstdCompressFrame(header, level: Self.headerLevel)
        let filler = ZstdFrame.skippable(totalSize: reserved - frame.count)
        try (frame + filler).withBytes { bytes throws(BundleError) in try out.write(bytes, at: 0) }
        try out.commit()

        let size = try InputFile(path: output).status().size
        return BundleInfo(
            manifest: manifest, manifestBytes: manifestBytes, id: SHA256Digest.hex(of: manifestBytes),
            signature: signature, signatureVerified: signature != nil, compressedSize: size)
    }

    // MARK: - Private

    static let placeholderDigest = String(repeating: "0", count: 64)

    /// The tar bytes of the header entries (no end marker).
    static func headerTar(manifest: [UInt8], signature: [UInt8]?) throws(BundleError) -> [UInt8] {
        var bytes: [UInt8] = []
        let tar = try TarWriter { chunk throws(BundleError) in bytes.append(contentsOf: chunk) }
        try tar.beginEntry(path: BundlePath.manifest, size: UInt64(manifest.count))
        try manifest.withBytes { chunk throws(BundleError) in try tar.write(chunk) }
        try tar.finishEntry()
        if let signature {
            try tar.beginEntry(path: BundlePath.signature, size: UInt64(signature.count))
            try signature.withBytes { chunk throws(BundleError) in try tar.write(chunk) }
            try tar.finishEntry()
        }
        return bytes
    }

    /// Streams one payload file into the tar, returning its SHA-256.
    func stream(_ file: PayloadFile, into tar: TarWriter) throws(BundleError) -> String {
        try tar.beginEntry(path: file.path, size: file.size)
        var digest = SHA256Digest()
        switch file.source {
        case .bytes(let bytes):
            guard UInt64(bytes.count) == file.size else {
                throw BundleError(.invalidInput, "payload '\(file.path)' has \(bytes.count) bytes, expected \(file.size)", path: file.path)
            }
            try bytes.withBytes { chunk throws(BundleError) in
                digest.update(chunk)
                try tar.write(chunk)
            }
        case .producer(let producer):
            var written: UInt64 = 0
            try producer.produce { chunk throws(BundleError) in
                written += UInt64(chunk.count)
                guard written <= file.size else {
                    throw BundleError(.invalidInput, "payload '\(file.path)' produced more than its declared \(file.size) bytes", path: file.path)
                }
                digest.update(chunk)
                try tar.write(chunk)
            }
            guard written == file.size else {
                throw BundleError(.invalidInput, "payload '\(file.path)' produced \(written) bytes, expected \(file.size)", path: file.path)
            }
        case .file(let path):
            let input = try InputFile(path: path)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
            defer { buffer.deallocate() }
            var remaining = file.size
            while remaining > 0 {
                let want = Int(min(UInt64(chunkSize), remaining))
                let n = try input.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]))
                guard n > 0 else { throw changed(file, path) }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<n])
                digest.update(chunk)
                try tar.write(chunk)
                remaining -= UInt64(n)
            }
            guard try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<1])) == 0 else {
                throw changed(file, path)
            }
        }
        try tar.finishEntry()
        return digest.finalize()
    }

    private func changed(_ file: PayloadFile, _ path: String) -> BundleError {
        BundleError(.invalidInput, "'\(path)' changed while it was being packed (expected \(file.size) bytes)", path: path)
    }
}

extension BundleSignature {
    /// A stand-in of the same encoded length as a real signature, for laying out the header.
    static let placeholder = BundleSignature(
        algorithm: "ed25519", keyID: String(repeating: "0", count: 16), signature: [UInt8](repeating: 0, count: 64))
}
