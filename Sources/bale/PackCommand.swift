import ArgumentParser
import BaleBundle
import BaleCLI
import Foundation

/// `bale pack`: any payload directory into a bundle.
struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pack a directory of files (any model format) into a bundle.",
        discussion: """
            Every regular file under DIR goes into the bundle, sorted by path, with its size and \
            SHA-256 in manifest.json. Each file is read once: hashing and compression happen in \
            the same pass, and memory stays flat whatever the payload size.

            The same inputs give byte-identical bundles. createdAt is taken from --created-at, \
            else SOURCE_DATE_EPOCH, else the newest modification time among the files.

            Example:
              bale pack ./llama -o llama-1.0.bale --name llama --version 1.0 --target cloud-x86_64
            """
    )

    @Argument(help: ArgumentHelp("The directory to pack.", valueName: "dir"))
    var directory: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Bundle to write (replaced atomically).", valueName: "out.bale"))
    var output: String

    @Option(help: "Model name: 1-128 characters from A-Z a-z 0-9 . _ - (starts with a letter or digit).")
    var name: String

    @Option(help: "Model version: 1-64 characters from A-Z a-z 0-9 . _ - +.")
    var version: String

    @Option(help: ArgumentHelp("Target profile: a built-in name (cloud-x86_64, edge-arm64) or a profile .json path. Recorded in the manifest; sets the default --level.", valueName: "profile"))
    var target: String?

    @Option(help: ArgumentHelp("zstd level, -7 to 22 (default: the profile's, else 3).", valueName: "level"))
    var level: Int?

    @Option(help: ArgumentHelp("Compression threads (default: all cores). The output is the same for any count.", valueName: "n"))
    var threads: Int?

    @Flag(help: "Long-distance matching with a 128 MiB window: smaller bundles of large, repetitive payloads; readers need 128 MiB more memory.")
    var long = false

    @Option(name: .customLong("created-at"), help: ArgumentHelp("Creation time to record, RFC 3339 UTC (e.g. 2026-11-26T10:00:00Z).", valueName: "time"))
    var createdAt: String?

    @Option(help: ArgumentHelp("Sign with this private key (PEM) while packing.", valueName: "key"))
    var sign: String?

    func validate() throws {
        if let level, !ZstdSettings.levelRange.contains(level) || level < -7 {
            throw ValidationError("--level must be between -7 and 22, got \(level)")
        }
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads must be between 1 and 256, got \(threads)")
        }
        if !Manifest.isName(name) {
            throw ValidationError("--name '\(name)' must be 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit")
        }
        if !Manifest.isVersion(version) {
            throw ValidationError("--version '\(version)' must be 1-64 characters from A-Z a-z 0-9 . _ - +")
        }
        if let createdAt, !Manifest.isTimestamp(createdAt) {
            throw ValidationError("--created-at '\(createdAt)' must be RFC 3339 UTC, like 2026-11-26T10:00:00Z")
        }
    }

    func run() throws {
        let profile = try target.map(TargetProfile.resolve)
        let payload = try PayloadDirectory(scanning: directory)
        try checkOutputOutside(directory)
        let signingKey = try sign.map { try BundleSigningKey(pem: readText($0), source: $0) }

        var manifest = Manifest(
            name: name, version: version, createdAt: try creationTime(payload), creator: "bale \(Bale.version)",
            target: profile?.manifestTarget ?? .any)
        manifest.model.source = Self.modelSource(in: payload.files)
        let settings = ZstdSettings(
            level: level ?? profile?.compression.level ?? 3,
            workers: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            longWindowLog: long ? 27 : profile?.compression.longWindowLog)
        let info = try BundleWriter(compression: settings)
            .write(manifest: manifest, payload: payload.files, to: output, signingKey: signingKey)

        let ratio = Double(info.compressedSize) / Double(max(1, info.uncompressedSize)) * 100
        print("packed \(info.manifest.files.count) files, \(formatBytes(info.uncompressedSize)) → \(formatBytes(info.compressedSize)) (\(String(format: "%.1f", ratio)) %), into \(output)")
        print("id \(info.id)\(signingKey.map { " signed by key \($0.publicKey.keyID)" } ?? "")")
    }

    /// The creation time: --created-at, else SOURCE_DATE_EPOCH, else the newest file time.
    private func creationTime(_ payload: PayloadDirectory) throws -> String {
        try createdAt ?? CreationTime.resolve(fallback: payload.newestModification)
    }

    /// The payload's model file, when exactly one file has a known model extension.
    static func modelSource(in files: [PayloadFile]) -> Manifest.Source? {
        let models = files.filter { MediaType.modelFormats[MediaType.pathExtension($0.path)] != nil }
        guard models.count == 1, let model = models.first else { return nil }
        let format = MediaType.modelFormats[MediaType.pathExtension(model.path)]!
        return Manifest.Source(format: format, sha256: "", path: model.path)  // digest filled in by the writer
    }

    /// Refuses an output inside the directory being packed (it would pack itself next time).
    private func checkOutputOutside(_ directory: String) throws {
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let out = URL(fileURLWithPath: output).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        if out == dir || out.hasPrefix(dir + "/") {
            throw ValidationError("--output '\(output)' is inside the directory being packed; write it elsewhere")
        }
    }
}
