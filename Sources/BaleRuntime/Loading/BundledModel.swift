public import BaleBundle
public import BaleGraph
import Logging

/// A model loaded from a bundle: verified, decoded and ready to run.
///
/// Loading streams the bundle once through ``BundleReader`` (every size and digest checked),
/// decoding `graph.json` and each tensor file as it passes; nothing is extracted to disk.
///
/// Example:
/// ```swift
/// let model = try BundledModel(path: "mlp.bale")
/// let outputs = try model.executor.run(["input": input])
/// ```
public struct BundledModel: Sendable {
    /// What the bundle says about itself.
    public let info: BundleInfo
    /// The decoded graph, with its weights.
    public let graph: Graph
    /// The executor for the graph.
    public let executor: Executor

    /// Loads and verifies the bundle at `path`.
    /// - Parameters:
    ///   - reader: checks the bundle (limits, signature policy).
    ///   - threads: worker threads; `nil` takes the bundle's target profile (all cores for
    ///     `auto`, else its count).
    ///   - memoryLimit: bytes the model may plan for (weights plus activations at batch 1);
    ///     `nil` takes the profile's `memoryLimitMB` (none for profiles without one). A model
    ///     over the limit is refused with both numbers.
    public init(path: String, reader: BundleReader = BundleReader(), threads: Int? = nil, memoryLimit: UInt64? = nil) throws(RuntimeError) {
        let started = ContinuousClock.now
        var sink: GraphSink? = GraphSink(keepTensors: true)
        let info: BundleInfo
        do {
            info = try reader.read(path, into: &sink)
        } catch {
            throw RuntimeError(sink?.failure?.description ?? error.description)
        }
        guard let loaded = sink, let layout = loaded.layout else {
            throw GraphSink.notABuiltModel(path)
        }
        var graph = layout.graph
        for initializer in layout.initializers {
            guard let tensor = loaded.tensors[initializer.name] else {
                throw RuntimeError("'\(path)': tensor file '\(initializer.file)' for '\(initializer.name)' is missing")
            }
            graph.initializers[initializer.name] = tensor
        }
        self.info = info
        self.graph = graph
        self.executor = try Executor(graph: graph, threads: threads ?? Self.defaultThreads(for: info.manifest.target))
        try checkMemory(limit: memoryLimit ?? Self.defaultMemoryLimit(for: info.manifest.target))
        Self.logger.debug("loaded and verified model", metadata: [
            "bundle": "\(path)", "id": "\(info.id)", "nodes": "\(graph.nodes.count)",
            "threads": "\(executor.threads)", "elapsed": "\(ContinuousClock.now - started)",
        ])
    }

    static let logger = Logger(label: "bale.runtime")

    /// The activation plan at `batch` (the first symbolic input dimension bound to it).
    public func memoryPlan(batch: Int = 1) throws(RuntimeError) -> MemoryPlan {
        try MemoryPlan(graph: graph, bindings: MemoryPlan.batchBindings(graph, batch: batch))
    }

    /// Refuses the model when weights plus planned activations at batch 1 exceed `limit`.
    /// A graph whose shapes cannot be planned is let through (the limit cannot be checked).
    private func checkMemory(limit: UInt64?) throws(RuntimeError) {
        guard let limit, let plan = try? memoryPlan() else { return }
        let needed = UInt64(plan.weightBytes) + UInt64(plan.peakActivationBytes)
        guard needed <= limit else {
            throw RuntimeError(
                "model needs \(formatBytes(needed)) (weights \(formatBytes(UInt64(plan.weightBytes))) + activations \(formatBytes(UInt64(plan.peakActivationBytes))) at batch 1), over the memory limit of \(formatBytes(limit)) of profile '\(info.manifest.target.profile)'; use --memory-limit to override")
        }
    }

    /// The built-in profile's memory limit in bytes, if it has one.
    static func defaultMemoryLimit(for target: Manifest.Target) -> UInt64? {
        TargetProfile.builtIn[target.profile]?.memoryLimitMB.map { UInt64($0) << 20 }
    }

    /// Threads for a target: the built-in profile's count, all cores for `auto` or unknown.
    static func defaultThreads(for target: Manifest.Target) -> Int {
        switch TargetProfile.builtIn[target.profile]?.threads {
        case .count(let n)?: n
        default: ProcessorCount.active
        }
    }
}

/// Collects `graph.json` (and, with `keepTensors`, the tensor files it names) while a bundle
/// streams past; everything else is only verified.
struct GraphSink: BundlePayloadSink {
    /// Whether tensor files are decoded and kept (false: the graph alone, weights unread).
    let keepTensors: Bool
    var layout: GraphCoding.Layout?
    var tensors: [String: Tensor] = [:]
    /// A decoding failure, kept so the load error names it rather than the reader's wrapper.
    var failure: GraphError?
    private var byFile: [String: (name: String, dtype: DType, shape: [Int])] = [:]
    private var current: (path: String, bytes: [UInt8])?

    init(keepTensors: Bool) { self.keepTensors = keepTensors }

    /// The error for a bundle without `graph.json` (a packed payload, not a built model).
    static func notABuiltModel(_ path: String) -> RuntimeError {
        RuntimeError("'\(path)' holds no \(GraphCoding.graphPath): it is not a built model (bale build makes one)")
    }

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        let wanted = file.path == GraphCoding.graphPath || (keepTensors && byFile[file.path] != nil)
        current = wanted ? (file.path, []) : nil
        if wanted { current!.bytes.reserveCapacity(Int(min(file.size, 1 << 30))) }
    }

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        current?.bytes.append(contentsOf: chunk)
    }

    mutating func end(_ file: Manifest.File) throws(BundleError) {
        guard let (path, bytes) = current else { return }
        current = nil
        do throws(GraphError) {
            if path == GraphCoding.graphPath {
                let layout = try GraphCoding.decodeLayout(bytes)
                for entry in layout.initializers {
                    guard BundlePath.precedes(GraphCoding.graphPath, entry.file) else {
                        throw GraphError("\(GraphCoding.graphPath): tensor file '\(entry.file)' must sort after \(GraphCoding.graphPath)")
                    }
                    byFile[entry.file] = (entry.name, entry.dtype, entry.shape)
                }
                self.layout = layout
            } else if let entry = byFile[path] {
                tensors[entry.name] = try GraphCoding.tensor(from: bytes, dtype: entry.dtype, shape: entry.shape, name: entry.name)
            }
        } catch {
            failure = error
            throw BundleError(.invalidInput, error.message, path: path)
        }
    }
}
