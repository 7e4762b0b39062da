import BaleGraph
import BaleRuntime
import Testing

/// The int8 MatMul chains `bale build --quantize int8` writes, with X quantized at run time
/// (DynamicQuantizeLinear) or with calibrated constants (QuantizeLinear), fused into one
/// `ai.bale:DynamicQuantizedMatMul` that gives the unfused chain's outputs.
@Suite struct QuantizedMatMulFusionTests {
    static let (k, n) = (37, 19)

    /// x [batch, k] → quantize → MatMulInteger(W [k, n]) → Cast → Mul(x_scale · w_scale) → Add(bias) → Relu → y.
    static func chain(_ mode: QuantizationMode) -> Graph {
        QuantizedChain.graph(
            mode, "MatMulInteger", x: [.symbolic("batch"), .fixed(k)], w: [k, n], n: n, scaleShape: [n], biasShape: [n])
    }

    /// `rows` samples in about -1.2...1.9 (the static range clips the largest ones).
    static func input(rows: Int) -> Tensor {
        Tensor(shape: [rows, k], floats: (0..<(rows * k)).map { Float(($0 * 29) % 97) / 31 - 1.2 })
    }

    @Test(arguments: QuantizationMode.allCases, [1, 5, 64])
    func fusedMatchesUnfused(_ mode: QuantizationMode, rows: Int) throws {
        try QuantizedChain.expectFusedMatchesUnfused(
            Self.chain(mode), into: "DynamicQuantizedMatMul", mode, inputs: [("\(rows) rows", Self.input(rows: rows))])
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
