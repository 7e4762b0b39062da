public import BaleBundle
import Foundation

/// What a push did.
public struct PushResult: Sendable {
    /// `sha256:<hex>` of the OCI manifest, which `oci://…@DIGEST` pulls.
    public var manifestDigest: String
    /// The bundle id (also the config blob's digest).
    public var bundleID: String
    /// Blobs the registry already had and were not sent again, as `sha256:<hex>`.
    public var skipped: [String]
}

extension RegistryClient {
    /// Uploads a bundle and tags it: config blob (its manifest.json), layer (the file), then the
    /// OCI manifest under the reference's tag (docs/registry.md). Blobs the registry already
    /// holds are skipped.
    /// - Parameters:
    ///   - path: the `.bale` file.
    ///   - info: its header, from a ``BundleReader`` that verified it.
    ///   - progress: where steps and bytes are reported.
    public func push(bundle path: String, info: BundleInfo, progress: TransferProgress) throws(RegistryError) -> PushResult {
        progress.begin("hashing \(splitName(path))", total: info.compressedSize)
        let layerDigest = try "sha256:" + fileDigest(path) { progress.update($0) }
        progress.end()
        let manifest = ImageManifest(bundle: info, layerDigest: layerDigest, fileName: splitName(path))
        var skipped: [String] = []
        if try !uploadBlob(manifest.config, from: .data(Data(info.manifestBytes)), name: "config", progress: progress) {
            skipped.append(manifest.config.digest)
        }
        if try !uploadBlob(manifest.layer, from: .file(URL(fileURLWithPath: path), size: manifest.layer.size), name: "bundle", progress: progress) {
            skipped.append(manifest.layer.digest)
        }
        let body: Data
        do { body = try manifest.encoded() } catch { throw RegistryError(.badManifest, "cannot encode the OCI manifest: \(error)") }
        let tag = reference.tag ?? "latest"
        let put = request("PUT", url("manifests/\(tag)"), headers: ["Content-Type": MediaType.imageManifest])
        _ = try perform(put, body: .data(body), expected: [201])
        progress.step("tagged \(reference.registry)/\(reference.repository):\(tag)")
        return PushResult(manifestDigest: "sha256:" + SHA256Digest.hex(of: body), bundleID: info.id, skipped: skipped)
    }

    /// Uploads one blob unless the registry has it (HEAD); returns whether it was sent.
    private func uploadBlob(_ blob: Descriptor, from source: RequestBody, name: String, progress: TransferProgress) throws(RegistryError) -> Bool {
        let head = try perform(request("HEAD", url("blobs/\(blob.digest)")), expected: [200, 404])
        if head.status == 200 {
            progress.step("\(name) \(blob.digest.prefix(19))… (\(formatBytes(blob.size))) is already in the registry, skipped")
            return false
        }
        let start = try perform(request("POST", url("blobs/uploads/")), expected: [202])
        var location = try uploadLocation(start)
        progress.begin("pushing \(name) \(blob.digest.prefix(19))…", total: blob.size)
        if blob.size > UInt64(chunkSize), case .file(let file, _) = source {
            location = try uploadChunks(of: file, size: blob.size, to: location, progress: progress)
            _ = try perform(request("PUT", withDigest(location, blob.digest)), expected: [201])
        } else {
            let put = request("PUT", withDigest(location, blob.digest), headers: ["Content-Type": "application/octet-stream"])
            _ = try perform(put, body: source, expected: [201])
        }
        progress.update(blob.size)
        progress.end()
        return true
    }

    /// Sends `file` in PATCH requests of ``chunkSize`` bytes (OCI "chunked upload"), each with its
    /// `Content-Range`; returns the location for the closing PUT. One chunk is in memory at a time.
    private func uploadChunks(of file: URL, size: UInt64, to start: URL, progress: TransferProgress) throws(RegistryError) -> URL {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: file) } catch { throw RegistryError(.io, "cannot open '\(file.path)': \(error.localizedDescription)") }
        defer { try? handle.close() }
        var location = start
        var offset: UInt64 = 0
        while offset < size {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw RegistryError(.io, "cannot read '\(file.path)': \(error.localizedDescription)") }
            guard !chunk.isEmpty else { throw RegistryError(.io, "'\(file.path)' ended at \(offset) of \(size) bytes while uploading") }
            let headers = [
                "Content-Type": "application/octet-stream",
                "Content-Range": "\(offset)-\(offset + UInt64(chunk.count) - 1)",
                "Content-Length": "\(chunk.count)",
            ]
            let response = try perform(request("PATCH", location, headers: headers), body: .data(chunk), expected: [202])
            location = try uploadLocation(response)
            offset += UInt64(chunk.count)
            progress.update(offset)
        }
        return location
    }

    /// The absolute upload URL from an answer's `Location` header.
    private func uploadLocation(_ response: HTTPResponse) throws(RegistryError) -> URL {
        guard let location = response.header("Location"), let url = URL(string: location, relativeTo: baseURL)?.absoluteURL else {
            throw RegistryError(.http, "\(site): upload answer \(response.status) has no usable Location header")
        }
        return url
    }

    /// `location` with `digest=…` added to its query. The query may already carry the
    /// registry's upload state, percent-encoded: it is kept byte for byte, not re-encoded.
    private func withDigest(_ location: URL, _ digest: String) -> URL {
        let text = location.absoluteString
        return URL(string: text + (location.query == nil ? "?" : "&") + "digest=" + digest)!
    }

    /// The hex SHA-256 of a file, read in 1 MiB chunks, reporting bytes read.
    private func fileDigest(_ path: String, progress: (UInt64) -> Void) throws(RegistryError) -> String {
        var digest = SHA256Digest()
        try readChunks(of: path) { chunk, total in
            chunk.withUnsafeBytes { digest.update($0) }
            progress(total)
        }
        return digest.finalize()
    }
}

/// The last component of a path.
func splitName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

/// Calls `body` with each 1 MiB chunk of the file at `path` and the bytes read so far.
func readChunks(of path: String, _ body: (Data, UInt64) throws(RegistryError) -> Void) throws(RegistryError) {
    let handle: FileHandle
    do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
        throw RegistryError(.io, "cannot open '\(path)': \(error.localizedDescription)")
    }
    defer { try? handle.close() }
    var total: UInt64 = 0
    while true {
        let chunk: Data
        do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch { throw RegistryError(.io, "cannot read '\(path)': \(error.localizedDescription)") }
        if chunk.isEmpty { return }
        total += UInt64(chunk.count)
        try body(chunk, total)
    }
}
