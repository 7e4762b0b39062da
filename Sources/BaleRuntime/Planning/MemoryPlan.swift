public import BaleGraph

/// Where every intermediate value of a graph would live in one activation arena, planned from
/// value lifetimes: a buffer is reused once the value in it is dead.
///
/// Sizes come from the graph's value types (declared or inferred at build time), with symbolic
/// dimensions bound (`batch` → the batch size; `batch*8` → 8 × it). Placement is greedy by size,
/// largest first, at the lowest offset free for the value's whole lifetime, as TFLite's arena
/// planner does.
///
/// Example:
/// ```swift
/// let plan = try MemoryPlan(graph: graph, bindings: ["batch": 1])
/// print(plan.peakActivationBytes)
/// ```
public struct MemoryPlan: Sendable {
    /// One planned value.
    public struct Slot: Sendable, Hashable {
        /// Byte offset in the arena.
        public var offset: Int
        /// Byte size.
        public var size: Int
        /// First and last step (node index) the value is alive in; inputs start at -1.
        public var lifetime: ClosedRange<Int>
    }

    /// Bytes of all weights (initializers).
    public let weightBytes: Int
    /// Size the arena needs: the highest end of any slot.
    public let peakActivationBytes: Int
    /// Sum of all activation sizes without reuse, for comparison.
    public let unplannedBytes: Int
    /// Slot per value name (graph inputs, intermediates and outputs).
    public let slots: [String: Slot]

    /// Plans `graph` with symbolic dimensions bound by `bindings` (a missing binding is 1).
    /// - Parameter weightBytes: the weights' size when `graph` carries no initializer data
    ///   (a graph read from `graph.json` alone); by default the initializers' size.
    /// - Throws: a ``RuntimeError`` naming a value whose size is unknown or overflows.
    public init(graph: Graph, bindings: [String: Int] = [:], weightBytes: Int? = nil) throws(RuntimeError) {
        var lifetimes: [String: ClosedRange<Int>] = [:]
        let end = graph.nodes.count
        for input in graph.inputs { lifetimes[input.name] = -1 ... -1 }
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { lifetimes[output] = index ... index }
            for input in node.inputs where !input.isEmpty && graph.initializers[input] == nil {
                if let range = lifetimes[input] { lifetimes[input] = range.lowerBound ... index }
            }
        }
        for output in graph.outputs { if let range = lifetimes[output.name] { lifetimes[output.name] = range.lowerBound ... end } }

        var types = graph.valueTypes
        for value in graph.inputs + graph.outputs where types[value.name]?.shape == nil { types[value.name] = value.type }
        var sized: [(name: String, size: Int, lifetime: ClosedRange<Int>)] = []
        for (name, lifetime) in lifetimes {
            guard let type = types[name], let dims = type.shape else {
                throw RuntimeError("cannot plan memory: the shape of '\(name)' is unknown")
            }
            sized.append((name, try Self.bytes(dims, dtype: type.dtype, bindings: bindings, name: name), lifetime))
        }
        // Largest first; ties by name so the plan is deterministic.
        sized.sort { ($0.size, $1.name) > ($1.size, $0.name) }
        var placed: [String: Slot] = [:]
        var peak = 0
        for value in sized {
            let overlapping = placed.values.filter { $0.lifetime.overlaps(value.lifetime) }.sorted { $0.offset < $1.offset }
            var offset = 0
            for other in overlapping where other.offset < offset + value.size && offset < other.offset + other.size {
                offset = other.offset + other.size
            }
            placed[value.name] = Slot(offset: offset, size: value.size, lifetime: value.lifetime)
            peak = max(peak, offset + value.size)
        }
        self.weightBytes = weightBytes ?? graph.weightBytes
        peakActivationBytes = peak
        unplannedBytes = sized.reduce(0) { $0 + $1.size }
        slots = placed
    }

    /// Bindings that set every input's leading symbolic dimension (the batch) to `batch`.
    public static func batchBindings(_ graph: Graph, batch: Int) -> [String: Int] {
        var bindings: [String: Int] = [:]
        for input in graph.inputs {
            if case .symbolic(let name)? = input.type.shape?.first, !name.isEmpty { bindings[name] = batch }
        }
        return bindings
    }

    /// Byte size of a value with `dims` of `dtype`, aligned up to 64 bytes.
    static func bytes(_ dims: [Dim], dtype: DType, bindings: [String: Int], name: String) throws(RuntimeError) -> Int {
        var count = 1
        for dim in dims {
            guard let size = resolve(dim, bindings: bindings) else {
                throw RuntimeError("cannot plan memory: a dimension of '\(name)' is unknown")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw RuntimeError("cannot plan memory: '\(name)' is too large") }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes <= Int.max - 64 else { throw RuntimeError("cannot plan memory: '\(name)' is too large") }
        return (bytes + 63) / 64 * 64
    }

    /// The size of a dimension: fixed, a bound symbol, or `symbol*k` (as shape inference names
    /// dimensions that scale with a symbol).
    static func resolve(_ dim: Dim, bindings: [String: Int]) -> Int? {
        switch dim {
        case .fixed(let n): return n
        case .symbolic(let name):
            guard !name.isEmpty else { return nil }
            let parts = name.split(separator: "*", maxSplits: 1)
            let base = bindings[String(parts[0])] ?? 1
            guard parts.count == 2 else { return base }
            guard let factor = Int(parts[1]) else { return nil }
            let (product, overflow) = base.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
    }
}
