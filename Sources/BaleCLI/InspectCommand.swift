public import ArgumentParser
public import BaleBundle
import BaleGraph
import BalePlugins
import BaleRuntime
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `bale inspect`: show what a bundle holds, reading only its header.
public struct Inspect: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Show a bundle's manifest as a summary or as JSON.",
        discussion: """
            Reads only the manifest and signature at the start of the bundle, so it is instant on \
            any size. It checks the manifest but not the payload: use 'bale verify' for that.
            """
    )

    /// The bundle's path (or, in `bale`, an `oci://` reference).
    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    public var bundle: String

    @Flag(help: "Print JSON: {id, compressedSize, uncompressedSize, signature, manifest}.")
    var json = false

    /// `--batch`: also plan activation memory at this batch size.
    @Option(help: ArgumentHelp("Also plan activation memory at this batch size (reads and verifies the whole bundle).", valueName: "n"))
    public var batch: Int?

    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if let batch, !(1...1_000_000).contains(batch) { throw ValidationError("--batch must be between 1 and 1000000") }
    }

    /// The limits headers are read with (`--max-size`).
    public var limits: BundleLimits { read.limits }

    public func run() throws {
        try report(BundleReader(limits: read.limits).readHeader(bundle))
        if let batch {
            let layout = try BundledGraph.layout(path: bundle, reader: BundleReader(limits: read.limits))
            for size in Set([1, batch]).sorted() {
                let plan = try BundledGraph.memoryPlan(layout, batch: size)
                print("memory at batch \(size): weights \(formatBytes(UInt64(plan.weightBytes))) + planned activations \(formatBytes(UInt64(plan.peakActivationBytes))) (\(formatBytes(UInt64(plan.unplannedBytes))) without reuse)")
            }
        }
    }

    /// Prints the summary (or `--json`) of a header read from ``bundle``, wherever it came from.
    public func report(_ info: BundleInfo) throws {
        print(json ? try jsonReport(info) : textReport(info), terminator: "")
    }

    // MARK: - JSON

    private func jsonReport(_ info: BundleInfo) throws -> String {
        let manifest = try JSONDecoder().decode(JSONValue.self, from: Data(info.manifestBytes))
        let signature: JSONValue = info.signature.map { .object(["algorithm": .string($0.algorithm), "keyId": .string($0.keyID)]) } ?? .null
        let report: JSONValue = .object([
            "id": .string(info.id),
            "path": .string(bundle),
            "compressedSize": .number(Double(info.compressedSize)),
            "uncompressedSize": .number(Double(info.uncompressedSize)),
            "signature": signature,
            "manifest": manifest,
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    // MARK: - Text

    private func textReport(_ info: BundleInfo) -> String {
        let m = info.manifest
        var rows: [(String, String)] = [
            ("bundle", bundle),
            ("id", info.id),
            ("name", "\(m.name) \(m.version)"),
            ("format", m.formatVersion.description),
            ("created", "\(m.createdAt) by \(m.creator)"),
            ("target", "\(m.target.profile) (arch \(m.target.arch), precision \(m.target.precision))"),
        ]
        if let source = m.model.source {
            rows.append(("model", "\(source.format)\(source.path.map { " \($0)" } ?? "") sha256 \(source.sha256.prefix(16))…\(m.model.opset.map { " opset \($0)" } ?? "")"))
        }
        for input in m.model.inputs { rows.append(("input", describe(input))) }
        for output in m.model.outputs { rows.append(("output", describe(output))) }
        rows += pluginRows(m)
        rows.append(("signature", info.signature.map { "ed25519, key \($0.keyID) (check with: bale verify --key PUB)" } ?? "none"))
        let ratio = Double(info.compressedSize) / Double(max(1, info.uncompressedSize)) * 100
        rows.append(("size", "\(formatBytes(info.compressedSize)) compressed, \(formatBytes(info.uncompressedSize)) uncompressed (\(String(printf: "%.1f", ratio)) %)"))
        rows += metricRows(m.metrics)
        // Tensor files' encodings are in their media types (docs/bundle-format.md §9).
        let encodings = m.files.compactMap { TensorEncoding(mediaType: $0.mediaType)?.description }
        if !encodings.isEmpty {
            rows.append(("encodings", tally(Dictionary(encodings.map { ($0, 1) }, uniquingKeysWith: +))))
        }
        rows.append(("files", "\(m.files.count)"))

        let width = rows.map(\.0.count).max() ?? 0
        var text = rows.map { "\($0.0.rightPadded(to: width))  \($0.1)" }.joined(separator: "\n") + "\n"
        let sizes = m.files.map { formatBytes($0.size) }
        let sizeWidth = sizes.map(\.count).max() ?? 0
        let typeWidth = m.files.map(\.mediaType.count).max() ?? 0
        for (file, size) in zip(m.files, sizes) {
            let paddedSize = String(repeating: " ", count: sizeWidth - size.count) + size
            text += "  \(paddedSize)  \(file.mediaType.rightPadded(to: typeWidth))  \(file.path)\n"
        }
        return text
    }

    /// `plugins none`, or one `plugin` row a declared plugin, in order: stage, name, config,
    /// WebAssembly module (with grants and limits), assets.
    private func pluginRows(_ manifest: Manifest) -> [(String, String)] {
        guard !manifest.plugins.isEmpty else { return [("plugins", "none")] }
        return manifest.plugins.enumerated().map { index, plugin in
            var text = "\(index + 1). \(plugin.stage) \(plugin.name)"
            let config = (try? PluginConfig(plugin: plugin.name, manifest: plugin.config).values) ?? [:]
            text += config.isEmpty ? " (default config)" : " " + config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let prefix = PluginRegistry.assetDirectory(of: plugin.name)
            let file = { (entry: Manifest.File) in "\(entry.path) (\(formatBytes(entry.size)), sha256 \(entry.sha256.prefix(12))…)" }
            if let module = manifest.files.first(where: { $0.path == plugin.module }) {
                text += "; WebAssembly module " + file(module)
                if let grants = plugin.grants { text += ", grants " + grants.joined(separator: ",") }
                if let pages = plugin.limits?.memoryPages { text += ", memory-pages=\(pages)" }
                if let fuel = plugin.limits?.fuel { text += ", fuel=\(fuel)" }
            }
            let assets = manifest.files.filter { $0.path.hasPrefix(prefix) && $0.path != plugin.module }
            if !assets.isEmpty {
                text += "; assets " + assets.map(file).joined(separator: ", ")
            }
            return ("plugin", text)
        }
    }

    /// Graph figures first (nodes, op counts, parameters, weight bytes), then other metrics.
    private func metricRows(_ metrics: [String: JSONValue]) -> [(String, String)] {
        var rows: [(String, String)] = []
        var rest = metrics
        if case .number(let nodes)? = rest.removeValue(forKey: "nodes") {
            var text = "\(Int(nodes))"
            if case .number(let source)? = rest.removeValue(forKey: "sourceNodes") { text += " (\(Int(source)) before optimisation)" }
            rows.append(("nodes", text))
        }
        if case .object(let ops)? = rest.removeValue(forKey: "ops") {
            let counts = ops.compactMap { key, value -> (String, Int)? in
                if case .number(let n) = value { return (key, Int(n)) }
                return nil
            }
            rows.append(("ops", tally(Dictionary(uniqueKeysWithValues: counts))))
        }
        if case .number(let parameters)? = rest.removeValue(forKey: "parameters") {
            var text = "\(Int(parameters))"
            if case .number(let bytes)? = rest.removeValue(forKey: "weightBytes") { text += " (\(formatBytes(UInt64(bytes))) of weights)" }
            rows.append(("parameters", text))
        }
        if case .number(let bytes)? = rest.removeValue(forKey: "activationBytes") {
            rows.append(("activations", "\(formatBytes(UInt64(bytes))) planned at batch 1 (--batch N for others)"))
        }
        if case .object(let sparsity)? = rest.removeValue(forKey: "weightSparsity"), case .number(let overall)? = sparsity["overall"] {
            var text = "\(Self.percent(overall)) of the weight-matrix values are exact zeros"
            if overall >= Self.prunedSparsity { text += " (pruned)" }
            rows.append(("sparsity", text))
        }
        if case .object(let pruning)? = rest.removeValue(forKey: "pruning"),
            case .number(let target)? = pruning["sparsity"], case .string(let scope)? = pruning["scope"]
        {
            rows.append(("pruning", "magnitude, \(Self.percent(target)) per \(scope == "global" ? "model (global threshold)" : "layer")"))
        }
        if case .object(let quantization)? = rest.removeValue(forKey: "quantization"),
            case .string(let weights)? = quantization["weights"], case .string(let activations)? = quantization["activations"]
        {
            var text = "weights \(weights); activations \(activations)"
            if case .number(let samples)? = quantization["calibrationSamples"] { text += " (calibrated on \(Int(samples)) samples)" }
            if case .number(let nodes)? = quantization["quantizedNodes"] { text += "; \(Int(nodes)) nodes quantized" }
            if case .array(let kept)? = quantization["fp32Nodes"], !kept.isEmpty {
                text += ", \(kept.count) left fp32 (\(kept.compactMap { if case .string(let name) = $0 { name } else { nil } }.joined(separator: ", ")))"
            }
            rows.append(("quantization", text))
        }
        if case .object(let report)? = rest.removeValue(forKey: "validation") {
            rows.append(("validation", Self.describeValidation(report)))
        }
        for (key, value) in rest.sorted(by: { $0.key < $1.key }) { rows.append(("metric", "\(key) = \(value)")) }
        return rows
    }

    /// Weight matrices with at least this fraction of zeros are reported as pruned.
    static let prunedSparsity = 0.3

    /// `0.1234` as `12.34 %`.
    static func percent(_ fraction: Double) -> String { "\((fraction * 1e4).rounded() / 100) %" }

    /// `x` rounded to three significant digits.
    static func significant(_ x: Double) -> String {
        guard x != 0, x.isFinite else { return "\(x)" }
        var scale = 1.0
        while (abs(x) * scale).rounded(.down) < 100 { scale *= 10 }
        while (abs(x) * scale).rounded(.down) >= 1000 { scale /= 10 }
        return "\((x * scale).rounded() / scale)"
    }

    /// One line from the manifest's validation record.
    static func describeValidation(_ report: [String: JSONValue]) -> String {
        func number(_ key: String) -> Double? { if case .number(let n)? = report[key] { n } else { nil } }
        var parts: [String] = []
        if let samples = number("samples") { parts.append("\(Int(samples)) samples") }
        if let reference = number("referenceAccuracy"), let accuracy = number("accuracy") {
            parts.append("accuracy \(percent(accuracy)) (original \(percent(reference)))")
        }
        if let agreement = number("top1Agreement") { parts.append("top-1 agreement \(percent(agreement))") }
        if let maxError = number("maxAbsError"), let meanError = number("meanAbsError") {
            parts.append("max abs error \(significant(maxError)), mean \(significant(meanError))")
        }
        return parts.joined(separator: ", ")
    }

    /// `name ×count, …`, most frequent first, then by name.
    private func tally(_ counts: [String: Int]) -> String {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }

    private func describe(_ tensor: Manifest.TensorSpec) -> String {
        let dims = tensor.shape.map { dim -> String in
            switch dim {
            case .fixed(let n): String(n)
            case .symbolic(let name): name
            }
        }
        return "\(tensor.name) \(tensor.dtype) [\(dims.joined(separator: ", "))]"
    }
}

extension String {
    /// The string padded on the right with spaces to `width` characters.
    fileprivate func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
