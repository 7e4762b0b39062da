/// One pass over a bundle file: zstd decoding, tar parsing and the entry rules.
final class BundleStream {
    private let file: InputFile
    private let tar: TarReader
    private let limits: BundleLimits
    private let compressedSize: UInt64

    /// Opens `path`. With `headerOnly`, only the first zstd frame (the header entries) is read.
    init(path: String, limits: BundleLimits, headerOnly: Bool = false) throws(BundleError) {
        file = try InputFile(path: path)
        let status = try file.status()
        guard status.isRegular else { throw BundleError(.io, "'\(path)' is not a regular file", path: path) }
        compressedSize = status.size
        tar = try TarReader(decoder: ZstdDecoder(file: file, limits: limits, firstFrameOnly: headerOnly))
        self.limits = limits
    }

    // MARK: - Header

    /// Reads `manifest.json` and the optional `manifest.sig`.
    /// - Returns: the header, and the first payload entry's header (already read), if any.
    func readHeader(checking reader: BundleReader) throws(BundleError) -> (info: BundleInfo, next: TarEntry?) {
        guard let first = try tar.nextEntry() else {
            throw BundleError(.manifestInvalid, "bundle holds no entries: \(BundlePath.manifest) is missing", path: BundlePath.manifest)
        }
        guard first.path == BundlePath.manifest else {
            throw BundleError(.entryOrder, "first entry is '\(first.path)', expected \(BundlePath.manifest)", path: first.path)
        }
        let manifestBytes = try readSmallEntry(first, limit: limits.maxManifestBytes)
        let manifest = try Manifest.decode(manifestBytes, limits: limits)

        var next = try tar.nextEntry()
        var signature: BundleSignature?
        if let entry = next, entry.path == BundlePath.signature {
            signature = try BundleSignature(decoding: readSmallEntry(entry, limit: limits.maxSignatureBytes))
            next = try tar.nextEntry()
        }
        let info = try reader.info(manifest: manifest, manifestBytes: manifestBytes, signature: signature, compressedSize: compressedSize)
        return (info, next)
    }

    private func readSmallEntry(_ entry: TarEntry, limit: Int) throws(BundleError) -> [UInt8] {
        try checkKind(entry)
        guard entry.size <= UInt64(limit) else {
            throw BundleError(.limitExceeded, "\(entry.path) is \(formatBytes(entry.size)), over the limit of \(formatBytes(UInt64(limit)))", path: entry.path)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entry.size))
        try tar.readData { chunk throws(BundleError) in
            guard bytes.count + chunk.count <= limit else {
                throw BundleError(.limitExceeded, "\(entry.path) is over the limit of \(formatBytes(UInt64(limit)))", path: entry.path)
            }
            bytes.append(contentsOf: chunk)
        }
        guard bytes.count == entry.size else {
            throw BundleError(.truncated, "\(entry.path) is cut short: \(bytes.count) of \(entry.size) bytes", path: entry.path)
        }
        return bytes
    }

    // MARK: - Payload

    /// Reads every payload entry, checking it against `manifest`, then the end of the stream.
    func readPayload(
        of manifest: Manifest, startingWith first: TarEntry?, into sink: inout (some BundlePayloadSink)?
    ) throws(BundleError) {
        try sink?.start(manifest)
        let files = manifest.files
        var index: [String: Int] = [:]
        for (i, file) in files.enumerated() { index[file.path] = i }
        var expected = 0
        var entry = first
        while let current = entry {
            try checkKind(current)
            if let problem = BundlePath.problem(with: current.path) {
                let code: BundleError.Code = current.path == BundlePath.manifest || current.path == BundlePath.signature ? .duplicateEntry : .unsafeEntry
                throw BundleError(code, "entry '\(current.path)' is not allowed here: \(problem)", path: current.path)
            }
            guard let position = index[current.path] else {
                throw BundleError(.unlistedEntry, "entry '\(current.path)' is not listed in \(BundlePath.manifest)", path: current.path)
            }
            if position < expected {
                throw BundleError(.duplicateEntry, "entry '\(current.path)' appears more than once", path: current.path)
            }
            if position > expected {
                let missing = files[expected].path
                throw BundleError(.missingEntry, "file '\(missing)' listed in \(BundlePath.manifest) is missing from the bundle (found '\(current.path)' in its place)", path: missing)
            }
            try readFile(files[position], entry: current, into: &sink)
            expected += 1
            entry = try tar.nextEntry()
        }
        if expected < files.count {
            let missing = files[expected].path
            throw BundleError(.missingEntry, "file '\(missing)' listed in \(BundlePath.manifest) is missing from the bundle", path: missing)
        }
        try tar.finish()
    }

    private func readFile(_ file: Manifest.File, entry: TarEntry, into sink: inout (some BundlePayloadSink)?) throws(BundleError) {
        guard entry.size == file.size else {
            throw BundleError(.sizeMismatch, "file '\(file.path)' is \(entry.size) bytes in the archive, but \(BundlePath.manifest) says \(file.size)", path: file.path)
        }
        try sink?.begin(file)
        var digest = SHA256Digest()
        var count: UInt64 = 0
        try tar.readData { chunk throws(BundleError) in
            digest.update(chunk)
            count += UInt64(chunk.count)
            try sink?.write(chunk)
        }
        guard count == file.size else {
            throw BundleError(.truncated, "file '\(file.path)' is cut short: \(count) of \(file.size) bytes", path: file.path)
        }
        let actual = digest.finalize()
        guard actual == file.sha256 else {
            throw BundleError(.digestMismatch, "file '\(file.path)' is damaged: sha256 is \(actual), \(BundlePath.manifest) says \(file.sha256)", path: file.path)
        }
        try sink?.end(file)
    }

    private func checkKind(_ entry: TarEntry) throws(BundleError) {
        let kind: String
        switch entry.kind {
        case .regular:
            guard !entry.isSparse else {
                throw BundleError(.unsafeEntry, "entry '\(entry.path)' is a sparse file; bundles hold plain regular files only", path: entry.path)
            }
            return
        case .directory: kind = "a directory"
        case .symlink: kind = "a symbolic link"
        case .hardlink: kind = "a hard link"
        case .characterDevice: kind = "a character device"
        case .blockDevice: kind = "a block device"
        case .fifo: kind = "a FIFO"
        case .socket: kind = "a socket"
        case .other(let type): kind = "of unknown type 0o\(String(type, radix: 8))"
        }
        throw BundleError(.unsafeEntry, "entry '\(entry.path)' is \(kind); bundles hold regular files only", path: entry.path)
    }
}
