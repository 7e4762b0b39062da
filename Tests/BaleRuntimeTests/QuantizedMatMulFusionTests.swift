import BaleGraph
import BaleRuntime
import Testing

/// The int8 MatMul chains `bale build --quantize int8` writes, with X quantized at run time
/// (DynamicQuantizeLinear) or with calibrated constants (QuantizeLinear), fused into one
/// `ai.bale:DynamicQuantizedMatMul` that gives the unfused chain's outputs.
@Suite struct QuantizedMatMulFusionTests {
    enum Mode: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case dynamic, staticConstants
        var testDescription: String { rawValue }
    }

    static let (k, n) = (37, 19)

    /// x [batch, k] → quantize → MatMulInteger(W [k, n]) → Cast → Mul(x_scale · w_scale) → Add(bias) → Relu → y.
    static func chain(_ mode: Mode) -> Graph {
        let quantize: Node
        var initializers: [String: Tensor] = [
            "w": Tensor(shape: [k, n], storage: .i8((0..<(k * n)).map { Int8(truncatingIfNeeded: ($0 * 53) % 255 - 127) })),
            "ws": Tensor(shape: [n], floats: (0..<n).map { 0.001 + Float($0) * 0.0003 }),
            "bias": Tensor(shape: [n], floats: (0..<n).map { Float($0 % 5) * 0.1 - 0.2 }),
        ]
        switch mode {
        case .dynamic:
            quantize = Node(name: "q", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"])
        case .staticConstants:
            quantize = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"])
            initializers["xs"] = Tensor(shape: [], floats: [3.1 / 255])
            initializers["xz"] = Tensor(shape: [], storage: .u8([97]))
        }
        return Graph(
            name: "chain",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(k)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                quantize,
                Node(name: "mm", opType: "MatMulInteger", inputs: ["xq", "w", "xz"], outputs: ["p"]),
                Node(name: "cast", opType: "Cast", inputs: ["p"], outputs: ["pf"], attributes: ["to": .int(1)]),
                Node(name: "scales", opType: "Mul", inputs: ["xs", "ws"], outputs: ["s"]),
                Node(name: "deq", opType: "Mul", inputs: ["pf", "s"], outputs: ["d"]),
                Node(name: "add", opType: "Add", inputs: ["d", "bias"], outputs: ["b"]),
                Node(name: "relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
            ],
            initializers: initializers)
    }

    /// `rows` samples in about -1.2...1.9 (the static range clips the largest ones).
    static func input(rows: Int) -> Tensor {
        Tensor(shape: [rows, k], floats: (0..<(rows * k)).map { Float(($0 * 29) % 97) / 31 - 1.2 })
    }

    @Test(arguments: Mode.allCases, [1, 5, 64])
    func fusedMatchesUnfused(_ mode: Mode, rows: Int) throws {
        let graph = Self.chain(mode)
        let optimised = try Optimizer.optimize(graph)
        #expect(optimised.nodes.map(\.opType) == ["DynamicQuantizedMatMul"], "\(optimised.nodes.map(\.opType))")
        let fused = try #require(optimised.nodes.first)
        #expect(fused.inputs.count == (mode == .dynamic ? 4 : 6), "\(fused.inputs)")
        #expect(fused.attributes["activation"] != nil)
        let x = Self.input(rows: rows)
        for threads in [1, 2] {
            let expected = try Executor(graph: graph, threads: threads).run(["x": x])["y"]
            let actual = try Executor(graph: optimised, threads: threads).run(["x": x])["y"]
            #expect(actual?.shape == expected?.shape)
            #expect(actual?.floats == expected?.floats, "\(mode), \(rows) rows, \(threads) threads")
        }
    }

    /// A static chain whose zero point differs between QuantizeLinear and MatMulInteger computes
    /// something else, so it stays unfused.
    @Test func mismatchedZeroPointsStayUnfused() throws {
        var graph = Self.chain(.staticConstants)
        graph.initializers["xz2"] = Tensor(shape: [], storage: .u8([96]))
        graph.nodes[1].inputs[2] = "xz2"
        let optimised = try Optimizer.optimize(graph)
        #expect(!optimised.nodes.contains { $0.opType == "DynamicQuantizedMatMul" })
        let x = Self.input(rows: 3)
        #expect(try Executor(graph: optimised).run(["x": x])["y"] == Executor(graph: graph).run(["x": x])["y"])
    }

    /// With the range of the input as its constants, the static chain gives the dynamic one's result.
    @Test func staticWithTheInputsOwnRangeEqualsDynamic() throws {
        let x = Self.input(rows: 4)
        let values = try #require(x.floats)
        let (low, high) = (min(0, values.min()!), max(0, values.max()!))
        let scale = (high - low) / 255
        var graph = Self.chain(.staticConstants)
        graph.initializers["xs"] = Tensor(shape: [], floats: [scale])
        graph.initializers["xz"] = Tensor(shape: [], storage: .u8([UInt8((-low / scale).rounded(.toNearestOrEven))]))
        let dynamic = try Executor(graph: Optimizer.optimize(Self.chain(.dynamic))).run(["x": x])["y"]
        let calibrated = try Executor(graph: Optimizer.optimize(graph)).run(["x": x])["y"]
        #expect(calibrated == dynamic)
    }
}
