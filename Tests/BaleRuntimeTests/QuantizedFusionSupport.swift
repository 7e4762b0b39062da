import BaleGraph
import BaleRuntime
import Testing

/// How an int8 chain quantizes X: at run time (DynamicQuantizeLinear) or with calibrated
/// constants (QuantizeLinear).
enum QuantizationMode: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case dynamic, staticConstants
    var testDescription: String { rawValue }
}

/// What the fused int8 chain tests share: the chain, and the check that a chain fuses
/// into one node giving the unfused chain's outputs.
enum QuantizedChain {
    /// x → quantize → `opType`(xq, w, xz) with `attributes` → Cast → Mul(x_scale · w_scale) →
    /// Add(bias) → Relu → y, for an X of shape `x`, with `n` weight scales and biases shaped
    /// `scaleShape` and `biasShape`; static x_scale 3.1 / 255 and x_zero_point 97.
    static func graph(
        _ mode: QuantizationMode, _ opType: String, attributes: [String: Attribute] = [:], x: [Dim], w: [Int], n: Int,
        scaleShape: [Int], biasShape: [Int]
    ) -> Graph {
        let count = w.reduce(1, *)
        var initializers: [String: Tensor] = [
            "w": Tensor(shape: w, storage: .i8((0..<count).map { Int8(truncatingIfNeeded: ($0 * 53) % 255 - 127) })),
            "ws": Tensor(shape: scaleShape, floats: (0..<n).map { 0.001 + Float($0) * 0.0003 }),
            "bias": Tensor(shape: biasShape, floats: (0..<n).map { Float($0 % 5) * 0.1 - 0.2 }),
        ]
        let quantize: Node
        switch mode {
        case .dynamic:
            quantize = Node(name: "q", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"])
        case .staticConstants:
            initializers["xs"] = Tensor(shape: [], floats: [3.1 / 255])
            initializers["xz"] = Tensor(shape: [], storage: .u8([97]))
            quantize = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"])
        }
        return Graph(
            name: "chain",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: x))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                quantize,
                Node(name: "product", opType: opType, inputs: ["xq", "w", "xz"], outputs: ["p"], attributes: attributes),
                Node(name: "cast", opType: "Cast", inputs: ["p"], outputs: ["pf"], attributes: ["to": .int(1)]),
                Node(name: "scales", opType: "Mul", inputs: ["xs", "ws"], outputs: ["s"]),
                Node(name: "deq", opType: "Mul", inputs: ["pf", "s"], outputs: ["d"]),
                Node(name: "add", opType: "Add", inputs: ["d", "bias"], outputs: ["b"]),
                Node(name: "relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
            ],
            initializers: initializers)
    }

    /// `graph` optimised, expected to be one `opType` node with the mode's inputs and the fused
    /// activation, whose output `y` equals the unfused chain's bit for bit on every input of
    /// `inputs` at 1 and 2 threads.
    static func expectFusedMatchesUnfused(
        _ graph: Graph, into opType: String, _ mode: QuantizationMode, inputs: [(String, Tensor)]
    ) throws {
        let optimised = try Optimizer.optimize(graph)
        #expect(optimised.nodes.map(\.opType) == [opType], "\(optimised.nodes.map(\.opType))")
        let fused = try #require(optimised.nodes.first)
        #expect(fused.inputs.count == (mode == .dynamic ? 4 : 6), "\(fused.inputs)")
        #expect(fused.attributes["activation"] != nil)
        for (label, x) in inputs {
            for threads in [1, 2] {
                let expected = try Executor(graph: graph, threads: threads).run(["x": x])["y"]
                let actual = try Executor(graph: optimised, threads: threads).run(["x": x])["y"]
                #expect(actual?.shape == expected?.shape)
                #expect(actual?.floats == expected?.floats, "\(mode), \(label), \(threads) threads")
            }
        }
    }
}
