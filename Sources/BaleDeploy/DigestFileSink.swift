import BaleBundle

/// Saves payload files of a bundle streaming past into a directory, each under its SHA-256
/// (`DIR/<sha256>`), once per digest: the store a delta patch is made from and applied with.
struct DigestFileSink: BundlePayloadSink {
    /// Where the files go.
    let directory: String
    /// Digests to save; nil saves every file.
    let wanted: Set<String>?
    /// Digests saved so far.
    private(set) var saved: Set<String> = []
    private var out: OutputFile?

    init(directory: String, wanted: Set<String>?, saved: Set<String> = []) {
        self.directory = directory
        self.wanted = wanted
        self.saved = saved
    }

    /// Path of the file with digest `sha256`.
    func path(_ sha256: String) -> String { "\(directory)/\(sha256)" }

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        out = nil
        guard wanted?.contains(file.sha256) ?? true, !saved.contains(file.sha256) else { return }
        out = try OutputFile(creating: path(file.sha256) + ".part")
    }

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        try out?.write(chunk)
    }

    mutating func end(_ file: Manifest.File) throws(BundleError) {
        guard let finished = out?.path else { return }
        out = nil  // closes it; the rebuilt bundle is what gets fsynced
        // Renamed only once the reader has checked the size and digest.
        try moveFile(finished, to: path(file.sha256))
        saved.insert(file.sha256)
    }
}
