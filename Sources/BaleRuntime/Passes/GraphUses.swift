import BaleGraph

/// Who consumes each value of a graph, for passes that rewrite producer/consumer pairs.
struct GraphUses {
    /// Node indices reading each value.
    private(set) var consumers: [String: [Int]] = [:]
    /// Values the graph returns.
    let graphOutputs: Set<String>

    init(_ graph: Graph) {
        graphOutputs = Set(graph.outputs.map(\.name))
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(index) }
        }
    }

    /// The only node reading `value`, when exactly one does and the graph does not return it.
    func soleConsumer(of value: String) -> Int? {
        guard !graphOutputs.contains(value), let users = consumers[value], users.count == 1 else { return nil }
        return users[0]
    }
}
