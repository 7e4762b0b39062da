public import BaleGraph

/// Turns the QDQ patterns of statically quantized models (onnxruntime's `quantize_static`, QDQ
/// format) into integer operators, so their products run on 8-bit operands:
///
/// ```
/// DequantizeLinear(x_q) ─┐
/// DequantizeLinear(w_q) ─┼─ MatMul | Gemm | Conv ─ QuantizeLinear → y_q
/// DequantizeLinear(b_q) ─┘ (optional int32 bias)
/// ```
///
/// becomes `QLinearMatMul` or `QLinearConv(x_q, x_scale, x_zero_point, w_q, w_scale,
/// w_zero_point, y_scale, y_zero_point, b_q)`, reading the 8-bit weight initializer itself.
///
/// A pattern is rewritten only when the result is the same computation: x, y and their scales
/// per tensor, w per tensor or per output channel, a Gemm with `alpha = 1`, `beta = 1` and no
/// `transA` (a `transB` weight is stored transposed, still 8-bit), and a bias whose scale is
/// exactly `x_scale · w_scale` with zero points 0, so it adds to the int32 sums as it is. The
/// result differs from the float pattern only by the float rounding of the sums (see
/// docs/operators.md). Other nodes, the activations' DequantizeLinear and QuantizeLinear between
/// float operators included, stay as they are.
public enum QuantizedFusion {
    /// The graph with every fusable QDQ pattern rewritten.
    public static func run(_ graph: Graph) -> Graph {
        var graph = graph
        let uses = GraphUses(graph)
        var producers: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { producers[output] = index }
        }
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated()
        where node.domain.isEmpty && ["MatMul", "Gemm", "Conv"].contains(node.opType) {
            guard node.outputs.count == 1, node.attributes["activation"] == nil,
                let quantizeIndex = uses.soleConsumer(of: node.outputs[0])
            else { continue }
            var pattern = Pattern(graph: graph, producers: producers)
            guard let fused = pattern.fuse(node, into: graph.nodes[quantizeIndex]) else { continue }
            graph.initializers.merge(pattern.added) { $1 }
            graph.nodes[index] = fused
            removed.insert(quantizeIndex)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return DeadNodeElimination.run(graph)
    }

    /// One MatMul, Gemm or Conv node and its QuantizeLinear consumer, checked and rewritten.
    private struct Pattern {
        let graph: Graph
        /// The node producing each value.
        let producers: [String: Int]
        /// Initializers the rewrite adds (a transposed weight, a flattened bias).
        var added: [String: Tensor] = [:]

        init(graph: Graph, producers: [String: Int]) {
            self.graph = graph
            self.producers = producers
        }

        /// A DequantizeLinear's operands, names and values of its constant scale and zero point.
        struct Dequantized {
            var input: String
            var scale: String
            var zeroPoint: String
            var scales: [Float]
            var zeroPoints: Tensor
            /// The `axis` attribute (default 1).
            var axis: Int
        }

        /// The QDQ node feeding `node` and `quantize`'s output as one integer node, or `nil`.
        mutating func fuse(_ node: Node, into quantize: Node) -> Node? {
            guard quantize.opType == "QuantizeLinear", quantize.domain.isEmpty, quantize.inputs.count == 3,
                quantize.inputs[0] == node.outputs[0], quantize.attributes["block_size"] == nil,
                quantize.attributes["output_dtype"] == nil,
                let y = constantParameters(scale: quantize.inputs[1], zeroPoint: quantize.inputs[2]),
                y.scales.count == 1, y.zeroPoint.count == 1, [.u8, .i8].contains(y.zeroPoint.dtype),
                node.inputs.count >= 2, let x = dequantized(node.inputs[0]), x.scales.count == 1,
                x.zeroPoints.count == 1, [.u8, .i8].contains(x.zeroPoints.dtype),
                let w = dequantized(node.inputs[1]), let weight = graph.initializers[w.input],
                [.u8, .i8].contains(weight.dtype), w.zeroPoints.dtype == weight.dtype
            else { return nil }
            let xInputs = [x.input, x.scale, x.zeroPoint]
            let yInputs = [quantize.inputs[1], quantize.inputs[2]]
            switch node.opType {
            case "Conv":
                guard weight.shape.count >= 3, perOutputChannel(w, axis: 0, of: weight.shape),
                    let bias = bias(node, 2, x: x, w: w, channels: weight.shape[0])
                else { return nil }
                return Node(
                    name: node.name, opType: "QLinearConv", inputs: xInputs + [w.input, w.scale, w.zeroPoint] + yInputs + bias,
                    outputs: quantize.outputs, attributes: node.attributes)
            case "MatMul":
                guard node.inputs.count == 2, weight.shape.count == 2, perOutputChannel(w, axis: 1, of: weight.shape)
                else { return nil }
                return Node(
                    name: node.name, opType: "QLinearMatMul", inputs: xInputs + [w.input, w.scale, w.zeroPoint] + yInputs,
                    outputs: quantize.outputs)
            default:  // Gemm
                let transposed = node.attributes["transB"] == .int(1)
                guard node.attributes["transA"].map({ $0 == .int(0) }) ?? true,
                    node.attributes["alpha"].map({ $0 == .float(1) }) ?? true,
                    node.attributes["beta"].map({ $0 == .float(1) }) ?? true,
                    weight.shape.count == 2, perOutputChannel(w, axis: transposed ? 0 : 1, of: weight.shape),
                    let bias = bias(node, 2, x: x, w: w, channels: weight.shape[transposed ? 0 : 1])
                else { return nil }
                let weightName = transposed ? add(Self.transposed(weight), named: "\(w.input)_transposed") : w.input
                return Node(
                    name: node.name, opType: "QLinearMatMul", inputs: xInputs + [weightName, w.scale, w.zeroPoint] + yInputs + bias,
                    outputs: quantize.outputs)
            }
        }

        /// The DequantizeLinear producing `value`, when its scale and zero point are constants.
        private func dequantized(_ value: String) -> Dequantized? {
            guard let index = producers[value] else { return nil }
            let node = graph.nodes[index]
            guard node.opType == "DequantizeLinear", node.domain.isEmpty, node.inputs.count == 3,
                node.attributes["block_size"] == nil,
                let parameters = constantParameters(scale: node.inputs[1], zeroPoint: node.inputs[2])
            else { return nil }
            var axis = 1
            if case .int(let value)? = node.attributes["axis"] { axis = value }
            return Dequantized(
                input: node.inputs[0], scale: node.inputs[1], zeroPoint: node.inputs[2], scales: parameters.scales,
                zeroPoints: parameters.zeroPoint, axis: axis)
        }

        /// The f32 scales and the zero point tensor, when both are initializers of the same size.
        private func constantParameters(scale: String, zeroPoint: String) -> (scales: [Float], zeroPoint: Tensor)? {
            guard let scales = graph.initializers[scale]?.floats, let point = graph.initializers[zeroPoint],
                scales.count == point.count, scales.count >= 1
            else { return nil }
            return (scales, point)
        }

        /// Whether `w` is quantized per tensor, or per slice of `axis` of a weight of `shape`.
        private func perOutputChannel(_ w: Dequantized, axis: Int, of shape: [Int]) -> Bool {
            guard w.scales.count > 1 else { return true }
            let normalized = w.axis < 0 ? w.axis + shape.count : w.axis
            return normalized == axis && w.scales.count == shape[axis]
        }

        /// The bias input of the fused node: `[]` without a bias, `[b_q]` for a DequantizeLinear of
        /// an int32 constant whose scale is exactly `x_scale · w_scale` (per channel) and whose zero
        /// points are 0, or `nil` when the bias cannot be added to the sums exactly.
        private mutating func bias(_ node: Node, _ index: Int, x: Dequantized, w: Dequantized, channels: Int) -> [String]? {
            guard index < node.inputs.count, !node.inputs[index].isEmpty else { return [] }
            guard let b = dequantized(node.inputs[index]), let values = graph.initializers[b.input],
                values.dtype == .i32, values.count == channels, values.shape.filter({ $0 != 1 }).count <= 1,
                b.zeroPoints.int64s?.allSatisfy({ $0 == 0 }) == true,
                b.scales.count == 1 || b.scales.count == channels
            else { return nil }
            for channel in 0..<channels {
                let expected = x.scales[0] * w.scales[w.scales.count == 1 ? 0 : channel]
                guard b.scales[b.scales.count == 1 ? 0 : channel] == expected else { return nil }
            }
            guard values.shape != [channels] else { return [b.input] }
            return [add(Tensor(shape: [channels], storage: values.storage), named: "\(b.input)_flat")]
        }

        /// Adds `tensor` as an initializer named `base` (made unique); returns its name.
        private mutating func add(_ tensor: Tensor, named base: String) -> String {
            var name = base
            var suffix = 1
            while graph.initializers[name] != nil || added[name] != nil || producers[name] != nil {
                name = "\(base)_\(suffix)"
                suffix += 1
            }
            added[name] = tensor
            return name
        }

        /// The 2-D 8-bit `weight` transposed.
        private static func transposed(_ weight: Tensor) -> Tensor {
            let (rows, columns) = (weight.shape[0], weight.shape[1])
            func swap<T>(_ values: [T]) -> [T] {
                (0..<values.count).map { i in values[(i % rows) * columns + i / rows] }
            }
            let storage: TensorStorage =
                switch weight.storage {
                case .i8(let values): .i8(swap(values))
                case .u8(let values): .u8(swap(values))
                default: weight.storage
                }
            return Tensor(shape: [columns, rows], storage: storage)
        }
    }
}
