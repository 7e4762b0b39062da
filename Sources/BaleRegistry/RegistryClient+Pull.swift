#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
public import BaleBundle
import Foundation

/// What a pull did.
public struct PullResult: Sendable {
    /// The pulled bundle's header, as the full verification read it.
    public var info: BundleInfo
    /// `sha256:<hex>` of the OCI manifest.
    public var manifestDigest: String
    /// Bytes taken from an earlier, interrupted pull instead of downloaded.
    public var resumedBytes: UInt64
}

extension RegistryClient {
    /// Fetches the OCI manifest the reference names and checks it holds a Bale bundle.
    /// - Returns: the manifest and its digest (`sha256:<hex>`), checked against the reference's
    ///   digest when it has one.
    public func fetchManifest() throws(RegistryError) -> (manifest: ImageManifest, digest: String) {
        let get = request("GET", url("manifests/\(reference.tagOrDigest)"), headers: ["Accept": MediaType.imageManifest])
        let response = try perform(get, expected: [200])
        let digest = "sha256:" + SHA256Digest.hex(of: response.body)
        if let expected = reference.digest, expected != digest {
            throw RegistryError(.digestMismatch, "\(site): manifest \(expected) arrived with digest \(digest)")
        }
        return (try ImageManifest(decoding: response.body, from: reference.description), digest)
    }

    /// Reads a bundle's header from the registry without its payload: the OCI manifest, then the
    /// config blob (the bundle's manifest.json), checked by `reader` like a local header.
    public func fetchHeader(reader: BundleReader) throws(RegistryError) -> (info: BundleInfo, manifest: ImageManifest, digest: String) {
        let (manifest, digest) = try fetchManifest()
        guard manifest.config.size <= UInt64(reader.limits.maxManifestBytes) else {
            throw RegistryError(.badManifest, "\(site): config blob is \(formatBytes(manifest.config.size)), over the manifest limit")
        }
        let response = try perform(request("GET", url("blobs/\(manifest.config.digest)")), expected: [200])
        let actual = "sha256:" + SHA256Digest.hex(of: response.body)
        guard actual == manifest.config.digest else {
            throw RegistryError(.digestMismatch, "\(site): config blob \(manifest.config.digest) arrived with digest \(actual)")
        }
        do throws(BundleError) {
            let info = try reader.header(manifestBytes: [UInt8](response.body), signatureBytes: manifest.signatureBytes(), compressedSize: manifest.layer.size)
            return (info, manifest, digest)
        } catch {
            throw RegistryError(.badManifest, "\(reference): \(error.message)")
        }
    }

    /// Downloads the bundle to `path`: into `PATH.<digest prefix>.partial` (continued with a Range
    /// request when an earlier pull was cut short), checks the blob digest, verifies the whole
    /// bundle with `reader`, then renames it into place. `path` is never half-written.
    public func pull(to path: String, reader: BundleReader, progress: TransferProgress) throws(RegistryError) -> PullResult {
        let (header, manifest, digest) = try fetchHeader(reader: reader)
        let layer = manifest.layer
        let partial = PartialFile(path: "\(path).\(layer.digest.dropFirst(7).prefix(12)).partial")
        var hasher = try partial.prepare(size: layer.size)
        let resumed = hasher.count
        if resumed > 0 { progress.step("resuming from \(formatBytes(resumed)) already in \(partial.path)") }
        progress.begin("pulling bundle \(layer.digest.prefix(19))…", total: layer.size, completed: resumed)
        if hasher.count < layer.size {
            try download(layer, into: partial, hasher: &hasher, progress: progress)
        }
        progress.end()
        guard hasher.count == layer.size, "sha256:" + hasher.digest.finalize() == layer.digest else {
            partial.remove()
            throw RegistryError(.digestMismatch, "\(site): bundle blob \(layer.digest) arrived with \(hasher.count) bytes and another digest; the partial file was removed, pull again")
        }
        let info: BundleInfo
        do throws(BundleError) {
            info = try reader.verify(partial.path)
        } catch {
            partial.remove()
            throw RegistryError(.badManifest, "\(reference): \(error.message)")
        }
        guard info.id == header.id else {
            partial.remove()
            throw RegistryError(.badManifest, "\(reference): the bundle's id \(info.id) differs from its config blob's \(header.id)")
        }
        try partial.commit(to: path)
        return PullResult(info: info, manifestDigest: digest, resumedBytes: resumed)
    }

    /// GETs the layer from `hasher.count` on (Range), appending to the partial file.
    private func download(_ layer: Descriptor, into partial: PartialFile, hasher: inout RunningDigest, progress: TransferProgress) throws(RegistryError) {
        let offset = hasher.count
        var get = request("GET", url("blobs/\(layer.digest)"))
        if offset > 0 { get.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let state = DownloadState(hasher: hasher, file: partial, size: layer.size, digest: layer.digest)
        let response = try authorized(get) { request throws(RegistryError) in
            do {
                return try transport.stream(request, accept: { state.accept($0, offset: offset) }) { bytes in
                    try state.append(bytes)
                    progress.update(state.hasher.count)
                }
            } catch let error as RegistryError {
                throw error
            } catch {
                throw transportError((error as? TransportFailure)?.message ?? "\(error)")
            }
        }
        guard response.status == 200 || response.status == 206 else { throw httpError(get, response) }
        if let failure = state.failure { throw failure }
        hasher = state.hasher
    }
}

/// The state of one streamed download, touched only by the transfer's task, one call at a time,
/// while the pulling thread waits (see ``HTTPTransport/stream(_:accept:write:)``).
private final class DownloadState: @unchecked Sendable {
    var hasher: RunningDigest
    let file: PartialFile
    var failure: RegistryError?
    /// The blob's size and digest from the image manifest: no byte past the size is written.
    let size: UInt64, digest: String

    init(hasher: RunningDigest, file: PartialFile, size: UInt64, digest: String) {
        self.hasher = hasher
        self.file = file
        (self.size, self.digest) = (size, digest)
    }

    /// Takes a 206 that continues at `offset`, or a 200 (the registry ignored Range: start over).
    func accept(_ response: HTTPResponse, offset: UInt64) -> Bool {
        do {
            switch response.status {
            case 206:
                guard let range = response.header("Content-Range"), range.hasPrefix("bytes \(offset)-") else {
                    throw RegistryError(.http, "asked for the bundle from byte \(offset), the registry sent range '\(response.header("Content-Range") ?? "")'")
                }
                return true
            case 200:
                try file.truncate()
                hasher = RunningDigest()
                return true
            default:
                return false
            }
        } catch let error as RegistryError {
            failure = error
            return false
        } catch {
            return false
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(RegistryError) {
        guard hasher.count + UInt64(bytes.count) <= size else {
            throw RegistryError(.digestMismatch, "the registry sent more than the \(size) bytes its manifest gives blob \(digest); stopped reading")
        }
        try file.append(bytes)
        hasher.update(bytes)
    }
}
