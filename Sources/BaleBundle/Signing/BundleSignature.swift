#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The contents of `manifest.sig`: an Ed25519 signature over the canonical manifest bytes.
///
/// Stored as canonical JSON: `{"algorithm":"ed25519","keyId":"…","signature":"<base64>"}`.
public struct BundleSignature: Sendable, Hashable {
    /// Always `ed25519` in format 1.
    public var algorithm: String
    /// ``BundlePublicKey/keyID`` of the signing key.
    public var keyID: String
    /// The 64-byte signature.
    public var signature: [UInt8]

    init(algorithm: String, keyID: String, signature: [UInt8]) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.signature = signature
    }

    /// Signs `manifestBytes` with `key`.
    public init(signing manifestBytes: [UInt8], with key: BundleSigningKey) throws(BundleError) {
        algorithm = "ed25519"
        keyID = key.publicKey.keyID
        signature = try key.sign(manifestBytes)
    }

    /// Parses `manifest.sig` bytes.
    public init(decoding bytes: [UInt8]) throws(BundleError) {
        func invalid(_ why: String) -> BundleError {
            BundleError(.signatureInvalid, "\(BundlePath.signature) \(why)", path: BundlePath.signature)
        }
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            throw invalid("is not valid JSON: \(error)")
        }
        guard case .string(let algorithm)? = value["algorithm"], algorithm == "ed25519" else {
            throw invalid("must have \"algorithm\": \"ed25519\"")
        }
        guard case .string(let keyID)? = value["keyId"], !keyID.isEmpty else { throw invalid("must have a \"keyId\" string") }
        guard case .string(let text)? = value["signature"], let raw = Data(base64Encoded: text), raw.count == 64 else {
            throw invalid("must have a \"signature\" holding 64 bytes in base64")
        }
        self.algorithm = algorithm
        self.keyID = keyID
        self.signature = Array(raw)
    }

    /// The canonical JSON bytes of `manifest.sig`.
    public var encoded: [UInt8] {
        JSONValue.object([
            "algorithm": .string(algorithm),
            "keyId": .string(keyID),
            "signature": .string(Data(signature).base64EncodedString()),
        ]).canonicalBytes
    }

    /// Checks this signature over `manifestBytes` with `key`.
    public func verify(_ manifestBytes: [UInt8], with key: BundlePublicKey) throws(BundleError) {
        guard key.isValidSignature(signature, for: manifestBytes) else {
            let who = keyID == key.keyID ? "" : " (the bundle was signed by key \(keyID))"
            throw BundleError(
                .signatureInvalid,
                "\(BundlePath.signature): signature does not verify with key \(key.keyID)\(who)",
                path: BundlePath.signature)
        }
    }
}
