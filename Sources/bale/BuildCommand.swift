import ArgumentParser
import BaleBundle
import BaleCLI
import BaleGraph
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
            removal), quantizes it as the profile asks (--quantize overrides; int8 activations \
            from ranges measured on --calibration samples when given, else at run time), \
            optionally prunes it (--prune) and measures what that costs on samples \
            (--validate, --max-accuracy-drop), checks that every operator has a kernel, and \
            writes OUTDIR/<name>-<version>-<profile>.bale for each --target, each weight tensor \
            in whichever of raw, byte-shuffled or sparse is smallest at the profile's zstd level.

            Example:
              bale build resnet18.onnx --target cloud-x86_64 --target edge-arm64 -o dist/
              bale build mlp.onnx --prune 0.5 --validate samples/ --max-accuracy-drop 0.01 -o dist/
              bale build mlp.onnx --quantize int8 --calibration calibration/ --validate test/ -o dist/
              bale build digits.onnx --plugin image --plugin normalize:scale=0.00392156862745098 \
                --plugin topk:k=3,labels=labels.txt --plugin-asset topk=labels.txt -o dist/

            Plugins (--plugin, in order) run around the model at run time (docs/plugins.md); each \
            is checked here as a load would check it: unknown plugins, keys or values and \
            missing assets fail the build.
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

    @Option(help: ArgumentHelp(
        "Weight precision for every bundle: none (fp32), int8 (symmetric per-channel weights, activations quantized at run time, or with --calibration's ranges) or fp16 (weights stored as half, computed in fp32); default: each profile's (edge-arm64: int8, cloud-x86_64: none).",
        valueName: "mode"))
    var quantize: String?

    @Option(help: ArgumentHelp(
        "Quantize int8 activations statically: run the fp32 model over these samples (one .npy per input, samples along the first dimension, as --validate) and store each activation's per-tensor scale and zero point as constants instead of finding the range at run time. Applies to the int8 bundles only.",
        valueName: "dir"))
    var calibration: String?

    @Option(help: ArgumentHelp(
        "Zero this fraction of the Gemm/MatMul/Conv weights with the smallest magnitude (e.g. 0.5); the sparsity reached per layer is recorded in the manifest.",
        valueName: "sparsity"))
    var prune: Double?

    @Option(name: .customLong("prune-scope"), help: ArgumentHelp(
        "layer: every weight matrix loses the same fraction; global: one magnitude threshold for all (default: layer).",
        valueName: "scope"))
    var pruneScope: String = Pruning.Scope.layer.rawValue

    @Option(name: .customLong("validate"), help: ArgumentHelp(
        "Compare the transformed model with the original on these samples: one .npy per input (samples along the first dimension), optional labels.npy; the errors and accuracies are recorded in the manifest.",
        valueName: "dir"))
    var validationDirectory: String?

    @Option(name: .customLong("max-accuracy-drop"), help: ArgumentHelp(
        "Refuse to write a bundle that loses more than this fraction of accuracy on --validate's samples (top-1 against labels.npy, else top-1 agreement with the original; 0.01 = one point).",
        valueName: "fraction"))
    var maxAccuracyDrop: Double?

    @OptionGroup var plugins: PluginBuildOptions

    func validate() throws {
        if let name, !Manifest.isName(name) {
            throw ValidationError("--name '\(name)' must be 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit")
        }
        if !Manifest.isVersion(version) { throw ValidationError("--version '\(version)' must be 1-64 characters from A-Z a-z 0-9 . _ - +") }
        if let createdAt, !Manifest.isTimestamp(createdAt) {
            throw ValidationError("--created-at '\(createdAt)' must be RFC 3339 UTC, like 2026-11-26T10:00:00Z")
        }
        if let quantize, Quantization(rawValue: quantize) == nil {
            throw ValidationError("--quantize '\(quantize)' must be one of: \(Quantization.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if calibration != nil, let quantize, quantize != Quantization.int8.rawValue {
            throw ValidationError("--calibration needs --quantize int8 (or an int8 target profile), not --quantize \(quantize)")
        }
        if Pruning.Scope(rawValue: pruneScope) == nil {
            throw ValidationError("--prune-scope '\(pruneScope)' must be one of: \(Pruning.Scope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let maxAccuracyDrop {
            guard validationDirectory != nil else { throw ValidationError("--max-accuracy-drop needs --validate DIR (the samples to measure the drop on)") }
            guard maxAccuracyDrop.isFinite, (0...1).contains(maxAccuracyDrop) else {
                throw ValidationError("--max-accuracy-drop \(maxAccuracyDrop) must be a fraction between 0 and 1 (0.01 = one point)")
            }
        }
    }

    func run() throws {
        let profiles = try (target.isEmpty ? ["cloud-x86_64"] : target).map(TargetProfile.resolve)
        let imported = try ONNXImporter().importModel(at: model)
        let source = Manifest.Source(format: "onnx", sha256: try SHA256Digest.hex(ofFileAt: model))
        let declared = try plugins.resolve(inputs: imported.graph.inputs, outputs: imported.graph.outputs)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let options = ModelBuilder.Options(
            name: name ?? Self.defaultName(for: model), version: version, targets: profiles, outputDirectory: output,
            createdAt: try createdAt ?? CreationTime.resolve(fallback: modificationTime(of: model)), creator: "bale \(Bale.version)",
            signingKey: try sign.map { try BundleSigningKey(pem: readText($0), source: $0) },
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            pruning: try prune.map { try Pruning(sparsity: $0, scope: Pruning.Scope(rawValue: pruneScope) ?? .layer) },
            validation: try validationDirectory.map { try ValidationSet.load(directory: $0, inputs: imported.graph.inputs) },
            maxAccuracyDrop: maxAccuracyDrop, quantization: quantize.flatMap(Quantization.init(rawValue:)),
            calibration: try calibration.map { try ValidationSet.load(directory: $0, inputs: imported.graph.inputs, option: "--calibration") },
            plugins: declared.declarations, pluginAssets: declared.assets)
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
