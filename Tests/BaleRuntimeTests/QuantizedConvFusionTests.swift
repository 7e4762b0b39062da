import BaleGraph
import BaleRuntime
import Testing

/// The int8 Conv chains `bale build --quantize int8` writes, with X quantized at run time
/// (DynamicQuantizeLinear) or with calibrated constants (QuantizeLinear), fused into one
/// `ai.bale:DynamicQuantizedConv` that gives the unfused chain's outputs bit for bit: the fused
/// epilogue rounds `Float(sum) · (x_scale · w_scale) + bias` after each operation, as the Cast,
/// Mul and Add nodes do, and the int32 sums are exact in both.
@Suite struct QuantizedConvFusionTests {
    /// One convolution: input channels and spatial size, filters, kernel, and Conv's attributes.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var channels: Int
        var spatial: [Int]
        var filters: Int
        var kernel: [Int]
        var attributes: [String: Attribute] = [:]
        var testDescription: String { name }

        var groups: Int {
            if case .int(let g)? = attributes["group"] { return g }
            return 1
        }
    }

    static let cases: [Case] = [
        Case(name: "3x3, pads 1", channels: 3, spatial: [9, 9], filters: 8, kernel: [3, 3], attributes: ["pads": .ints([1, 1, 1, 1])]),
        Case(
            name: "strides, dilations, uneven pads", channels: 4, spatial: [11, 10], filters: 6, kernel: [3, 2],
            attributes: ["strides": .ints([2, 1]), "dilations": .ints([2, 1]), "pads": .ints([1, 0, 2, 1])]),
        Case(name: "1x1", channels: 5, spatial: [7, 6], filters: 4, kernel: [1, 1]),
        Case(name: "SAME_UPPER, 13 filters", channels: 7, spatial: [5, 8], filters: 13, kernel: [3, 3],
             attributes: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])]),
        Case(name: "1-D", channels: 3, spatial: [20], filters: 5, kernel: [4], attributes: ["strides": .ints([2]), "pads": .ints([1, 2])]),
        Case(name: "3 groups", channels: 6, spatial: [6, 7], filters: 6, kernel: [3, 3], attributes: ["group": .int(3), "pads": .ints([1, 1, 1, 1])]),
        // Large enough (m·n·k over 2^19) for the product to split its rows over 2 threads at batch 1.
        Case(name: "threaded rows", channels: 16, spatial: [32, 32], filters: 32, kernel: [3, 3], attributes: ["pads": .ints([1, 1, 1, 1])]),
        Case(name: "depthwise", channels: 4, spatial: [8, 8], filters: 4, kernel: [3, 3],
             attributes: ["group": .int(4), "pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]),
    ]

    /// x → quantize → ConvInteger(W) → Cast → Mul(x_scale · w_scale) → Add(bias) → Relu → y, with
    /// the scales and bias shaped `[M, 1, (1,)]` as `bale build` writes them.
    static func chain(_ mode: QuantizationMode, _ c: Case, scaleShape: [Int]? = nil) -> Graph {
        let perFilter = [c.filters] + Array(repeating: 1, count: c.kernel.count)
        return QuantizedChain.graph(
            mode, "ConvInteger", attributes: c.attributes,
            x: [.symbolic("batch"), .fixed(c.channels)] + c.spatial.map { .fixed($0) },
            w: [c.filters, c.channels / c.groups] + c.kernel, n: c.filters, scaleShape: scaleShape ?? perFilter,
            biasShape: perFilter)
    }

    /// `batch` samples in about -1.2...1.9 (the static range clips the largest ones).
    static func input(_ c: Case, batch: Int) -> Tensor {
        let shape = [batch, c.channels] + c.spatial
        return Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { Float(($0 * 29) % 97) / 31 - 1.2 })
    }

    @Test(arguments: QuantizationMode.allCases, cases)
    func fusedMatchesUnfused(_ mode: QuantizationMode, _ c: Case) throws {
        try QuantizedChain.expectFusedMatchesUnfused(
            Self.chain(mode, c), into: "DynamicQuantizedConv", mode,
            inputs: [1, 3].map { ("batch \($0)", Self.input(c, batch: $0)) })
    }

    /// A scale shaped `[M]` broadcasts along Y's last (width) axis, not per filter: it computes
    /// something else, so the chain stays unfused.
    @Test func scaleAlongTheWidthStaysUnfused() throws {
        let c = Case(name: "width = filters", channels: 2, spatial: [5, 6], filters: 6, kernel: [1, 1])
        let graph = Self.chain(.dynamic, c, scaleShape: [c.filters])
        let optimised = try Optimizer.optimize(graph)
        #expect(!optimised.nodes.contains { $0.opType == "DynamicQuantizedConv" })
        let x = Self.input(c, batch: 2)
        #expect(try Executor(graph: optimised).run(["x": x])["y"] == Executor(graph: graph).run(["x": x])["y"])
    }

    /// The packed filters replace W: the executor drops the i8 initializer, and the prepared
    /// kernel gives what packing at run time gives.
    @Test func filtersArePackedAtLoad() throws {
        let c = Self.cases[5]  // 3 groups
        let optimised = try Optimizer.optimize(Self.chain(.dynamic, c))
        let executor = try Executor(graph: optimised)
        #expect(executor.graph.initializers["w"] == nil)
        let x = Self.input(c, batch: 2)
        let fused = try #require(optimised.nodes.first)
        let inputs: [Tensor?] = [x] + fused.inputs.dropFirst().map { optimised.initializers[$0] }
        let kernel = try #require(KernelRegistry.kernel(domain: fused.domain, opType: fused.opType))
        let unprepared = try kernel(KernelContext(node: fused, inputs: inputs))
        #expect(try executor.run(["x": x])["y"] == unprepared.first)
    }
}
