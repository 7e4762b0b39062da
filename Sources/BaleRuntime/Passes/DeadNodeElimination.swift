public import BaleGraph

/// Removes nodes whose outputs nothing uses, and initializers nothing reads.
public enum DeadNodeElimination {
    /// The graph without dead nodes and unused initializers.
    public static func run(_ graph: Graph) -> Graph {
        var graph = graph
        var live = Set(graph.outputs.map(\.name))
        var kept: [Node] = []
        for node in graph.nodes.reversed() where node.outputs.contains(where: live.contains) {
            kept.append(node)
            node.inputs.filter { !$0.isEmpty }.forEach { live.insert($0) }
        }
        graph.nodes = kept.reversed()
        graph.initializers = graph.initializers.filter { live.contains($0.key) }
        graph.valueTypes = graph.valueTypes.filter { live.contains($0.key) }
        return graph
    }
}
