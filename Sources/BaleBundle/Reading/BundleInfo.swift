/// What a reader learned about a bundle: its manifest, identity and signature.
public struct BundleInfo: Sendable {
    /// The decoded manifest.
    public var manifest: Manifest
    /// `manifest.json` exactly as stored (canonical JSON).
    public var manifestBytes: [UInt8]
    /// The bundle identity: lowercase hex SHA-256 of ``manifestBytes``.
    public var id: String
    /// The signature, when the bundle has one.
    public var signature: BundleSignature?
    /// True when ``signature`` was checked against a public key and is valid.
    public var signatureVerified: Bool
    /// Size of the bundle file in bytes.
    public var compressedSize: UInt64

    /// Bytes of the decompressed tar stream the manifest implies (headers, data, padding and the
    /// end marker), assuming every path fits a ustar header.
    public var uncompressedSize: UInt64 {
        var total = TarLayout.entrySize(UInt64(manifestBytes.count))
        if let signature { total += TarLayout.entrySize(UInt64(signature.encoded.count)) }
        for file in manifest.files { total += TarLayout.entrySize(file.size) }
        return total + TarLayout.endMarkerSize
    }
}

/// Sizes in a ustar-compatible tar stream.
enum TarLayout {
    /// Size of one tar block.
    static let blockSize: UInt64 = 512
    /// The end-of-archive marker: two zero blocks.
    static let endMarkerSize: UInt64 = 1024

    /// Header block plus data padded to whole blocks.
    static func entrySize(_ dataSize: UInt64) -> UInt64 {
        blockSize + (dataSize + blockSize - 1) / blockSize * blockSize
    }
}

/// Receives payload files' data as a reader streams a bundle (for example, to extract them).
///
/// For each file the reader calls ``begin(_:)``, then ``write(_:)`` with its data in order, then
/// ``end(_:)`` once its size and SHA-256 have been checked.
public protocol BundlePayloadSink {
    /// The verified manifest, before the first payload file (default: nothing to do).
    mutating func start(_ manifest: Manifest) throws(BundleError)
    /// A payload file starts.
    mutating func begin(_ file: Manifest.File) throws(BundleError)
    /// The next piece of the current file.
    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError)
    /// The current file is complete and matches the manifest.
    mutating func end(_ file: Manifest.File) throws(BundleError)
}

extension BundlePayloadSink {
    public mutating func start(_ manifest: Manifest) throws(BundleError) {}
}
