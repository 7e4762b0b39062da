public import BaleGraph

/// Infers the type of every value by running the graph on zero-filled probe inputs twice, with
/// each symbolic input dimension bound to 2 and then to 3.
///
/// A dimension that is the same in both runs is fixed; one that follows a symbol is named after
/// it (`batch`), or after a multiple of it (`batch*8`) when it scales with it; anything else is
/// unknown. Running the real kernels keeps inference exact for every operator Bale supports, and
/// doubles as a check that the model runs at all: a model that fails at 2 and 3 but runs with
/// symbolic dimensions bound to 1 (many exports only work at batch 1) keeps the types it
/// declared; one with only float inputs that fails at 1 too is broken (for example, a weight
/// whose shape does not fit its use) and is refused with the failing node named.
public enum ShapeInference {
    /// Probe sizes bound to symbolic dimensions (not 1, which broadcasting treats specially).
    static let probes = (2, 3)

    /// The graph with `valueTypes` filled in for every value the probes reach, and graph outputs
    /// without a declared shape given the inferred one.
    /// - Throws: a ``RuntimeError`` naming the node at fault when the graph cannot run at all.
    public static func run(_ graph: Graph) throws(RuntimeError) -> Graph {
        let executor = try Executor(graph: graph)
        guard let first = try? observe(executor, graph: graph, probe: probes.0),
            let second = try? observe(executor, graph: graph, probe: probes.1)
        else {
            do {
                _ = try observe(executor, graph: graph, probe: 1)
            } catch {
                // Zeros are valid data for float inputs only: an integer input may be a shape,
                // an index or a divisor that zero does not fit.
                if graph.inputs.allSatisfy(\.type.dtype.isFloatingPoint) {
                    throw RuntimeError("the model fails on zero-filled inputs: \(error.message)")
                }
            }
            return graph
        }
        var graph = graph
        let symbol = firstSymbol(graph)
        for (name, a) in first {
            guard let b = second[name], a.dtype == b.dtype, a.shape.count == b.shape.count else { continue }
            let dims = zip(a.shape, b.shape).map { dimension($0, $1, symbol: symbol) }
            graph.valueTypes[name] = TensorType(dtype: a.dtype, shape: dims)
        }
        for index in graph.outputs.indices where graph.outputs[index].type.shape == nil {
            if let inferred = graph.valueTypes[graph.outputs[index].name], inferred.dtype == graph.outputs[index].type.dtype {
                graph.outputs[index].type = inferred
            }
        }
        return graph
    }

    private static func observe(_ executor: Executor, graph: Graph, probe: Int) throws(RuntimeError) -> [String: (dtype: DType, shape: [Int])] {
        var feeds: [String: Tensor] = [:]
        for input in graph.inputs {
            let shape = (input.type.shape ?? []).map { $0.value ?? probe }
            guard let count = Shapes.count(shape), count <= 1 << 24 else { throw RuntimeError("probe too large") }
            feeds[input.name] = Tensor(zeros: input.type.dtype, shape: shape)
        }
        var seen: [String: (dtype: DType, shape: [Int])] = [:]
        _ = try executor.run(feeds) { name, tensor in seen[name] = (tensor.dtype, tensor.shape) }
        return seen
    }

    /// The first symbolic input dimension's name (models rarely have more than one: batch).
    private static func firstSymbol(_ graph: Graph) -> String? {
        for input in graph.inputs {
            for case .symbolic(let name) in input.type.shape ?? [] where !name.isEmpty { return name }
        }
        return nil
    }

    private static func dimension(_ a: Int, _ b: Int, symbol: String?) -> Dim {
        if a == b { return .fixed(a) }
        guard let symbol else { return .symbolic("") }
        if a == probes.0 && b == probes.1 { return .symbolic(symbol) }
        if a % probes.0 == 0, b % probes.1 == 0, a / probes.0 == b / probes.1 { return .symbolic("\(symbol)*\(a / probes.0)") }
        return .symbolic("")
    }
}
