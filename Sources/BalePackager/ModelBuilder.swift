public import BaleBundle
public import BaleGraph
import BaleRuntime
import Logging

/// Turns a model graph into one bundle per target profile: optimise, check every operator has
/// a kernel, encode `graph.json` and tensor files (each in its smallest encoding at the
/// profile's zstd level), write the bundle atomically.
///
/// Example:
/// ```swift
/// let graph = try ONNXImporter().importModel(at: "mlp.onnx").graph
/// let built = try ModelBuilder(options).build(graph, source: source)
/// ```
public struct ModelBuilder: Sendable {
    /// What to build.
    public struct Options: Sendable {
        /// Model name recorded in the manifest.
        public var name: String
        /// Model version recorded in the manifest.
        public var version: String
        /// One bundle per profile.
        public var targets: [TargetProfile]
        /// Directory the bundles are written to.
        public var outputDirectory: String
        /// `createdAt` for the manifest (RFC 3339 UTC).
        public var createdAt: String
        /// Creator recorded in the manifest.
        public var creator: String
        /// Signs every bundle when set.
        public var signingKey: BundleSigningKey?
        /// Compression threads.
        public var threads: Int
        /// Magnitude pruning of the weight matrices, if any.
        public var pruning: Pruning?
        /// Samples to compare the transformed graph with the original on, if any.
        public var validation: ValidationSet?
        /// The largest ``ValidationReport/accuracyDrop`` a bundle may have (needs `validation`).
        public var maxAccuracyDrop: Double?
        /// The precision every bundle gets; `nil` takes each target profile's (``Quantization/default(for:)``).
        public var quantization: Quantization?
        /// Samples to measure activation ranges on for static int8 quantization (see
        /// ``ActivationCalibration``); int8 bundles quantize activations at run time without them.
        public var calibration: ValidationSet?
        /// Plugins recorded in every manifest, in order (checked by the caller against a registry).
        public var plugins: [Manifest.Plugin]
        /// The plugins' asset files, each under `plugins/<name>/`.
        public var pluginAssets: [PayloadFile]

        /// Creates options.
        public init(
            name: String, version: String, targets: [TargetProfile], outputDirectory: String, createdAt: String,
            creator: String, signingKey: BundleSigningKey? = nil, threads: Int = 1, pruning: Pruning? = nil,
            validation: ValidationSet? = nil, maxAccuracyDrop: Double? = nil, quantization: Quantization? = nil,
            calibration: ValidationSet? = nil, plugins: [Manifest.Plugin] = [], pluginAssets: [PayloadFile] = []
        ) {
            self.name = name
            self.version = version
            self.targets = targets
            self.outputDirectory = outputDirectory
            self.createdAt = createdAt
            self.creator = creator
            self.signingKey = signingKey
            self.threads = threads
            self.pruning = pruning
            self.validation = validation
            self.maxAccuracyDrop = maxAccuracyDrop
            self.quantization = quantization
            self.calibration = calibration
            self.plugins = plugins
            self.pluginAssets = pluginAssets
        }
    }

    /// One written bundle.
    public struct Built: Sendable {
        /// The profile it was built for.
        public var profile: TargetProfile
        /// Its path.
        public var path: String
        /// Its info.
        public var info: BundleInfo
    }

    /// The options.
    public var options: Options

    static let logger = Logger(label: "bale.packager")

    /// Creates a builder.
    public init(_ options: Options) { self.options = options }

    /// The bundle file name for a profile: `<name>-<version>-<profile>.bale`.
    public func fileName(for profile: TargetProfile) -> String {
        "\(options.name)-\(options.version)-\(profile.name).bale"
    }

    /// Optimises `graph` and writes one bundle per target, transformed as each target's precision
    /// (or ``Options/quantization``) asks.
    /// - Parameter source: the original model file's description for the manifest.
    /// - Throws: a ``PackagerError`` when ``Options/calibration`` is set but no bundle is int8.
    public func build(_ graph: Graph, source: Manifest.Source) throws -> [Built] {
        let precisions = options.targets.map { options.quantization ?? Quantization.default(for: $0) }
        if options.calibration != nil, !precisions.contains(.int8) {
            throw PackagerError("--calibration needs --quantize int8 or an int8 target profile (edge-arm64)")
        }
        // Optimising ends with shape inference, which builds an Executor: every operator has a
        // kernel and every value is defined, or this throws naming the node.
        let reference = try Optimizer.optimize(graph)
        Self.logger.debug("optimised graph", metadata: ["nodes": "\(graph.nodes.count) → \(reference.nodes.count)"])
        var pruned = reference
        var common: [String: JSONValue] = [:]
        if let pruning = options.pruning {
            let achieved = pruning.apply(to: &pruned)
            common["pruning"] = .object([
                "sparsity": .number(pruning.sparsity), "scope": .string(pruning.scope.rawValue),
                "layers": .object(achieved.mapValues { .number($0) }),
            ])
        }
        // Every variant is made (and validated) before any bundle is written; one executor of the
        // original graph serves every variant's validation.
        let referenceExecutor = try options.validation.map { _ in try Executor(graph: reference, threads: options.threads) }
        var variants: [Quantization: Variant] = [:]
        for profile in options.targets {
            let quantization = options.quantization ?? Quantization.default(for: profile)
            if variants[quantization] == nil {
                variants[quantization] = try variant(quantization, of: pruned, reference: referenceExecutor, metrics: common)
            }
        }
        // Tensor encodings depend on the zstd settings too: profiles sharing both share a payload.
        var payloads: [PayloadKey: [PayloadFile]] = [:]
        var built: [Built] = []
        for profile in options.targets {
            let quantization = options.quantization ?? Quantization.default(for: profile)
            let variant = variants[quantization]!
            let settings = ZstdSettings(level: profile.compression.level, workers: options.threads, longWindowLog: profile.compression.longWindowLog)
            let key = PayloadKey(quantization: quantization, compression: settings)
            let payload = try payloads[key]
                ?? Self.payload(of: variant.graph, half: quantization == .fp16, compression: settings)
                + Self.samplePayload(of: variant.graph, half: quantization == .fp16, threads: options.threads)
            payloads[key] = payload
            var manifest = manifest(for: variant.graph, original: graph, profile: profile, source: source, precision: variant.precision)
            manifest.metrics.merge(variant.metrics) { _, new in new }
            let path = "\(options.outputDirectory)/\(fileName(for: profile))"
            let info = try BundleWriter(compression: settings).write(manifest: manifest, payload: payload + options.pluginAssets, to: path, signingKey: options.signingKey)
            built.append(Built(profile: profile, path: path, info: info))
            Self.logger.info("wrote bundle", metadata: ["path": "\(path)", "profile": "\(profile.name)", "bytes": "\(info.compressedSize)"])
        }
        return built
    }

    /// The graph one precision gets and what the manifest records about it.
    private struct Variant {
        var graph: Graph
        var precision: String
        var metrics: [String: JSONValue]
    }

    /// What a payload depends on.
    private struct PayloadKey: Hashable {
        var quantization: Quantization
        var compression: ZstdSettings
    }

    /// Transforms the (pruned) optimised graph for `quantization` and validates it against
    /// `reference` (the original graph's executor, present when samples were given).
    /// - Throws: a ``PackagerError`` when the accuracy drop exceeds ``Options/maxAccuracyDrop``.
    private func variant(
        _ quantization: Quantization, of pruned: Graph, reference: Executor?, metrics: [String: JSONValue]
    ) throws -> Variant {
        var graph = pruned
        var metrics = metrics
        switch quantization {
        case .none, .fp16:
            break  // fp16 changes how tensors are stored, not the graph (see `payload`)
        case .int8:
            let calibration = try options.calibration.map { try ActivationCalibration.measure(pruned, on: $0, threads: options.threads) }
            let report = Int8Quantizer.quantize(&graph, calibration: calibration)
            graph = try Optimizer.optimize(graph)
            var record: [String: JSONValue] = [
                "weights": .string("int8, symmetric, per output channel"),
                "activations": .string("uint8, asymmetric, per tensor, dynamic"),
                "quantizedNodes": .number(Double(report.quantized.count)),
                "fp32Nodes": .array(report.skipped.map { .string($0) }),
            ]
            if let calibration {
                record["activations"] = .string("uint8, asymmetric, per tensor, static")
                record["calibrationSamples"] = .number(Double(calibration.samples))
            }
            metrics["quantization"] = .object(record)
        }
        if let validation = options.validation, let reference {
            let report = try ValidationReport.compare(
                reference: reference, candidate: Executor(graph: graph, threads: options.threads), on: validation)
            metrics["validation"] = report.json
            if let limit = options.maxAccuracyDrop {
                guard let drop = report.accuracyDrop else {
                    throw PackagerError("--max-accuracy-drop: no model output gives classes (scores per sample or one label per sample), so accuracy cannot be measured")
                }
                guard drop <= limit else {
                    throw PackagerError(
                        "\(quantization.precision) model: accuracy drops by \(Self.percent(drop)) on \(report.samples) validation samples, more than --max-accuracy-drop \(Self.percent(limit)); no bundle written")
                }
            }
        }
        return Variant(graph: graph, precision: quantization.precision, metrics: metrics)
    }

    /// `graph.json` and the tensor files of `graph`, each tensor in its smallest encoding after
    /// zstd with `compression` (see ``chooseEncoding(_:half:compression:)``), f32 tensors in half
    /// precision when `half` is set and their values fit.
    private static func payload(of graph: Graph, half: Bool, compression: ZstdSettings) throws(BundleError) -> [PayloadFile] {
        var chosen: [String: (encoding: TensorEncoding, size: Int)] = [:]
        for (name, tensor) in graph.initializers {
            let storeHalf = half && TensorEncoding.fitsHalf(tensor)
            if half && tensor.dtype == .f32 && !storeHalf {
                logger.warning("tensor kept in fp32: it has values beyond half precision's range", metadata: ["tensor": "\(name)"])
            }
            chosen[name] = try chooseEncoding(tensor, half: storeHalf, compression: compression)
        }
        let (json, tensors) = GraphCoding.encode(graph, encodings: chosen.mapValues(\.encoding))
        var payload = [PayloadFile(path: GraphCoding.graphPath, bytes: json, mediaType: GraphCoding.graphMediaType)]
        for file in tensors {
            payload.append(PayloadFile(
                path: file.path, source: .producer(TensorProducer(tensor: file.tensor, encoding: file.encoding)),
                size: UInt64(chosen[file.name]!.size), mediaType: file.encoding.mediaType))
        }
        return payload
    }

    /// Share of zero elements from which the sparse layout is measured. Its mask costs up to one
    /// bit per element, paid back by leaving the zeros out: on magnitude-pruned He-normal f32
    /// weights sparse beat shuffle from about 2 % zeros (by 2-3.5 % at 5 %, 18-25 % at 50 %;
    /// docs/benchmarks.md), so below 2 % it would not win and is not worth a compression.
    private static let sparseThreshold = 0.02

    /// The smallest encoding of `tensor` after zstd with `compression` among raw, shuffle
    /// (elements of 2 bytes or more) and sparse (from ``sparseThreshold`` zeros), in half
    /// precision when `half` is set, with its file size. Float elements are shuffled and
    /// sparse-coded with their sign rotated to the bottom (`rot-`), which on f32 weights
    /// compresses 0.3-1.1 % smaller than plain shuffle (docs/benchmarks.md). Each candidate is
    /// compressed alone, so one tensor's encoded bytes are held at a time; ties keep the
    /// simpler layout (raw, then shuffle).
    private static func chooseEncoding(
        _ tensor: Tensor, half: Bool, compression: ZstdSettings
    ) throws(BundleError) -> (encoding: TensorEncoding, size: Int) {
        let rotated = TensorEncoding(half: half, rotated: true, layout: .shuffle).problem(for: tensor.dtype) == nil
        var candidates = [TensorEncoding(half: half, layout: .raw)]
        if TensorEncoding(half: half, layout: .shuffle).problem(for: tensor.dtype) == nil {
            candidates.append(TensorEncoding(half: half, rotated: rotated, layout: .shuffle))
        }
        let sparse = TensorEncoding(half: half, rotated: rotated, layout: .sparse)
        if tensor.count > 0, Double(sparse.zeroCount(tensor)) >= sparseThreshold * Double(tensor.count) {
            candidates.append(sparse)
        }
        var best: (encoding: TensorEncoding, size: Int, compressed: Int)?
        for encoding in candidates {
            let bytes = encoding.encode(tensor)
            // A single candidate needs no measuring.
            let compressed = candidates.count == 1 ? 0 : try compression.compressedSize(of: bytes)
            if best == nil || compressed < best!.compressed {
                best = (encoding, bytes.count, compressed)
            }
        }
        return (best!.encoding, best!.size)
    }

    private func manifest(
        for graph: Graph, original: Graph, profile: TargetProfile, source: Manifest.Source, precision: String
    ) -> Manifest {
        var manifest = Manifest(
            name: options.name, version: options.version, createdAt: options.createdAt, creator: options.creator,
            // What the bundle holds, which --quantize may make differ from the profile's default.
            target: Manifest.Target(profile: profile.name, arch: profile.arch, precision: precision),
            plugins: options.plugins)
        manifest.model = Manifest.Model(
            inputs: graph.inputs.map(Self.spec), outputs: graph.outputs.map(Self.spec), source: source, opset: graph.opsets[""])
        let ops = graph.opCounts.mapValues { JSONValue.number(Double($0)) }
        manifest.metrics = [
            "parameters": .number(Double(graph.parameterCount)),
            "weightBytes": .number(Double(graph.weightBytes)),
            "nodes": .number(Double(graph.nodes.count)),
            "sourceNodes": .number(Double(original.nodes.count)),
            "ops": .object(ops),
        ]
        let matrices = Pruning.prunableWeights(in: graph)
        if let overall = WeightStatistics.overallSparsity(of: matrices, in: graph) {
            // Exact zeros in the weight matrices: how `bale inspect` tells a pruned model.
            let rounded = { (fraction: Double) in JSONValue.number((fraction * 1e4).rounded() / 1e4) }
            manifest.metrics["weightSparsity"] = .object([
                "overall": rounded(overall),
                "tensors": .object(WeightStatistics.sparsity(of: matrices, in: graph).mapValues(rounded)),
            ])
        }
        if let plan = try? MemoryPlan(graph: graph, bindings: MemoryPlan.batchBindings(graph, batch: 1)) {
            manifest.metrics["activationBytes"] = .number(Double(plan.peakActivationBytes))
        }
        return manifest
    }

    /// `0.0123` as `1.23 %`.
    static func percent(_ fraction: Double) -> String {
        "\((fraction * 1e4).rounded() / 100) %"
    }

    static func spec(_ value: ValueInfo) -> Manifest.TensorSpec {
        let dims = (value.type.shape ?? []).map { dim -> Manifest.Dimension in
            switch dim {
            case .fixed(let n): .fixed(n)
            case .symbolic(let name): .symbolic(name.isEmpty ? "?" : name)
            }
        }
        return Manifest.TensorSpec(name: value.name, dtype: value.type.dtype.rawValue, shape: dims)
    }
}

/// Serialises one tensor into its bundle file, in its encoding, while the bundle is written.
struct TensorProducer: PayloadProducer {
    let tensor: Tensor
    let encoding: TensorEncoding

    func produce(into sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
        try encoding.encode(tensor).withBytes(sink)
    }
}
