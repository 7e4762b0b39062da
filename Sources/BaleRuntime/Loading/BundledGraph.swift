public import BaleBundle
public import BaleGraph

/// The graph of a bundle without its weights: `graph.json` alone, read while the whole bundle
/// is verified (streaming; weights are checked but never held in memory).
public enum BundledGraph {
    /// Reads and verifies the bundle at `path`, returning its graph layout.
    public static func layout(path: String, reader: BundleReader = BundleReader()) throws(RuntimeError) -> GraphCoding.Layout {
        var sink: GraphSink? = GraphSink(keepTensors: false)
        do {
            _ = try reader.read(path, into: &sink)
        } catch {
            throw RuntimeError(sink?.failure?.description ?? error.description)
        }
        guard let layout = sink?.layout else {
            throw GraphSink.notABuiltModel(path)
        }
        return layout
    }

    /// The activation plan of a layout at `batch`, with the declared weights' size.
    public static func memoryPlan(_ layout: GraphCoding.Layout, batch: Int) throws(RuntimeError) -> MemoryPlan {
        let weights = layout.initializers.reduce(0) { $0 + (Shapes.count($1.shape) ?? 0) * $1.dtype.byteSize }
        return try MemoryPlan(graph: layout.graph, bindings: MemoryPlan.batchBindings(layout.graph, batch: batch), weightBytes: weights)
    }
}
