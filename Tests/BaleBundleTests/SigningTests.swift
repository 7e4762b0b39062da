import BaleBundle
import BaleTesting
import Foundation
import Testing

@Suite struct SigningTests {
    @Test func signKeepsTheIdAndThePayloadFramesByteForByte() throws {
        let fixture = Fixture()
        let (path, unsigned) = try fixture.pack()
        let before = readBytes(path)
        let key = BundleSigningKey()
        let signed = try BundleSigner().sign(path, with: key)
        #expect(signed.id == unsigned.id)
        let after = readBytes(path)
        // Everything after the header (and filler) is copied unchanged.
        let payloadTail = 200_000
        #expect(Array(after.suffix(payloadTail)) == Array(before.suffix(payloadTail)))

        let info = try BundleReader(publicKey: key.publicKey, requireSignature: true).verify(path)
        #expect(info.signatureVerified)
        #expect(info.signature?.keyID == key.publicKey.keyID)
        let listing = try run("/usr/bin/tar", ["--zstd", "-tf", path]).split(separator: "\n")
        #expect(listing.prefix(2) == ["manifest.json", "manifest.sig"])
    }

    @Test func resigningReplacesTheSignature() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack(signingKey: BundleSigningKey())
        let second = BundleSigningKey()
        _ = try BundleSigner().sign(path, with: second)
        let info = try BundleReader(publicKey: second.publicKey, requireSignature: true).verify(path)
        #expect(info.signature?.keyID == second.publicKey.keyID)
        #expect(try run("/usr/bin/tar", ["--zstd", "-tf", path]).components(separatedBy: "manifest.sig").count == 2)
    }

    @Test func signingAtPackTimeEqualsSigningAfterwards() throws {
        let fixture = Fixture()
        let key = BundleSigningKey()
        let (signedAtPack, _) = try fixture.pack("a.bale", signingKey: key)
        let (later, _) = try fixture.pack("b.bale")
        _ = try BundleSigner().sign(later, with: key)
        // Ed25519 is deterministic: the same manifest and key give the same bundle contents.
        #expect(Zstd.decompress(readBytes(signedAtPack)) == Zstd.decompress(readBytes(later)))
    }

    @Test func anotherKeysSignatureIsRefused() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack(signingKey: BundleSigningKey())
        let other = BundleSigningKey().publicKey
        let error = try #require(bundleError { _ = try BundleReader(publicKey: other).verify(path) })
        #expect(error.code == .signatureInvalid)
        #expect(error.message.contains(other.keyID))
    }

    @Test func unsignedBundleFailsWhenASignatureIsRequired() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        let reader = BundleReader(publicKey: BundleSigningKey().publicKey, requireSignature: true)
        #expect(bundleError { _ = try reader.verify(path) }?.code == .signatureMissing)
        #expect(try BundleReader(publicKey: BundleSigningKey().publicKey).verify(path).signatureVerified == false)
    }

    @Test func signatureOverAnEditedManifestFails() throws {
        let fixture = Fixture()
        let key = BundleSigningKey()
        let (path, _) = try fixture.pack(signingKey: key)
        var tar = Zstd.decompress(readBytes(path))
        let manifest = try #require(tarEntries(tar).first { $0.path == "manifest.json" })
        // An attacker's edit: "demo" → "demp", manifestSha256 recomputed. The manifest is valid,
        // so only the signature can catch it.
        var edited = try Manifest.decode(Array(tar[manifest.dataOffset..<(manifest.dataOffset + manifest.size)]))
        edited.name = "demp"
        let bytes = edited.canonicalBytes()
        try #require(bytes.count == manifest.size)
        tar.replaceSubrange(manifest.dataOffset..<(manifest.dataOffset + manifest.size), with: bytes)
        #expect(try Manifest.decode(bytes).name == "demp")
        let tampered = fixture.dir.write("t.bale", Zstd.compress(tar))
        #expect(bundleError { _ = try BundleReader(publicKey: key.publicKey).verify(tampered) }?.code == .signatureInvalid)
    }

    @Test func keysRoundTripThroughPEMInOpenSSLFormat() throws {
        let key = BundleSigningKey()
        #expect(key.pem.hasPrefix("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI"))
        #expect(key.publicKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"))
        let reread = try BundleSigningKey(pem: key.pem)
        #expect(reread.publicKey == key.publicKey)
        #expect(try BundlePublicKey(pem: key.publicKey.pem) == key.publicKey)
    }

    @Test(arguments: [
        ("not PEM", "hello"),
        ("wrong label", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
        ("bad base64", "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
        ("not Ed25519", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"),
    ])
    func malformedKeysAreRefused(_ name: String, _ pem: String) {
        let error = bundleError { _ = try BundleSigningKey(pem: pem, source: "k.pem") }
        #expect(error?.code == .keyInvalid, "\(name)")
        #expect(error?.message.contains("k.pem") == true)
    }
}

func findSubsequence(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}
