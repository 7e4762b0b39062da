public import BaleGraph
import BaleRuntime

/// Build-time int8 quantization: the constant weights of Gemm, MatMul and Conv nodes become
/// symmetric int8 per output channel, and their activations are quantized per tensor, at run
/// time (dynamic) or with constants from an ``ActivationCalibration`` (static).
///
/// Each quantized node is rewritten into standard ONNX operators, the same form onnxruntime's
/// `quantize_dynamic` produces, so one set of integer kernels serves both:
///
/// ```
/// X ─ DynamicQuantizeLinear ─ Xq, Xs, Xz        (static: QuantizeLinear(X, Xs, Xz) ─ Xq, Xs and Xz constants)
/// MatMulInteger(Xq, Wq, Xz)  (ConvInteger for Conv)  → int32
/// Cast(to f32) · (Xs · Ws) + bias → the fused activation, if any
/// ```
///
/// With static parameters `Xs · Ws` is a constant that optimisation folds, and the MatMul chains
/// fuse into the same packed int8 kernel as the dynamic ones (`DynamicQuantizationFusion`).
///
/// `Ws` holds one scale per output channel (`max |w| / 127`, the node's `alpha` folded in) and
/// `Wq = round(w / Ws)` in `-127...127`. Nodes that cannot be rewritten this way (a non-constant
/// weight, Gemm with `transA`, a bias that is not one value per output channel) stay fp32.
public enum Int8Quantizer {
    /// What was quantized.
    public struct Report: Sendable, Hashable {
        /// Names of the nodes rewritten to int8.
        public var quantized: [String]
        /// Names of the Gemm, MatMul and Conv nodes left in fp32.
        public var skipped: [String]
    }

    /// The activations (input 0) of the nodes ``quantize(_:calibration:)`` rewrites, in node order.
    public static func activations(in graph: Graph) -> [String] {
        var seen = Set<String>()
        return graph.nodes.filter { isCandidate($0) && Plan($0, graph) != nil }.map { $0.inputs[0] }
            .filter { seen.insert($0).inserted }
    }

    /// Whether `node` is a Gemm, MatMul or Conv, the operators this quantizes.
    private static func isCandidate(_ node: Node) -> Bool {
        ["Gemm", "MatMul", "Conv"].contains(node.opType) && node.domain.isEmpty
    }

    /// Rewrites every eligible node of `graph` in place.
    /// - Parameter calibration: constant activation parameters (static quantization) for the
    ///   activations it has measured; the others are quantized at run time.
    public static func quantize(_ graph: inout Graph, calibration: ActivationCalibration? = nil) -> Report {
        var names = Set(graph.initializers.keys).union(graph.inputs.map(\.name))
        for node in graph.nodes { names.formUnion(node.outputs) }
        var report = Report(quantized: [], skipped: [])
        var nodes: [Node] = []
        for node in graph.nodes {
            guard isCandidate(node) else {
                nodes.append(node)
                continue
            }
            guard let plan = Plan(node, graph) else {
                report.skipped.append(node.name)
                nodes.append(node)
                continue
            }
            nodes += plan.rewrite(into: &graph, names: &names, activation: calibration?.parameters(of: node.inputs[0]))
            report.quantized.append(node.name)
        }
        graph.nodes = nodes
        return report
    }

    /// One eligible node: its activation input, int8 weights, scales and bias.
    private struct Plan {
        var node: Node
        var isConv: Bool
        /// The weights quantized, laid out as the integer op reads them (`[K, N]` or Conv's `[M, C/g, kH, kW]`).
        var weights: Tensor
        /// One scale per output channel.
        var scales: [Float]
        /// One bias per output channel, or `nil`.
        var bias: [Float]?
        var activation: FusedActivation?

        init?(_ node: Node, _ graph: Graph) {
            guard node.inputs.count >= 2, let w = graph.initializers[node.inputs[1]], let values = w.floats else { return nil }
            let context = KernelContext(node: node, inputs: [])
            let activation: FusedActivation?
            do { activation = try FusedActivation(context) } catch { return nil }
            let biasTensor = node.inputs.count > 2 && !node.inputs[2].isEmpty ? graph.initializers[node.inputs[2]] : nil
            if node.inputs.count > 2 && !node.inputs[2].isEmpty && biasTensor?.floats == nil { return nil }
            (self.node, self.activation) = (node, activation)
            switch node.opType {
            case "Conv":
                guard w.shape.count >= 3, w.shape[0] > 0 else { return nil }
                isConv = true
                let channels = w.shape[0]
                let quantized = Self.quantizeRows(values, rows: channels)
                (weights, scales) = (Tensor(shape: w.shape, storage: .i8(quantized.values)), quantized.scales)
                bias = biasTensor?.floats
                if let bias, bias.count != channels { return nil }
            case "Gemm":
                guard w.shape.count == 2, (try? context.int("transA", 0)) == 0,
                    let alpha = try? context.float("alpha", 1), let beta = try? context.float("beta", 1)
                else { return nil }
                let transB = (try? context.int("transB", 0)) == 1
                let (k, n) = transB ? (w.shape[1], w.shape[0]) : (w.shape[0], w.shape[1])
                // Per output column: with transB the stored rows are the columns.
                let rowsFirst = transB ? values : Self.transpose(values, rows: k, columns: n)
                let quantized = Self.quantizeRows(rowsFirst, rows: n)
                isConv = false
                weights = Tensor(shape: [k, n], storage: .i8(Self.transpose(quantized.values, rows: n, columns: k)))
                scales = quantized.scales.map { $0 * alpha }
                if let c = biasTensor {
                    guard c.count == n, (c.shape.last ?? 1) == n, let cs = c.floats else { return nil }
                    bias = cs.map { $0 * beta }
                }
            default:  // MatMul, with the Bale bias extension as input 2
                guard w.shape.count == 2 else { return nil }
                let (k, n) = (w.shape[0], w.shape[1])
                let quantized = Self.quantizeRows(Self.transpose(values, rows: k, columns: n), rows: n)
                isConv = false
                weights = Tensor(shape: [k, n], storage: .i8(Self.transpose(quantized.values, rows: n, columns: k)))
                scales = quantized.scales
                bias = biasTensor?.floats
                if let bias, bias.count != n { return nil }
            }
        }

        /// The nodes replacing `node`; new initializers go into `graph`, new names into `names`.
        /// - Parameter activation: X's constant scale and zero point (static), or `nil` (dynamic).
        func rewrite(
            into graph: inout Graph, names: inout Set<String>, activation parameters: (scale: Float, zeroPoint: UInt8)?
        ) -> [Node] {
            func fresh(_ suffix: String) -> String {
                var name = "\(node.name)/int8/\(suffix)"
                while names.contains(name) { name += "_" }
                names.insert(name)
                return name
            }
            let channels = scales.count
            let shape = isConv ? [channels] + Array(repeating: 1, count: weights.shape.count - 2) : [channels]
            let (wq, ws) = (fresh("weights"), fresh("weight_scales"))
            graph.initializers[wq] = weights
            graph.initializers[ws] = Tensor(shape: shape, floats: scales)
            let (xq, xs, xz, product, widened, scale, scaled) = (
                fresh("x"), fresh("x_scale"), fresh("x_zero_point"), fresh("product"), fresh("product_f32"), fresh("scale"),
                fresh("scaled"))
            var quantize = Node(name: fresh("quantize"), opType: "DynamicQuantizeLinear", inputs: [node.inputs[0]], outputs: [xq, xs, xz])
            if let parameters {
                graph.initializers[xs] = Tensor(shape: [], floats: [parameters.scale])
                graph.initializers[xz] = Tensor(shape: [], storage: .u8([parameters.zeroPoint]))
                quantize = Node(name: quantize.name, opType: "QuantizeLinear", inputs: [node.inputs[0], xs, xz], outputs: [xq])
            }
            var nodes = [
                quantize,
                Node(
                    name: fresh(isConv ? "conv" : "matmul"), opType: isConv ? "ConvInteger" : "MatMulInteger",
                    inputs: [xq, wq, xz], outputs: [product],
                    attributes: isConv ? node.attributes.filter { !$0.key.hasPrefix("activation") } : [:]),
                Node(name: fresh("cast"), opType: "Cast", inputs: [product], outputs: [widened], attributes: ["to": .int(1)]),
                Node(name: fresh("combine_scales"), opType: "Mul", inputs: [xs, ws], outputs: [scale]),
            ]
            var last = scaled
            nodes.append(Node(name: fresh("dequantize"), opType: "Mul", inputs: [widened, scale], outputs: [scaled]))
            if let bias {
                let (b, biased) = (fresh("bias"), fresh("biased"))
                graph.initializers[b] = Tensor(shape: shape, floats: bias)
                nodes.append(Node(name: fresh("add_bias"), opType: "Add", inputs: [last, b], outputs: [biased]))
                last = biased
            }
            if let activation {
                let activated = fresh("activated")
                nodes.append(activationNode(activation, input: last, output: activated, graph: &graph, fresh: fresh))
                last = activated
            }
            // The last node takes over the original output name, so the rest of the graph is untouched.
            nodes[nodes.count - 1].outputs = [node.outputs[0]]
            return nodes
        }

        /// A standalone node computing a fused activation.
        private func activationNode(
            _ activation: FusedActivation, input: String, output: String, graph: inout Graph, fresh: (String) -> String
        ) -> Node {
            let name = fresh("activation")
            switch activation {
            case .relu: return Node(name: name, opType: "Relu", inputs: [input], outputs: [output])
            case .sigmoid: return Node(name: name, opType: "Sigmoid", inputs: [input], outputs: [output])
            case .tanh: return Node(name: name, opType: "Tanh", inputs: [input], outputs: [output])
            case .leakyRelu(let alpha):
                return Node(name: name, opType: "LeakyRelu", inputs: [input], outputs: [output], attributes: ["alpha": .float(alpha)])
            case .clip(let lo, let hi):
                let (low, high) = (fresh("clip_min"), fresh("clip_max"))
                graph.initializers[low] = Tensor(shape: [], floats: [lo])
                graph.initializers[high] = Tensor(shape: [], floats: [hi])
                return Node(name: name, opType: "Clip", inputs: [input, low, high], outputs: [output])
            }
        }

        /// Symmetric int8 quantization of each of `rows` equal rows of `values`.
        static func quantizeRows(_ values: [Float], rows: Int) -> (values: [Int8], scales: [Float]) {
            let width = rows > 0 ? values.count / rows : 0
            var quantized = [Int8](repeating: 0, count: values.count)
            var scales = [Float](repeating: 1, count: rows)
            for row in 0..<rows {
                let slice = values[(row * width)..<((row + 1) * width)]
                let largest = slice.reduce(Float(0)) { max($0, $1.isFinite ? abs($1) : 0) }
                let scale = largest > 0 ? largest / 127 : 1
                scales[row] = scale
                for (offset, value) in slice.enumerated() {
                    let q = (value / scale).rounded(.toNearestOrEven)
                    quantized[row * width + offset] = Int8(q.isNaN ? 0 : min(127, max(-127, q)))
                }
            }
            return (quantized, scales)
        }

        /// The `columns × rows` transpose of a row-major `rows × columns` matrix.
        static func transpose<T>(_ values: [T], rows: Int, columns: Int) -> [T] {
            guard let first = values.first else { return values }
            var result = [T](repeating: first, count: values.count)
            for r in 0..<rows {
                for c in 0..<columns { result[c * rows + r] = values[r * columns + c] }
            }
            return result
        }
    }
}
