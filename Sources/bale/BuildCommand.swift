import ArgumentParser
import BaleBundle
import BaleCLI
import BaleONNX
import BalePackager
import Foundation

/// `bale build`: an ONNX model into one bundle per target profile.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build an ONNX model into one bundle per target profile.",
        discussion: """
            Imports the model (opset 7-21; external data next to it), optimises the graph \
            (constant folding, BatchNormalization folding, activation and bias fusion, dead-node \
            removal), checks that every operator has a kernel, and writes \
            OUTDIR/<name>-<version>-<profile>.bale for each --target.

            Example:
              bale build resnet18.onnx --target cloud-x86_64 --target edge-arm64 -o dist/
            """
    )

    @Argument(help: ArgumentHelp("The ONNX model.", valueName: "model.onnx"))
    var model: String

    @Option(help: ArgumentHelp("Target profile, repeatable: cloud-x86_64, edge-arm64 or a profile .json path (default: cloud-x86_64).", valueName: "profile"))
    var target: [String] = []

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Directory for the bundles (created if missing).", valueName: "dir"))
    var output: String

    @Option(help: "Model name (default: the model file's name).")
    var name: String?

    @Option(help: "Model version (default: 1.0).")
    var version: String = "1.0"

    @Option(name: .customLong("created-at"), help: ArgumentHelp("Creation time to record, RFC 3339 UTC (default: SOURCE_DATE_EPOCH, else the model file's time).", valueName: "time"))
    var createdAt: String?

    @Option(help: ArgumentHelp("Sign every bundle with this private key (PEM).", valueName: "key"))
    var sign: String?

    @Option(help: ArgumentHelp("Compression threads (default: all cores).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let name, !Manifest.isName(name) {
            throw ValidationError("--name '\(name)' must be 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit")
        }
        if !Manifest.isVersion(version) { throw ValidationError("--version '\(version)' must be 1-64 characters from A-Z a-z 0-9 . _ - +") }
        if let createdAt, !Manifest.isTimestamp(createdAt) {
            throw ValidationError("--created-at '\(createdAt)' must be RFC 3339 UTC, like 2026-11-26T10:00:00Z")
        }
    }

    func run() throws {
        let profiles = try (target.isEmpty ? ["cloud-x86_64"] : target).map(TargetProfile.resolve)
        let imported = try ONNXImporter().importModel(at: model)
        let source = Manifest.Source(format: "onnx", sha256: try SHA256Digest.hex(ofFileAt: model))
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let options = ModelBuilder.Options(
            name: name ?? Self.defaultName(for: model), version: version, targets: profiles, outputDirectory: output,
            createdAt: try createdAt ?? CreationTime.resolve(fallback: modificationTime(of: model)), creator: "bale \(Bale.version)",
            signingKey: try sign.map { try BundleSigningKey(pem: readText($0), source: $0) },
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        for built in try ModelBuilder(options).build(imported.graph, source: source) {
            let metrics = built.info.manifest.metrics
            let nodes = Int(metrics["nodes"]?.numberValue ?? 0), parameters = Int(metrics["parameters"]?.numberValue ?? 0)
            print("built \(built.path) (\(built.profile.name)): \(formatBytes(built.info.compressedSize)), \(nodes) nodes, \(parameters) parameters")
            print("id \(built.info.id)")
        }
    }

    /// The model file's name without extension, reduced to the characters names allow.
    static func defaultName(for path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let cleaned = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" }.prefix(128))
        return Manifest.isName(cleaned) ? cleaned : "model"
    }
}

/// A file's modification time in seconds since 1970 (now when it cannot be read).
private func modificationTime(of path: String) -> Int {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    return Int(((attributes?[.modificationDate] as? Date) ?? Date()).timeIntervalSince1970)
}
