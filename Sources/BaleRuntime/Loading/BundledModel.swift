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
    /// The decoded graph, with the weights the executor keeps as they are (see ``Executor/graph``).
    public let graph: Graph
    /// Bytes of all the bundle's weights as loaded (half-stored f32 tensors count 4 bytes an element).
    public let weightBytes: Int
    /// The executor for the graph.
    public let executor: Executor
    /// The plugin files (config and assets under `plugins/`), by bundle path, verified like
    /// every other file; the plugin registry hands each plugin its own.
    public let pluginFiles: [String: [UInt8]]
    /// The sample files (under `samples/`, see ``BundleSample``), by bundle path, verified like
    /// every other file; empty for bundles without a sample.
    public let sampleFiles: [String: [UInt8]]

    /// Loads and verifies the bundle at `path`.
    /// - Parameters:
    ///   - reader: checks the bundle (limits, signature policy).
    ///   - threads: worker threads; `nil` takes the bundle's target profile (all cores for
    ///     `auto`, else its count).
    ///   - memoryLimit: bytes the model may plan for (weights plus activations at batch 1);
    ///     `nil` takes the profile's `memoryLimitMB` (none for profiles without one). A model
    ///     over the limit is refused with both numbers, and no tensor made while running may
    ///     exceed it (``Executor/maxTensorElements``).
    public init(path: String, reader: BundleReader = BundleReader(), threads: Int? = nil, memoryLimit: UInt64? = nil) throws(RuntimeError) {
        let started = ContinuousClock.now
        var sink: GraphSink? = GraphSink(keepTensors: true, memoryLimit: memoryLimit, decodedLimit: reader.limits.maxTotalBytes)
        let info: BundleInfo
        do {
            info = try reader.read(path, into: &sink)
        } catch {
            throw RuntimeError(sink?.failure?.description ?? error.description)
        }
        guard var loaded = sink, let layout = loaded.layout else {
            throw GraphSink.notABuiltModel(path)
        }
        sink = nil
        // The tensors move into the graph, which moves into the executor: each weight is held
        // once, so the executor can free those its kernels replace with prepared forms.
        var graph = layout.graph
        for initializer in layout.initializers {
            guard let tensor = loaded.tensors.removeValue(forKey: initializer.name) else {
                throw RuntimeError("'\(path)': tensor file '\(initializer.file)' for '\(initializer.name)' is missing")
            }
            graph.initializers[initializer.name] = tensor
        }
        self.info = info
        self.pluginFiles = loaded.pluginFiles
        self.sampleFiles = loaded.sampleFiles
        self.weightBytes = graph.weightBytes
        let memoryLimit = memoryLimit ?? Self.defaultMemoryLimit(for: info.manifest.target)
        self.executor = try Executor(
            graph: consume graph, threads: threads ?? Self.defaultThreads(for: info.manifest.target),
            maxTensorBytes: memoryLimit)
        self.graph = executor.graph
        try checkMemory(limit: memoryLimit)
        Self.logger.debug("loaded and verified model", metadata: [
            "bundle": "\(path)", "id": "\(info.id)", "nodes": "\(self.graph.nodes.count)",
            "threads": "\(executor.threads)", "elapsed": "\(ContinuousClock.now - started)",
        ])
    }

    static let logger = Logger(label: "bale.runtime")

    /// The activation plan at `batch` (the first symbolic input dimension bound to it).
    public func memoryPlan(batch: Int = 1) throws(RuntimeError) -> MemoryPlan {
        try MemoryPlan(graph: graph, bindings: MemoryPlan.batchBindings(graph, batch: batch), weightBytes: weightBytes)
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

/// Collects `graph.json` (and, with `keepTensors`, the tensor files it names, the plugin files
/// under `plugins/` and the sample files under `samples/`) while a bundle streams past, checking
/// that each tensor file's media type gives its `graph.json` encoding; everything else is only
/// verified.
struct GraphSink: BundlePayloadSink {
    /// Whether tensor files are decoded and kept (false: the graph alone, weights unread).
    let keepTensors: Bool
    /// The memory limit given by the caller (else the manifest's profile's, see ``start(_:)``).
    private let memoryLimit: UInt64?
    /// The most bytes the weights may decode to without a memory limit (the reader's limit on
    /// the decoded bundle: sparse files expand up to 32 times).
    private let decodedLimit: UInt64
    /// What the weights may take once decoded, known from the manifest.
    private var weightLimit: (bytes: UInt64, what: String)?
    var layout: GraphCoding.Layout?
    var tensors: [String: Tensor] = [:]
    /// Files under ``pluginDirectory``, by path (with `keepTensors`).
    var pluginFiles: [String: [UInt8]] = [:]
    /// Files under ``sampleDirectory``, by path (with `keepTensors`).
    var sampleFiles: [String: [UInt8]] = [:]
    /// A decoding failure, kept so the load error names it rather than the reader's wrapper.
    var failure: GraphError?
    private var byFile: [String: (name: String, dtype: DType, shape: [Int], encoding: TensorEncoding)] = [:]
    /// The file streaming past: `graph.json`'s bytes, or a tensor decoded as it arrives.
    private var current: Current?

    private enum Current {
        case graph([UInt8])
        case tensor(TensorDecoder, path: String)
        /// A plugin or sample file, kept whole.
        case wholeFile([UInt8])
    }

    /// Where plugin config and assets live in a bundle.
    static let pluginDirectory = "plugins/"
    /// Where a built model's sample input and expected output live (``BundleSample``).
    static let sampleDirectory = "samples/"

    /// The most bytes of `graph.json` read into memory.
    static let maxGraphBytes: UInt64 = 256 << 20
    /// The most bytes of one plugin or sample file kept in memory.
    static let maxKeptFileBytes: UInt64 = 64 << 20

    /// A sink decoding the weights (`keepTensors`) within `memoryLimit` (`nil`: the manifest's
    /// profile's limit, else `decodedLimit`), or reading the graph alone.
    init(keepTensors: Bool, memoryLimit: UInt64? = nil, decodedLimit: UInt64 = .max) {
        (self.keepTensors, self.memoryLimit, self.decodedLimit) = (keepTensors, memoryLimit, decodedLimit)
    }

    mutating func start(_ manifest: Manifest) throws(BundleError) {
        if let memoryLimit {
            weightLimit = (memoryLimit, "the memory limit of \(formatBytes(memoryLimit))")
        } else if let limit = BundledModel.defaultMemoryLimit(for: manifest.target) {
            weightLimit = (limit, "the memory limit of \(formatBytes(limit)) of profile '\(manifest.target.profile)'")
        } else {
            weightLimit = (decodedLimit, "the decoded-bundle limit of \(formatBytes(decodedLimit))")
        }
    }

    /// The error for a bundle without `graph.json` (a packed payload, not a built model).
    static func notABuiltModel(_ path: String) -> RuntimeError {
        RuntimeError("'\(path)' holds no \(GraphCoding.graphPath): it is not a built model (bale build makes one)")
    }

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        current = nil
        do throws(GraphError) {
            if file.path == GraphCoding.graphPath {
                guard file.size <= Self.maxGraphBytes else {
                    throw GraphError("\(GraphCoding.graphPath) is \(formatBytes(file.size)), over the \(formatBytes(Self.maxGraphBytes)) a graph may take")
                }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(Int(file.size))
                current = .graph(bytes)
            } else if let entry = byFile[file.path] {
                // The manifest records each tensor file's encoding in its media type, so that
                // `bale inspect` shows it; graph.json is what decodes it, and the two must agree.
                guard file.mediaType == entry.encoding.mediaType else {
                    throw GraphError("tensor '\(entry.name)': \(GraphCoding.graphPath) says encoding '\(entry.encoding)' (media type '\(entry.encoding.mediaType)'), but the manifest says '\(file.mediaType)'")
                }
                guard keepTensors else { return }
                var decoder = try TensorDecoder(name: entry.name, dtype: entry.dtype, shape: entry.shape, encoding: entry.encoding)
                try decoder.expect(fileSize: file.size)
                current = .tensor(decoder, path: file.path)
            } else if keepTensors, file.path.hasPrefix(Self.pluginDirectory) || file.path.hasPrefix(Self.sampleDirectory) {
                guard file.size <= Self.maxKeptFileBytes else {
                    throw GraphError("'\(file.path)' is \(formatBytes(file.size)), over the \(formatBytes(Self.maxKeptFileBytes)) a plugin or sample file kept in memory may take")
                }
                current = .wholeFile([])
            }
        } catch {
            throw fail(error, path: file.path)
        }
    }

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        switch current {
        case .graph(var bytes)?:
            current = nil
            bytes.append(contentsOf: chunk)
            current = .graph(bytes)
        case .tensor(var decoder, let path)?:
            current = nil  // keeps the decoder's storage uniquely referenced
            do throws(GraphError) { try decoder.append(chunk) } catch { throw fail(error, path: path) }
            current = .tensor(decoder, path: path)
        case .wholeFile(var bytes)?:
            current = nil
            bytes.append(contentsOf: chunk)
            current = .wholeFile(bytes)
        case nil:
            return
        }
    }

    mutating func end(_ file: Manifest.File) throws(BundleError) {
        guard let finished = current else { return }
        current = nil
        do throws(GraphError) {
            switch consume finished {  // the decoder's storage is then referenced once, so finishing edits it in place
            case .graph(let bytes):
                let layout = try GraphCoding.decodeLayout(bytes)
                for entry in layout.initializers {
                    guard BundlePath.precedes(GraphCoding.graphPath, entry.file) else {
                        throw GraphError("\(GraphCoding.graphPath): tensor file '\(entry.file)' must sort after \(GraphCoding.graphPath)")
                    }
                    byFile[entry.file] = (entry.name, entry.dtype, entry.shape, entry.encoding)
                }
                if keepTensors { try checkWeightSize(layout) }
                self.layout = layout
            case .tensor(let decoder, _):
                let name = decoder.name
                tensors[name] = try decoder.finish()
            case .wholeFile(let bytes) where file.path.hasPrefix(Self.sampleDirectory):
                sampleFiles[file.path] = bytes
            case .wholeFile(let bytes):
                pluginFiles[file.path] = bytes
            }
        } catch {
            throw fail(error, path: file.path)
        }
    }

    /// Refuses weights whose shapes decode to more than ``weightLimit`` before any is decoded
    /// (a sparse or zero-filled tensor file can be tiny in the bundle and huge in memory).
    private func checkWeightSize(_ layout: GraphCoding.Layout) throws(GraphError) {
        guard let (limit, what) = weightLimit else { return }
        var total: UInt64 = 0
        for entry in layout.initializers {
            let bytes = Shapes.count(entry.shape)?.multipliedReportingOverflow(by: entry.dtype.byteSize)
            guard let bytes, !bytes.overflow, case (let sum, false) = total.addingReportingOverflow(UInt64(bytes.partialValue)),
                sum <= limit
            else {
                throw GraphError("\(GraphCoding.graphPath): the weights decode to more than \(what) (at tensor '\(entry.name)', \(entry.dtype)\(entry.shape)); refusing to decode them")
            }
            total = sum
        }
    }

    /// Records `error` as the load failure and wraps it for the reader.
    private mutating func fail(_ error: GraphError, path: String) -> BundleError {
        failure = error
        return BundleError(.invalidInput, error.message, path: path)
    }
}
