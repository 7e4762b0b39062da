public import BaleGraph

/// Evaluates nodes whose inputs are all constants at build time, turning their outputs into
/// initializers (shape arithmetic, Constant nodes, weight transposes, ...).
public enum ConstantFolding {
    /// Outputs larger than this many elements stay computed at run time, so folding never
    /// bloats a bundle (e.g. a ConstantOfShape making a huge mask).
    public static let maxFoldedElements = 1 << 20

    /// The graph with every foldable node evaluated.
    /// - Throws: a ``RuntimeError`` when evaluating a constant node fails (the model is broken).
    public static func run(_ graph: Graph) throws(RuntimeError) -> Graph {
        var graph = graph
        let outputs = Set(graph.outputs.map(\.name))
        var kept: [Node] = []
        for node in graph.nodes {
            guard isFoldable(node, graph: graph, graphOutputs: outputs),
                let kernel = KernelRegistry.kernel(domain: node.domain, opType: node.opType)
            else {
                kept.append(node)
                continue
            }
            let inputs = node.inputs.map { $0.isEmpty ? nil : graph.initializers[$0] }
            let results = try kernel(KernelContext(node: node, inputs: inputs))
            guard results.count >= node.outputs.filter({ !$0.isEmpty }).count,
                results.allSatisfy({ $0.count <= maxFoldedElements })
            else {
                kept.append(node)
                continue
            }
            for (name, tensor) in zip(node.outputs, results) where !name.isEmpty {
                graph.initializers[name] = tensor
            }
        }
        graph.nodes = kept
        return graph
    }

    private static func isFoldable(_ node: Node, graph: Graph, graphOutputs: Set<String>) -> Bool {
        // Dropout and Identity of a constant are folded too; graph outputs stay computed so the
        // graph keeps producing them from a node.
        guard !node.outputs.contains(where: graphOutputs.contains) else { return false }
        // DequantizeLinear of a constant (8-bit weights, int32 biases) stays: folding it would
        // turn quantized weights back into f32 ones four times their size, and QuantizedFusion
        // needs the quantized tensors to run the products on integer kernels.
        guard !(node.opType == "DequantizeLinear" && node.domain.isEmpty) else { return false }
        return node.inputs.allSatisfy { $0.isEmpty || graph.initializers[$0] != nil }
    }
}
