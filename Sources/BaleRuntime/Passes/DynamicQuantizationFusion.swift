public import BaleGraph

/// Fuses dynamic int8 quantization chains — what onnxruntime's `quantize_dynamic` and
/// `bale build --quantize int8` write for a MatMul or Gemm:
///
/// ```
/// DynamicQuantizeLinear(X) → (Xq, Xs, Xz)
/// MatMulInteger(Xq, W, Xz[, 0]) → Cast(to f32) → Mul(·, Mul(Xs, Ws)) [→ Add(bias)]
/// ```
///
/// into one ``DynamicQuantizedMatMul`` node, which runs the packed int8 kernel with a fused
/// dequantize-and-bias epilogue. Only exact matches are fused: W a constant 2-D i8 matrix with a
/// zero (or no) zero point, Ws a constant of 1 or N values, the bias a constant of N values, and
/// every intermediate value read by the chain alone.
public enum DynamicQuantizationFusion {
    /// The graph with every matching chain fused.
    public static func run(_ graph: Graph) -> Graph {
        var graph = graph
        while let (remove, fused, position) = nextChain(in: graph) {
            graph.nodes[position] = fused
            graph.nodes = graph.nodes.enumerated().filter { !remove.contains($0.offset) }.map(\.element)
        }
        return DeadNodeElimination.run(graph)
    }

    /// The first fusable chain: the node indices it replaces, the fused node, and the index it
    /// takes (the chain's last node, so every input is defined before it).
    private static func nextChain(in graph: Graph) -> (Set<Int>, Node, Int)? {
        let uses = GraphUses(graph)
        var producers: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() { for output in node.outputs { producers[output] = index } }
        func node(_ index: Int?, _ opType: String) -> Node? {
            guard let index, graph.nodes[index].opType == opType, graph.nodes[index].domain.isEmpty else { return nil }
            return graph.nodes[index]
        }
        for (index, product) in graph.nodes.enumerated() where product.opType == "MatMulInteger" && product.domain.isEmpty {
            guard product.inputs.count >= 3, let weights = graph.initializers[product.inputs[1]], weights.dtype == .i8,
                weights.shape.count == 2, isZero(product.inputs.count > 3 ? product.inputs[3] : "", graph),
                let quantizeIndex = producers[product.inputs[0]], let quantize = node(quantizeIndex, "DynamicQuantizeLinear"),
                quantize.outputs.count == 3, quantize.outputs[0] == product.inputs[0], quantize.outputs[2] == product.inputs[2],
                uses.soleConsumer(of: quantize.outputs[0]) == index, uses.soleConsumer(of: quantize.outputs[2]) == index,
                let castIndex = uses.soleConsumer(of: product.outputs[0]), let cast = node(castIndex, "Cast"),
                cast.attributes["to"] == .int(1),
                let mulIndex = uses.soleConsumer(of: cast.outputs[0]), let mul = node(mulIndex, "Mul"), mul.inputs.count == 2,
                let scaleName = mul.inputs.first(where: { $0 != cast.outputs[0] }),
                let scalesIndex = producers[scaleName], let scales = node(scalesIndex, "Mul"), scales.inputs.count == 2,
                uses.soleConsumer(of: scaleName) == mulIndex, uses.soleConsumer(of: quantize.outputs[1]) == scalesIndex,
                let weightScales = scales.inputs.first(where: { $0 != quantize.outputs[1] }),
                scales.inputs.contains(quantize.outputs[1]),
                let ws = graph.initializers[weightScales], ws.dtype == .f32, [1, weights.shape[1]].contains(ws.count)
            else { continue }
            var remove: Set<Int> = [quantizeIndex, index, castIndex, scalesIndex, mulIndex]
            var inputs = [quantize.inputs[0], product.inputs[1], weightScales]
            var (output, last) = (mul.outputs[0], mulIndex)
            if let addIndex = uses.soleConsumer(of: output), let add = node(addIndex, "Add"), add.inputs.count == 2,
                let biasName = add.inputs.first(where: { $0 != output }), let bias = graph.initializers[biasName],
                bias.dtype == .f32, bias.count == weights.shape[1], bias.shape.last == weights.shape[1]
            {
                inputs.append(biasName)
                remove.insert(addIndex)
                (output, last) = (add.outputs[0], addIndex)
            }
            remove.remove(last)
            let fused = Node(
                name: product.name, opType: DynamicQuantizedMatMul.opType, domain: DynamicQuantizedMatMul.domain,
                inputs: inputs, outputs: [output])
            return (remove, fused, last)
        }
        return nil
    }

    /// Whether `name` is omitted or a constant of zeros.
    private static func isZero(_ name: String, _ graph: Graph) -> Bool {
        guard !name.isEmpty else { return true }
        return graph.initializers[name]?.int64s?.allSatisfy { $0 == 0 } ?? false
    }
}
