import BaleGraph

/// Structural checks on an imported graph, and topological ordering of its nodes.
///
/// Every value must be produced once (by a graph input, an initializer or one node output),
/// every node input must be produced somewhere, and every graph output must be produced. Nodes
/// already in topological order keep their order; otherwise they are sorted (Kahn's algorithm),
/// and a cycle is reported with the nodes on it.
enum GraphValidator {
    /// Checks `graph` and puts its nodes in topological order.
    static func validate(_ graph: inout Graph) throws(ImportError) {
        var sources: [String: String] = [:]
        for input in graph.inputs { sources[input.name] = "a graph input" }
        for name in graph.initializers.keys { sources[name] = "an initializer" }

        var producer: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if let source = sources[output] {
                    throw ImportError("node '\(node.name)' produces '\(output)', which is also \(source)")
                }
                if let other = producer[output] {
                    throw ImportError(
                        "value '\(output)' is produced twice: by node '\(graph.nodes[other].name)' and node '\(node.name)'"
                    )
                }
                producer[output] = index
            }
        }
        for node in graph.nodes {
            for input in node.inputs where !input.isEmpty && sources[input] == nil && producer[input] == nil {
                throw ImportError(
                    "node '\(node.name)' reads '\(input)', which is not a graph input, an initializer or any node's output (a missing initializer?)"
                )
            }
        }
        for output in graph.outputs where sources[output.name] == nil && producer[output.name] == nil {
            throw ImportError("graph output '\(output.name)' is not produced by any node, graph input or initializer")
        }
        graph.nodes = try topologicalOrder(graph.nodes, producer: producer)
    }

    // MARK: - Ordering

    /// `nodes` in an order where each node follows the producers of its inputs.
    private static func topologicalOrder(_ nodes: [Node], producer: [String: Int]) throws(ImportError) -> [Node] {
        // The producers each node waits for (graph inputs and initializers are always ready).
        let dependencies: [Set<Int>] = nodes.map { node in
            Set(node.inputs.compactMap { producer[$0] })
        }
        let inOrder = dependencies.enumerated().allSatisfy { index, deps in deps.allSatisfy { $0 < index } }
        if inOrder { return nodes }

        var waiting = dependencies.map(\.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (index, deps) in dependencies.enumerated() {
            for dep in deps.sorted() { consumers[dep].append(index) }
        }
        // A first-in first-out queue: `order` doubles as the queue, `head` is the next to release.
        var order = waiting.indices.filter { waiting[$0] == 0 }
        order.reserveCapacity(nodes.count)
        var head = 0
        while head < order.count {
            for consumer in consumers[order[head]] {
                waiting[consumer] -= 1
                if waiting[consumer] == 0 { order.append(consumer) }
            }
            head += 1
        }
        guard order.count == nodes.count else {
            throw cycleError(nodes, dependencies: dependencies, waiting: waiting)
        }
        return order.map { nodes[$0] }
    }

    /// An error naming the nodes of one cycle among the nodes still `waiting`.
    ///
    /// Each waiting node waits for at least one other waiting node, so walking from one to the
    /// node it waits for must revisit a node: the nodes from there on form a cycle.
    private static func cycleError(_ nodes: [Node], dependencies: [Set<Int>], waiting: [Int]) -> ImportError {
        guard var current = waiting.firstIndex(where: { $0 > 0 }) else {
            return ImportError("the graph's nodes could not be ordered")
        }
        var path: [Int] = []
        var seen: [Int: Int] = [:]
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            guard let next = dependencies[current].sorted().first(where: { waiting[$0] > 0 }) else { break }
            current = next
        }
        let cycle = path[(seen[current] ?? 0)...].reversed().map { nodes[$0].name }
        let names = (cycle + [cycle.first ?? ""]).map { "'\($0)'" }.joined(separator: " → ")
        return ImportError("the graph has a cycle through node '\(nodes[current].name)': \(names)")
    }
}
