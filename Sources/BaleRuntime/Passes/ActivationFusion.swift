public import BaleGraph

/// Fuses a following activation into Gemm, MatMul and Conv nodes, and a following bias Add
/// into MatMul (as its third input), so kernels apply them while the output is still in cache.
public enum ActivationFusion {
    /// Producers that take a fused activation, by registry key.
    static let producers: Set<String> = [
        "Gemm", "MatMul", "Conv", DynamicQuantizedMatMul.key, DynamicQuantizedConv.key,
    ]

    /// The graph with every fusable pair merged.
    public static func run(_ graph: Graph) -> Graph {
        var graph = graph
        var changed = true
        while changed {
            changed = false
            let uses = GraphUses(graph)
            for (index, node) in graph.nodes.enumerated()
            where producers.contains(KernelRegistry.key(domain: node.domain, opType: node.opType)) {
                guard let output = node.outputs.first, let consumerIndex = uses.soleConsumer(of: output) else { continue }
                let consumer = graph.nodes[consumerIndex]
                guard consumer.domain.isEmpty, consumer.inputs.first == output || consumer.opType == "Add",
                    var fused = fuse(node, consumer, graph: &graph)
                else { continue }
                fused.outputs = [consumer.outputs[0]]
                graph.nodes[index] = fused
                graph.nodes.remove(at: consumerIndex)
                changed = true
                break
            }
        }
        return DeadNodeElimination.run(graph)
    }

    private static func fuse(_ node: Node, _ consumer: Node, graph: inout Graph) -> Node? {
        guard node.attributes["activation"] == nil else { return nil }
        var fused = node
        switch consumer.opType {
        case "Relu": fused.attributes.merge(FusedActivation.relu.attributes) { $1 }
        case "Sigmoid": fused.attributes.merge(FusedActivation.sigmoid.attributes) { $1 }
        case "Tanh": fused.attributes.merge(FusedActivation.tanh.attributes) { $1 }
        case "LeakyRelu":
            var alpha: Float = 0.01
            if case .float(let a)? = consumer.attributes["alpha"] { alpha = a }
            fused.attributes.merge(FusedActivation.leakyRelu(alpha: alpha).attributes) { $1 }
        case "Clip":
            func bound(_ i: Int, _ fallback: Float) -> Float? {
                guard i < consumer.inputs.count, !consumer.inputs[i].isEmpty else { return fallback }
                guard let t = graph.initializers[consumer.inputs[i]]?.floats, t.count == 1 else { return nil }
                return t[0]
            }
            guard let lo = bound(1, -.infinity), let hi = bound(2, .infinity) else { return nil }
            fused.attributes.merge(FusedActivation.clip(min: lo, max: hi).attributes) { $1 }
        case "Add" where node.opType == "MatMul" && node.inputs.count == 2:
            guard let biasName = consumer.inputs.first(where: { $0 != node.outputs[0] }),
                consumer.inputs.count == 2, let bias = graph.initializers[biasName], bias.dtype == .f32,
                bias.shape.count == 1, let weight = graph.initializers[node.inputs[1]], weight.shape.count == 2,
                weight.shape[1] == bias.count
            else { return nil }
            fused.inputs.append(biasName)
        default:
            return nil
        }
        return fused
    }
}
