public import BaleBundle
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The media types of a bundle stored as an OCI artifact (docs/registry.md).
public enum MediaType {
    /// The OCI image manifest that ties config and layer together.
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    /// The manifest's `artifactType`: this artifact is a Bale bundle.
    public static let bundleArtifact = "application/vnd.bale.bundle.v1"
    /// The config blob: the bundle's `manifest.json`, byte for byte, so its digest is the bundle id.
    public static let bundleManifest = "application/vnd.bale.manifest.v1+json"
    /// The one layer: the `.bale` file itself (tar + zstd).
    public static let bundleLayer = "application/vnd.bale.bundle.v1.tar+zstd"
}

/// Annotation keys Bale writes on the OCI manifest and layer.
public enum AnnotationKey {
    /// The bundle id (the hex SHA-256 of its manifest.json).
    public static let bundleID = "dev.bale.bundle.id"
    /// The bundle's `manifest.sig`, base64, when it is signed.
    public static let signature = "dev.bale.bundle.signature"
    /// The layer's file name (the key ORAS and other OCI tools use).
    public static let title = "org.opencontainers.image.title"
}

/// A content descriptor: what a manifest says about one blob.
public struct Descriptor: Codable, Sendable, Hashable {
    /// The blob's media type.
    public var mediaType: String
    /// `sha256:<hex>`.
    public var digest: String
    /// The blob's size in bytes.
    public var size: UInt64
    /// Optional annotations.
    public var annotations: [String: String]?

    /// Describes a blob.
    public init(mediaType: String, digest: String, size: UInt64, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }
}

/// An OCI image manifest (schemaVersion 2) holding one Bale bundle.
public struct ImageManifest: Codable, Sendable, Hashable {
    /// Always 2.
    public var schemaVersion = 2
    /// Always ``MediaType/imageManifest``.
    public var mediaType: String? = MediaType.imageManifest
    /// ``MediaType/bundleArtifact`` for Bale bundles.
    public var artifactType: String?
    /// The config blob: the bundle's manifest.json.
    public var config: Descriptor
    /// The layers: one, the bundle file.
    public var layers: [Descriptor]
    /// Manifest annotations (``AnnotationKey``).
    public var annotations: [String: String]?

    /// The manifest for a bundle: config = its manifest.json, one layer = the file.
    /// - Parameters:
    ///   - info: the bundle's header, as a ``BundleReader`` read it.
    ///   - layerDigest: `sha256:<hex>` of the bundle file.
    ///   - fileName: the bundle's file name, recorded as the layer's title.
    public init(bundle info: BundleInfo, layerDigest: String, fileName: String) {
        artifactType = MediaType.bundleArtifact
        config = Descriptor(mediaType: MediaType.bundleManifest, digest: "sha256:" + info.id, size: UInt64(info.manifestBytes.count))
        layers = [
            Descriptor(mediaType: MediaType.bundleLayer, digest: layerDigest, size: info.compressedSize, annotations: [AnnotationKey.title: fileName])
        ]
        var notes = [AnnotationKey.bundleID: info.id]
        if let signature = info.signature { notes[AnnotationKey.signature] = Data(signature.encoded).base64EncodedString() }
        annotations = notes
    }

    /// The JSON sent to the registry: sorted keys, no escaped slashes, so one bundle always gives
    /// the same bytes and the same manifest digest.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a manifest the registry sent and checks it holds a Bale bundle.
    /// - Parameter source: the reference it came from, named in errors.
    public init(decoding data: Data, from source: String) throws(RegistryError) {
        do {
            self = try JSONDecoder().decode(ImageManifest.self, from: data)
        } catch {
            throw RegistryError(.badManifest, "\(source): the manifest is not an OCI image manifest (\(error))")
        }
        guard schemaVersion == 2, config.mediaType == MediaType.bundleManifest else {
            let type = artifactType ?? config.mediaType
            throw RegistryError(.badManifest, "\(source) is not a Bale bundle: artifact type '\(type)', expected \(MediaType.bundleArtifact)")
        }
        guard layers.count == 1, let layer = layers.first, layer.mediaType == MediaType.bundleLayer else {
            throw RegistryError(.badManifest, "\(source): expected one layer of type \(MediaType.bundleLayer), found \(layers.map(\.mediaType))")
        }
        for blob in [config, layer] where !Reference.isValidDigest(blob.digest) {
            throw RegistryError(.badManifest, "\(source): blob digest '\(blob.digest)' is not sha256:<64 hex digits>")
        }
    }

    /// The bundle file's descriptor.
    public var layer: Descriptor { layers[0] }

    /// The signature recorded in the annotations, when there is one.
    public func signatureBytes() -> [UInt8]? {
        annotations?[AnnotationKey.signature].flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }
}
