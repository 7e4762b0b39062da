import BaleBundle
import BaleRegistry
import BaleTesting
import Foundation
import Testing

@Suite struct ImageManifestTests {
    /// A one-file bundle and its header.
    static func bundle(in dir: TemporaryDirectory) throws -> (path: String, info: BundleInfo) {
        dir.write("payload/weights.bin", pseudoRandomBytes(4096))
        let manifest = Manifest(name: "demo", version: "1.0", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", target: .any)
        let path = dir.file("demo.bale")
        let info = try BundleWriter().write(manifest: manifest, payload: PayloadDirectory(scanning: dir.file("payload")).files, to: path)
        return (path, info)
    }

    @Test func hasTheDocumentedShape() throws {
        let dir = TemporaryDirectory()
        let (_, info) = try Self.bundle(in: dir)
        let layerDigest = "sha256:" + String(repeating: "0", count: 64)
        let data = try ImageManifest(bundle: info, layerDigest: layerDigest, fileName: "demo.bale").encoded()
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 2)
        #expect(json["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect(json["artifactType"] as? String == "application/vnd.bale.bundle.v1")
        let config = try #require(json["config"] as? [String: Any])
        #expect(config["mediaType"] as? String == "application/vnd.bale.manifest.v1+json")
        #expect(config["digest"] as? String == "sha256:" + info.id)
        #expect(config["size"] as? Int == info.manifestBytes.count)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(layers[0]["mediaType"] as? String == "application/vnd.bale.bundle.v1.tar+zstd")
        #expect(layers[0]["digest"] as? String == layerDigest)
        #expect(layers[0]["size"] as? Int == Int(info.compressedSize))
        #expect((layers[0]["annotations"] as? [String: String])?["org.opencontainers.image.title"] == "demo.bale")
        #expect((json["annotations"] as? [String: String])?["dev.bale.bundle.id"] == info.id)
        // Sorted keys and unescaped slashes: the same bundle always gives the same digest.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix(#"{"annotations":"#) && !text.contains(#"\/"#))
    }

    @Test func decodesWhatItEncodesAndTheConfigBlobGivesTheHeader() throws {
        let dir = TemporaryDirectory()
        let (_, info) = try Self.bundle(in: dir)
        let manifest = ImageManifest(bundle: info, layerDigest: "sha256:" + String(repeating: "1", count: 64), fileName: "demo.bale")
        let decoded = try ImageManifest(decoding: manifest.encoded(), from: "oci://h/r:t")
        #expect(decoded == manifest)
        let header = try BundleReader().header(manifestBytes: info.manifestBytes, signatureBytes: decoded.signatureBytes(), compressedSize: decoded.layer.size)
        #expect(header.id == info.id && header.manifest.name == "demo" && header.compressedSize == info.compressedSize)
    }

    @Test func refusesAContainerImage() {
        let image = #"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(String(repeating: "a", count: 64))","size":2},
             "layers":[]}
            """#
        #expect {
            try ImageManifest(decoding: Data(image.utf8), from: "oci://h/r:t")
        } throws: { error in
            let message = (error as? RegistryError)?.message ?? ""
            return message.contains("oci://h/r:t is not a Bale bundle") && message.contains("application/vnd.oci.image.config.v1+json")
        }
    }
}
