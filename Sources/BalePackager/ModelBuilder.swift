public import BaleBundle
public import BaleGraph
import BaleRuntime
import Logging

/// Turns a model graph into one bundle per target profile: optimise, check every operator has
/// a kernel, encode `graph.json` and tensor files, write the bundle atomically.
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

        /// Creates options.
        public init(
            name: String, version: String, targets: [TargetProfile], outputDirectory: String, createdAt: String,
            creator: String, signingKey: BundleSigningKey? = nil, threads: Int = 1
        ) {
            self.name = name
            self.version = version
            self.targets = targets
            self.outputDirectory = outputDirectory
            self.createdAt = createdAt
            self.creator = creator
            self.signingKey = signingKey
            self.threads = threads
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

    /// Optimises `graph` and writes one bundle per target.
    /// - Parameter source: the original model file's description for the manifest.
    public func build(_ graph: Graph, source: Manifest.Source) throws -> [Built] {
        // Optimising ends with shape inference, which builds an Executor: every operator has a
        // kernel and every value is defined, or this throws naming the node.
        let optimized = try Optimizer.optimize(graph)
        Self.logger.debug("optimised graph", metadata: ["nodes": "\(graph.nodes.count) → \(optimized.nodes.count)"])
        let (json, tensors) = GraphCoding.encode(optimized)
        var payload = [PayloadFile(path: GraphCoding.graphPath, bytes: json, mediaType: "application/vnd.bale.graph+json")]
        for file in tensors {
            payload.append(PayloadFile(
                path: file.path, source: .producer(TensorProducer(tensor: file.tensor)),
                size: UInt64(file.tensor.count * file.tensor.dtype.byteSize), mediaType: "application/vnd.bale.tensor"))
        }
        var built: [Built] = []
        for profile in options.targets {
            let manifest = manifest(for: optimized, original: graph, profile: profile, source: source)
            let path = "\(options.outputDirectory)/\(fileName(for: profile))"
            let settings = ZstdSettings(level: profile.compression.level, workers: options.threads, longWindowLog: profile.compression.longWindowLog)
            let info = try BundleWriter(compression: settings).write(manifest: manifest, payload: payload, to: path, signingKey: options.signingKey)
            built.append(Built(profile: profile, path: path, info: info))
            Self.logger.info("wrote bundle", metadata: ["path": "\(path)", "profile": "\(profile.name)", "bytes": "\(info.compressedSize)"])
        }
        return built
    }

    private func manifest(for graph: Graph, original: Graph, profile: TargetProfile, source: Manifest.Source) -> Manifest {
        var manifest = Manifest(
            name: options.name, version: options.version, createdAt: options.createdAt, creator: options.creator,
            // Weights are stored in fp32 until quantization lands; the manifest says what the
            // bundle holds, not what the profile would like.
            target: Manifest.Target(profile: profile.name, arch: profile.arch, precision: "fp32"))
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
        if let plan = try? MemoryPlan(graph: graph, bindings: MemoryPlan.batchBindings(graph, batch: 1)) {
            manifest.metrics["activationBytes"] = .number(Double(plan.peakActivationBytes))
        }
        return manifest
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

/// Serialises one tensor into its bundle file while the bundle is written.
struct TensorProducer: PayloadProducer {
    let tensor: Tensor

    func produce(into sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
        try tensor.storage.littleEndianBytes.withBytes(sink)
    }
}
