import BaleBundle

extension Installer {
    /// Rebuilds the bundle a delta patch leads to from the installed bundle it starts from, then
    /// installs it exactly like a full bundle (verify with ``reader``, self-test, switch).
    /// - Throws: a ``DeployError`` when the patch's base bundle is not installed, the patch is
    ///   damaged, or the rebuilt bundle is refused; the device is then unchanged.
    public func installDelta(_ patch: String) throws(DeployError) -> Result {
        let lock = try device.prepare()
        defer { withExtendedLifetime(lock) {} }
        let (base, target) = try DeltaPatch.ids(of: patch)
        let old = device.bundlePath(base)
        guard modificationTime(old) != nil else {
            throw DeployError("'\(patch)' updates bundle \(base), which is not installed in '\(device.path)'; deploy the full bundle instead", path: patch)
        }
        let staged = device.stagingPath(target)
        do throws(BundleError) {
            let scratch = try makeTemporaryDirectory(device.scratchPrefix)
            defer { removeTree(scratch) }
            // Patch members are checked by the patch's own manifest; each is saved by digest.
            report("reading \(splitPath(patch).base)", done: 0, total: nil, finished: false)
            var sink: DigestFileSink? = DigestFileSink(directory: scratch, wanted: nil)
            let patchInfo = try BundleReader(limits: reader.limits).read(patch, into: &sink)
            func member(_ path: String) throws(BundleError) -> [UInt8]? {
                guard let file = patchInfo.manifest.files.first(where: { $0.path == path }) else { return nil }
                return try readWholeFile(sink!.path(file.sha256))
            }
            guard let manifestBytes = try member(DeltaPatch.manifestPath) else {
                throw BundleError(.missingEntry, "'\(patch)' holds no \(DeltaPatch.manifestPath)", path: patch)
            }
            let signature = try member(DeltaPatch.signaturePath).map { bytes throws(BundleError) in try BundleSignature(decoding: bytes) }
            let manifest = try Manifest.decode(manifestBytes, limits: reader.limits)
            // The files the patch does not carry come from the installed bundle.
            report("reading installed \(base.prefix(12))", done: 0, total: nil, finished: false)
            let missing = Set(manifest.files.map(\.sha256)).subtracting(sink!.saved)
            var baseSink: DigestFileSink? = DigestFileSink(directory: scratch, wanted: missing, saved: sink!.saved)
            _ = try BundleReader(limits: reader.limits).read(old, into: &baseSink)
            let payload = manifest.files.map {
                PayloadFile(path: $0.path, source: .file(path: baseSink!.path($0.sha256)), size: $0.size, mediaType: $0.mediaType)
            }
            report("rebuilding \(target.prefix(12))", done: 0, total: nil, finished: false)
            let rebuilt = try BundleWriter().write(manifestBytes: manifestBytes, signature: signature, payload: payload, to: staged)
            report("rebuilt \(target.prefix(12))", done: rebuilt.compressedSize, total: rebuilt.compressedSize, finished: true)
            guard rebuilt.id == target else {
                throw BundleError(.manifestInvalid, "'\(patch)' says it leads to bundle \(target), but its manifest is bundle \(rebuilt.id)", path: patch)
            }
        } catch {
            removeFile(staged)
            throw DeployError("'\(patch)': \(DeployError(error).message)", path: patch)
        }
        return try commit(staged, action: "delta", source: patch)
    }
}
