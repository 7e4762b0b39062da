public import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Folds an inference BatchNormalization into the Conv or Gemm that feeds it, scaling the
/// weights and bias per output channel so the BatchNormalization node disappears.
public enum BatchNormFolding {
    /// The graph with every foldable Conv→BatchNormalization and Gemm→BatchNormalization pair
    /// merged.
    public static func run(_ graph: Graph) -> Graph {
        var graph = graph
        var removed = Set<Int>()
        let uses = GraphUses(graph)
        for (index, bn) in graph.nodes.enumerated() where bn.opType == "BatchNormalization" && bn.domain.isEmpty {
            guard bn.inputs.count == 5, bn.outputs.count >= 1, bn.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
                let producerIndex = graph.nodes.firstIndex(where: { $0.outputs.first == bn.inputs[0] }),
                uses.soleConsumer(of: bn.inputs[0]) == index,
                let folding = Folding(bn: bn, graph: graph)
            else { continue }
            let producer = graph.nodes[producerIndex]
            let folded: Node?
            switch producer.opType {
            case "Conv": folded = folding.intoConv(producer, graph: &graph)
            case "Gemm": folded = folding.intoGemm(producer, graph: &graph)
            default: folded = nil
            }
            guard var node = folded else { continue }
            node.outputs[0] = bn.outputs[0]
            graph.nodes[producerIndex] = node
            removed.insert(index)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return DeadNodeElimination.run(graph)
    }

    /// Per-channel `scale / sqrt(var + eps)` and shift of one BatchNormalization.
    private struct Folding {
        var factor: [Float]
        var shift: [Float]
        var name: String

        init?(bn: Node, graph: Graph) {
            guard let scale = graph.initializers[bn.inputs[1]]?.floats, let bias = graph.initializers[bn.inputs[2]]?.floats,
                let mean = graph.initializers[bn.inputs[3]]?.floats, let variance = graph.initializers[bn.inputs[4]]?.floats,
                Set([scale.count, bias.count, mean.count, variance.count]).count == 1
            else { return nil }
            var epsilon: Float = 1e-5
            if case .float(let e)? = bn.attributes["epsilon"] { epsilon = e }
            let factor = zip(scale, variance).map { $0 / sqrt($1 + epsilon) }
            self.factor = factor
            shift = (0..<scale.count).map { bias[$0] - mean[$0] * factor[$0] }
            name = bn.name
        }

        func intoConv(_ conv: Node, graph: inout Graph) -> Node? {
            guard conv.inputs.count >= 2, conv.attributes["activation"] == nil,
                let weight = graph.initializers[conv.inputs[1]], var w = weight.floats,
                let channels = weight.shape.first, channels == factor.count, channels > 0
            else { return nil }
            let perChannel = w.count / channels
            for c in 0..<channels { for i in 0..<perChannel { w[c * perChannel + i] *= factor[c] } }
            var bias = [Float](repeating: 0, count: channels)
            if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
                guard let b = graph.initializers[conv.inputs[2]]?.floats, b.count == channels else { return nil }
                bias = b
            }
            for c in 0..<channels { bias[c] = bias[c] * factor[c] + shift[c] }
            var node = conv
            node.inputs = [conv.inputs[0], "\(name).folded_weight", "\(name).folded_bias"]
            graph.initializers[node.inputs[1]] = Tensor(shape: weight.shape, floats: w)
            graph.initializers[node.inputs[2]] = Tensor(shape: [channels], floats: bias)
            return node
        }

        func intoGemm(_ gemm: Node, graph: inout Graph) -> Node? {
            guard gemm.inputs.count >= 2, gemm.attributes["activation"] == nil,
                let weight = graph.initializers[gemm.inputs[1]], var w = weight.floats, weight.shape.count == 2
            else { return nil }
            let transB = gemm.attributes["transB"] == .int(1)
            let n = transB ? weight.shape[0] : weight.shape[1]
            let k = transB ? weight.shape[1] : weight.shape[0]
            guard n == factor.count else { return nil }
            for row in 0..<k { for col in 0..<n {
                if transB { w[col * k + row] *= factor[col] } else { w[row * n + col] *= factor[col] }
            } }
            var beta: Float = 1
            if case .float(let b)? = gemm.attributes["beta"] { beta = b }
            var bias = [Float](repeating: 0, count: n)
            if gemm.inputs.count > 2, !gemm.inputs[2].isEmpty {
                guard let c = graph.initializers[gemm.inputs[2]], let values = c.floats else { return nil }
                if values.count == n { bias = values.map { $0 * beta } } else if values.count == 1 { bias = .init(repeating: values[0] * beta, count: n) } else { return nil }
            }
            for j in 0..<n { bias[j] = bias[j] * factor[j] + shift[j] }
            var node = gemm
            node.inputs = [gemm.inputs[0], "\(name).folded_weight", "\(name).folded_bias"]
            node.attributes["beta"] = .float(1)
            graph.initializers[node.inputs[1]] = Tensor(shape: weight.shape, floats: w)
            graph.initializers[node.inputs[2]] = Tensor(shape: [n], floats: bias)
            return node
        }
    }
}
