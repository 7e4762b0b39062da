public import BaleGraph

/// Fuses int8 quantization chains — what onnxruntime's `quantize_dynamic` and `bale build
/// --quantize int8` write for a MatMul, Gemm or Conv, with X quantized at run time or, after
/// `bale build --calibration`, with constant parameters:
///
/// ```
/// DynamicQuantizeLinear(X) → (Xq, Xs, Xz)          QuantizeLinear(X, Xs, Xz) → Xq   (Xs, Xz constant)
/// MatMulInteger(Xq, W, Xz[, 0]) → Cast(to f32)     MatMulInteger(Xq, W, Xz[, 0]) → Cast(to f32)
///   → Mul(·, Mul(Xs, Ws)) [→ Add(bias)]              → Mul(·, S) [→ Add(bias)]   (S = Xs · Ws, folded)
/// ```
///
/// (ConvInteger in place of MatMulInteger for a Conv) into one ``DynamicQuantizedMatMul`` or
/// ``DynamicQuantizedConv`` node (static: with Xs and Xz as its inputs 4 and 5), which runs the
/// packed int8 kernel with a fused dequantize-and-bias epilogue. Only exact matches are fused: W
/// a constant i8 tensor (a 2-D matrix, or Conv filters `[M, C/group, (kH,) kW]`) with a zero (or
/// no) zero point, Ws or S a constant of 1 or N values (Conv: `[M, 1, (1,)]`, one per filter),
/// static Xs and Xz single constants (f32, u8), the bias a constant of N values, and every
/// intermediate value read by the chain alone.
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
        for (index, product) in graph.nodes.enumerated() {
            guard let kind = IntegerProduct(product, graph), product.inputs.count >= 3,
                isZero(product.inputs.count > 3 ? product.inputs[3] : "", graph),
                let quantizeIndex = producers[product.inputs[0]], uses.soleConsumer(of: product.inputs[0]) == index,
                let castIndex = uses.soleConsumer(of: product.outputs[0]), let cast = node(castIndex, "Cast"),
                cast.attributes["to"] == .int(1),
                let mulIndex = uses.soleConsumer(of: cast.outputs[0]), let mul = node(mulIndex, "Mul"), mul.inputs.count == 2,
                let scaleName = mul.inputs.first(where: { $0 != cast.outputs[0] }),
                let activation = ActivationQuantization(
                    graph.nodes[quantizeIndex], product: index, scale: scaleName, mul: mulIndex, graph: graph, uses: uses,
                    producers: producers),
                let scales = graph.initializers[activation.scale], kind.isPerColumn(scales, single: true)
            else { continue }
            var remove: Set<Int> = [quantizeIndex, index, castIndex, mulIndex]
            remove.formUnion(activation.nodes)
            var inputs = [graph.nodes[quantizeIndex].inputs[0], product.inputs[1], activation.scale]
            var (output, last) = (mul.outputs[0], mulIndex)
            if let addIndex = uses.soleConsumer(of: output), let add = node(addIndex, "Add"), add.inputs.count == 2,
                let biasName = add.inputs.first(where: { $0 != output }), let bias = graph.initializers[biasName],
                kind.isPerColumn(bias, single: false)
            {
                inputs.append(biasName)
                remove.insert(addIndex)
                (output, last) = (add.outputs[0], addIndex)
            }
            if !activation.staticInputs.isEmpty {
                inputs += Array(repeating: "", count: 4 - inputs.count) + activation.staticInputs
            }
            remove.remove(last)
            let fused = Node(
                name: product.name, opType: kind.fusedOpType, domain: DynamicQuantizedMatMul.domain, inputs: inputs,
                outputs: [output], attributes: kind.attributes)
            return (remove, fused, last)
        }
        return nil
    }

    /// The integer product a chain is built around (MatMulInteger or ConvInteger with constant
    /// i8 weights) and the fused node it becomes.
    private struct IntegerProduct {
        /// The fused operator's type.
        var fusedOpType: String
        /// The fused node's attributes (Conv's window attributes and group).
        var attributes: [String: Attribute]
        /// The constant weights' shape.
        var weights: [Int]

        init?(_ node: Node, _ graph: Graph) {
            guard node.domain.isEmpty, node.inputs.count > 1, let w = graph.initializers[node.inputs[1]], w.dtype == .i8
            else { return nil }
            switch node.opType {
            case "MatMulInteger" where w.shape.count == 2:
                (fusedOpType, attributes) = (DynamicQuantizedMatMul.opType, [:])
            case "ConvInteger" where [3, 4].contains(w.shape.count):
                (fusedOpType, attributes) = (DynamicQuantizedConv.opType, node.attributes)
            default:
                return nil
            }
            weights = w.shape
        }

        /// Whether `constant` is f32 and scales or shifts the product's output per column (a
        /// MatMul's last axis, a Conv's filter axis): `n` values along that axis, or, when
        /// `single`, one value for all.
        func isPerColumn(_ constant: Tensor, single: Bool) -> Bool {
            guard constant.dtype == .f32 else { return false }
            guard fusedOpType == DynamicQuantizedConv.opType else {
                return (single && constant.count == 1) || (constant.count == weights[1] && constant.shape.last == weights[1])
            }
            // Broadcast against Y [N, M, (oH,) oW]: at most Y's rank, 1 on every axis but M's.
            let rank = weights.count
            guard constant.shape.count <= rank else { return false }
            let shape = Array(repeating: 1, count: rank - constant.shape.count) + constant.shape
            let filters = single && constant.count == 1 ? 1 : weights[0]
            return shape == [1, filters] + Array(repeating: 1, count: rank - 2)
        }
    }

    /// How a chain quantizes X: the node producing the product's Xq, checked against the product
    /// and the dequantizing Mul's scale input.
    private struct ActivationQuantization {
        /// The constant the fused node scales by (its input 2).
        var scale: String
        /// The fused node's inputs 4 and 5 (static), or none (dynamic).
        var staticInputs: [String]
        /// Nodes besides the quantizer that the fused node replaces (dynamic: the scales' Mul).
        var nodes: [Int]

        /// - Parameters:
        ///   - quantize: the node producing the product's X (input 0).
        ///   - product: the MatMulInteger's or ConvInteger's index.
        ///   - scale: the dequantizing Mul's other input; `mul`: that Mul's index.
        init?(_ quantize: Node, product: Int, scale: String, mul: Int, graph: Graph, uses: GraphUses, producers: [String: Int]) {
            let integer = graph.nodes[product]
            guard quantize.domain.isEmpty, quantize.outputs.first == integer.inputs[0] else { return nil }
            switch quantize.opType {
            case "DynamicQuantizeLinear":
                // Dequantized by Mul(Xs, Ws), whose result only the chain's Mul reads.
                guard quantize.outputs.count == 3, quantize.outputs[2] == integer.inputs[2],
                    uses.soleConsumer(of: quantize.outputs[2]) == product, uses.soleConsumer(of: scale) == mul,
                    let scalesIndex = producers[scale], graph.nodes[scalesIndex].opType == "Mul",
                    graph.nodes[scalesIndex].domain.isEmpty, graph.nodes[scalesIndex].inputs.count == 2,
                    graph.nodes[scalesIndex].inputs.contains(quantize.outputs[1]),
                    uses.soleConsumer(of: quantize.outputs[1]) == scalesIndex,
                    let weightScales = graph.nodes[scalesIndex].inputs.first(where: { $0 != quantize.outputs[1] })
                else { return nil }
                self.scale = weightScales
                (staticInputs, nodes) = ([], [scalesIndex])
            case "QuantizeLinear":
                // Constant per-tensor u8 parameters, the product reading the same zero point.
                guard quantize.inputs.count == 3, quantize.attributes["block_size"] == nil,
                    quantize.attributes["output_dtype"].map({ [.int(0), .int(2)].contains($0) }) ?? true,
                    let xs = graph.initializers[quantize.inputs[1]], xs.dtype == .f32, xs.count == 1, xs.shape.count <= 1,
                    let xz = graph.initializers[quantize.inputs[2]], xz.dtype == .u8, xz.count == 1, xz.shape.count <= 1,
                    let pz = graph.initializers[integer.inputs[2]], pz.storage == xz.storage, pz.shape.count <= 1
                else { return nil }
                self.scale = scale
                (staticInputs, nodes) = ([quantize.inputs[1], quantize.inputs[2]], [])
            default:
                return nil
            }
        }
    }

    /// Whether `name` is omitted or a constant of zeros.
    private static func isZero(_ name: String, _ graph: Graph) -> Bool {
        guard !name.isEmpty else { return true }
        return graph.initializers[name]?.int64s?.allSatisfy { $0 == 0 } ?? false
    }
}
