public import BaleBundle
public import BaleGraph

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
    public init(path: String, reader: BundleReader = BundleReader(), threads: Int? = nil) throws(RuntimeError) {
        var sink: GraphSink? = GraphSink()
        let info: BundleInfo
        do {
            info = try reader.read(path, into: &sink)
        } catch {
            throw RuntimeError(sink?.failure?.description ?? error.description)
        }
        guard let loaded = sink, let layout = loaded.layout else {
            throw RuntimeError("'\(path)' holds no \(GraphCoding.graphPath): it is not a built model (bale build makes one)")
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
    }

    /// Threads for a target: the built-in profile's count, all cores for `auto` or unknown.
    static func defaultThreads(for target: Manifest.Target) -> Int {
        switch TargetProfile.builtIn[target.profile]?.threads {
        case .count(let n)?: n
        default: ProcessorCount.active
        }
    }
}

/// Collects `graph.json` and the tensor files it names while a bundle streams past.
private struct GraphSink: BundlePayloadSink {
    var layout: GraphCoding.Layout?
    var tensors: [String: Tensor] = [:]
    /// A decoding failure, kept so the load error names it rather than the reader's wrapper.
    var failure: GraphError?
    private var byFile: [String: (name: String, dtype: DType, shape: [Int])] = [:]
    private var current: (path: String, bytes: [UInt8])?

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        let wanted = file.path == GraphCoding.graphPath || byFile[file.path] != nil
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
