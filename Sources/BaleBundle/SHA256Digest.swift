import Crypto

/// SHA-256 helpers: incremental hashing and lowercase hex.
public struct SHA256Digest {
    private var hasher = SHA256()

    /// Starts an empty digest.
    public init() {}

    /// Adds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The digest of everything added, as 64 lowercase hex digits.
    public func finalize() -> String {
        Self.hex(hasher.finalize())
    }

    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func hex(of bytes: some Sequence<UInt8>) -> String {
        var digest = SHA256Digest()
        let array = Array(bytes)
        array.withUnsafeBytes { digest.update($0) }
        return digest.finalize()
    }

    /// The SHA-256 of the file at `path`, read in 1 MiB chunks, as 64 lowercase hex digits.
    public static func hex(ofFileAt path: String) throws(BundleError) -> String {
        let file = try InputFile(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var digest = SHA256Digest()
        while case let n = try file.read(into: buffer), n > 0 {
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
        }
        return digest.finalize()
    }

    /// Whether `text` is 64 lowercase hex digits.
    public static func isHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
