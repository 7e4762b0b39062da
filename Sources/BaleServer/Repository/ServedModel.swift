public import BaleBundle
import BaleGraph
public import BalePlugins
public import BaleRuntime

/// One version of a model the sidecar serves: the verified bundle, its plugin pipeline and the
/// queue in front of it. Immutable; a reload makes a new one, and requests that already hold
/// the old one finish on it.
public final class ServedModel: Sendable {
    /// The model's name (the manifest's).
    public let name: String
    /// The model's version (the manifest's).
    public let version: String
    /// Where the bundle was loaded from.
    public let path: String
    /// The loaded bundle.
    public let model: BundledModel
    /// Its plugins around the model.
    public let pipeline: PluginPipeline
    /// The queue its requests wait in.
    public let queue: InferenceQueue
    /// Output names in the graph's order.
    let outputOrder: [String]

    /// Loads, verifies and warms the bundle at `path` (runs one inference on inputs generated
    /// from its input shapes, so the first request pays no first-run costs and a model that
    /// cannot run is refused).
    /// - Throws: a message naming the bundle and what is wrong with it.
    init(path: String, options: ServerOptions, metrics: ServerMetrics) throws(RuntimeError) {
        let model = try BundledModel(path: path, reader: options.reader, threads: options.threads)
        let pipeline: PluginPipeline
        do {
            pipeline = try PluginPipeline(model: model, registry: options.plugins)
        } catch {
            throw RuntimeError("'\(path)': \(error)")
        }
        // Inputs of unknown rank cannot be generated; such a model is served without warm-up.
        if let feeds = try? BenchmarkInputs.generate(for: model.graph) {
            do {
                _ = try model.executor.run(feeds)
            } catch {
                throw RuntimeError("'\(path)': warm-up inference failed: \(error)")
            }
        }
        let manifest = model.info.manifest
        self.name = manifest.name
        self.version = manifest.version
        self.path = path
        self.model = model
        self.pipeline = pipeline
        self.outputOrder = model.graph.outputs.map(\.name)
        self.queue = InferenceQueue(pipeline: pipeline, settings: options.queueSettings(for: model), label: manifest.name) { [name = manifest.name, version = manifest.version] size in
            metrics.batchRan(model: name, version: version, size: size)
        }
    }

    /// Whether the model takes raw requests (it has preprocess plugins).
    public var acceptsRaw: Bool { pipeline.has(.preprocess) }

    /// The Open Inference Protocol's model metadata.
    public var metadata: JSONValue {
        func tensors(_ values: [ValueInfo]) -> JSONValue {
            .array(values.map { value in
                .object([
                    "name": .string(value.name),
                    "datatype": .string(KServeDatatype.name(of: value.type.dtype)),
                    "shape": .array(KServeDatatype.metadataShape(value.type.shape).map { .number(Double($0)) }),
                ])
            })
        }
        return .object([
            "name": .string(name),
            "versions": .array([.string(version)]),
            "platform": .string("bale_\(model.info.manifest.target.profile)"),
            "inputs": tensors(model.graph.inputs),
            "outputs": tensors(model.graph.outputs),
        ])
    }
}
