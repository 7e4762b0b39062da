import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Ed25519 private key for signing bundles, stored as PKCS#8 PEM (the form `openssl genpkey
/// -algorithm ed25519` writes, so keys move freely between Bale and OpenSSL).
public struct BundleSigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// Reads a key from PEM text (`-----BEGIN PRIVATE KEY-----`).
    /// - Parameter source: names the file in errors.
    public init(pem: String, source: String = "key") throws(BundleError) {
        let der = try PEM.decode(pem, label: "PRIVATE KEY", source: source)
        guard der.count == PEM.pkcs8Prefix.count + 32, der.starts(with: PEM.pkcs8Prefix) else {
            throw BundleError(.keyInvalid, "'\(source)' is not an Ed25519 private key (PKCS#8)", path: source)
        }
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        } catch {
            throw BundleError(.keyInvalid, "'\(source)' holds an unusable Ed25519 key", path: source)
        }
    }

    /// The matching public key.
    public var publicKey: BundlePublicKey { BundlePublicKey(key: key.publicKey) }

    /// The key as PKCS#8 PEM.
    public var pem: String { PEM.encode(PEM.pkcs8Prefix + Array(key.rawRepresentation), label: "PRIVATE KEY") }

    /// Signs `message` (the canonical manifest bytes).
    func sign(_ message: [UInt8]) throws(BundleError) -> [UInt8] {
        do {
            return Array(try key.signature(for: message))
        } catch {
            throw BundleError(.keyInvalid, "cannot sign: \(error)")
        }
    }
}

/// An Ed25519 public key for checking bundle signatures, stored as SubjectPublicKeyInfo PEM
/// (`-----BEGIN PUBLIC KEY-----`, as `openssl pkey -pubout` writes).
public struct BundlePublicKey: Sendable, Hashable {
    let key: Curve25519.Signing.PublicKey

    init(key: Curve25519.Signing.PublicKey) { self.key = key }

    /// Reads a key from PEM text.
    /// - Parameter source: names the file in errors.
    public init(pem: String, source: String = "key") throws(BundleError) {
        let der = try PEM.decode(pem, label: "PUBLIC KEY", source: source)
        guard der.count == PEM.spkiPrefix.count + 32, der.starts(with: PEM.spkiPrefix) else {
            throw BundleError(.keyInvalid, "'\(source)' is not an Ed25519 public key (SubjectPublicKeyInfo)", path: source)
        }
        do {
            key = try Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))
        } catch {
            throw BundleError(.keyInvalid, "'\(source)' holds an unusable Ed25519 public key", path: source)
        }
    }

    /// The key as SubjectPublicKeyInfo PEM.
    public var pem: String { PEM.encode(PEM.spkiPrefix + Array(key.rawRepresentation), label: "PUBLIC KEY") }

    /// A short id: the first 16 hex digits of the SHA-256 of the raw 32-byte key.
    public var keyID: String { String(SHA256Digest.hex(of: Array(key.rawRepresentation)).prefix(16)) }

    public static func == (a: Self, b: Self) -> Bool { a.key.rawRepresentation == b.key.rawRepresentation }
    public func hash(into hasher: inout Hasher) { hasher.combine(key.rawRepresentation) }

    /// Whether `signature` is this key's signature of `message`.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }
}

/// The fixed DER framing of Ed25519 keys (RFC 8410): the key bytes follow a constant prefix,
/// so no general ASN.1 parser is needed.
enum PEM {
    /// PKCS#8 PrivateKeyInfo for Ed25519, up to the 32-byte seed.
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// SubjectPublicKeyInfo for Ed25519, up to the 32-byte key.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    static func encode(_ der: [UInt8], label: String) -> String {
        "-----BEGIN \(label)-----\n\(Data(der).base64EncodedString())\n-----END \(label)-----\n"
    }

    static func decode(_ text: String, label: String, source: String) throws(BundleError) -> [UInt8] {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.firstRange(of: begin), let stop = text[start.upperBound...].firstRange(of: end) else {
            throw BundleError(.keyInvalid, "'\(source)' is not a PEM file with a '\(begin)' block", path: source)
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else {
            throw BundleError(.keyInvalid, "'\(source)' has a damaged PEM body (not base64)", path: source)
        }
        return Array(der)
    }
}
