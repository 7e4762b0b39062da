public import BaleBundle

// A delta patch (docs/bundle-format.md, "Delta patches") is itself a bundle, so every byte of it
// is size- and digest-checked when read:
//
//   manifest.json             name/version/target of NEW; metrics.delta = {base, target}
//   delta/manifest.json       NEW's manifest.json, byte for byte
//   delta/manifest.sig        NEW's signature, when NEW is signed
//   delta/files/<sha256>      each file of NEW whose digest is not in OLD, once per digest
//
// A device rebuilds NEW from the installed OLD (the files it shares by digest) and the patch,
// writing NEW's own manifest and signature: the result has NEW's id and verifies like NEW.

/// Makes delta patches between two bundles (issue 8).
///
/// Example:
/// ```swift
/// let patch = try DeltaPatch.make(old: "mlp-1.0.bale", new: "mlp-1.1.bale", output: "mlp-1.0-1.1.delta")
/// print(patch.compressedSize)
/// ```
public enum DeltaPatch {
    static let manifestPath = "delta/manifest.json"
    static let signaturePath = "delta/manifest.sig"
    static let filesDirectory = "delta/files/"

    /// Writes the patch that turns `old` into `new` to `output`, atomically.
    /// - Parameters:
    ///   - reader: checks both bundles in full first (limits, signature policy).
    ///   - progress: receives a report per step.
    /// - Returns: the patch's info.
    public static func make(
        old: String, new: String, output: String, reader: BundleReader = BundleReader(), progress: ProgressHandler? = nil
    ) throws(DeployError) -> BundleInfo {
        try bundleCall { () throws(BundleError) -> BundleInfo in
            let base = try reader.readHeader(old)
            let present = Set(base.manifest.files.map(\.sha256))
            let scratch = try makeTemporaryDirectory("\(splitPath(output).directory)/.\(splitPath(output).base).tmp-")
            defer { removeTree(scratch) }
            progress?(DeployProgress(step: "reading \(splitPath(new).base)", done: 0, total: nil, finished: false))
            _ = try reader.verify(old)
            let wanted = Set(try reader.readHeader(new).manifest.files.map(\.sha256)).subtracting(present)
            var sink: DigestFileSink? = DigestFileSink(directory: scratch, wanted: wanted)
            let target = try reader.read(new, into: &sink)
            var payload = [PayloadFile(path: manifestPath, bytes: target.manifestBytes, mediaType: "application/json")]
            if let signature = target.signature { payload.append(PayloadFile(path: signaturePath, bytes: signature.encoded)) }
            var added: Set<String> = []
            for file in target.manifest.files where !present.contains(file.sha256) && added.insert(file.sha256).inserted {
                payload.append(PayloadFile(path: filesDirectory + file.sha256, source: .file(path: sink!.path(file.sha256)), size: file.size, mediaType: MediaType.binary))
            }
            var manifest = Manifest(
                name: target.manifest.name, version: target.manifest.version, createdAt: target.manifest.createdAt,
                creator: target.manifest.creator, target: target.manifest.target)
            manifest.metrics["delta"] = .object(["base": .string(base.id), "target": .string(target.id)])
            progress?(DeployProgress(step: "writing \(splitPath(output).base)", done: 0, total: nil, finished: false))
            let info = try BundleWriter().write(manifest: manifest, payload: payload, to: output)
            progress?(DeployProgress(step: "wrote \(splitPath(output).base)", done: info.compressedSize, total: info.compressedSize, finished: true))
            return info
        }
    }

    /// The ids a patch goes from and to, read from its header.
    public static func ids(of patch: String, reader: BundleReader = BundleReader()) throws(DeployError) -> (base: String, target: String) {
        let info = try bundleCall { () throws(BundleError) in try reader.readHeader(patch) }
        guard let delta = info.manifest.metrics["delta"], let base = delta["base"]?.stringValue, let target = delta["target"]?.stringValue else {
            throw DeployError("'\(patch)' is not a delta patch: its manifest has no metrics.delta (make one with bale delta)", path: patch)
        }
        return (base, target)
    }
}
