public import BaleBundle
public import BaleGraph

/// The graph of a bundle without its weights: `graph.json` alone, read while the whole bundle
/// is verified (streaming; weights are checked but never held in memory).
public enum BundledGraph {
    /// Reads and verifies the bundle at `path`, returning its graph layout.
    public static func layout(path: String, reader: BundleReader = BundleReader()) throws(RuntimeError) -> GraphCoding.Layout {
        var sink: GraphJSONSink? = GraphJSONSink()
        do {
            _ = try reader.read(path, into: &sink)
        } catch {
            throw RuntimeError(error.description)
        }
        guard let bytes = sink?.bytes else {
            throw RuntimeError("'\(path)' holds no \(GraphCoding.graphPath): it is not a built model (bale build makes one)")
        }
        do {
            return try GraphCoding.decodeLayout(bytes)
        } catch {
            throw RuntimeError(error.message)
        }
    }

    /// The activation plan of a layout at `batch`, with the declared weights' size.
    public static func memoryPlan(_ layout: GraphCoding.Layout, batch: Int) throws(RuntimeError) -> MemoryPlan {
        let weights = layout.initializers.reduce(0) { $0 + (Shapes.count($1.shape) ?? 0) * $1.dtype.byteSize }
        return try MemoryPlan(graph: layout.graph, bindings: MemoryPlan.batchBindings(layout.graph, batch: batch), weightBytes: weights)
    }
}

/// Keeps `graph.json`'s bytes while a bundle streams past.
private struct GraphJSONSink: BundlePayloadSink {
    var bytes: [UInt8]?
    private var collecting = false

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        collecting = file.path == GraphCoding.graphPath
        if collecting { bytes = [] }
    }

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        if collecting { bytes?.append(contentsOf: chunk) }
    }

    mutating func end(_ file: Manifest.File) throws(BundleError) { collecting = false }
}
