import BaleGraph
import BaleRuntime
import Testing

@Suite struct PassesTests {
    static let input = Tensor(shape: [1, 2, 3, 3], floats: (0..<18).map { Float($0) / 5 - 1 })

    /// x → Conv → BatchNormalization → Relu → y
    static func convBNRelu() -> Graph {
        Graph(
            name: "cbr",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(1), .fixed(2), .fixed(3), .fixed(3)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "scale", "shift", "mean", "var"], outputs: ["n"], attributes: ["epsilon": .float(1e-3)]),
                Node(name: "relu", opType: "Relu", inputs: ["n"], outputs: ["y"]),
            ],
            initializers: [
                "w": Tensor(shape: [2, 2, 3, 3], floats: (0..<36).map { Float(($0 * 7) % 11) / 10 - 0.5 }),
                "b": Tensor(shape: [2], floats: [0.1, -0.2]),
                "scale": Tensor(shape: [2], floats: [1.5, 0.5]),
                "shift": Tensor(shape: [2], floats: [0.3, -0.1]),
                "mean": Tensor(shape: [2], floats: [0.2, -0.4]),
                "var": Tensor(shape: [2], floats: [0.9, 2.0]),
            ])
    }

    static func assertClose(_ a: Tensor?, _ b: Tensor?, tolerance: Float = 1e-5) {
        guard let a, let b else { Issue.record("missing tensor"); return }
        #expect(a.shape == b.shape)
        for (x, y) in zip(a.asFloats, b.asFloats) { #expect(abs(x - y) <= tolerance * max(1, abs(y)), "\(x) vs \(y)") }
    }

    @Test func batchNormAndReluFoldIntoConvWithTheSameResult() throws {
        let graph = Self.convBNRelu()
        let optimized = try Optimizer.optimize(graph)
        #expect(optimized.nodes.map(\.opType) == ["Conv"])
        #expect(optimized.nodes[0].attributes["activation"] == .string("Relu"))
        let before = try Executor(graph: graph).run(["x": Self.input])["y"]
        let after = try Executor(graph: optimized).run(["x": Self.input])["y"]
        Self.assertClose(after, before)
    }

    @Test func batchNormFoldsIntoGemmWithTransB() throws {
        let graph = Graph(
            name: "gbn",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(2), .fixed(3)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "fc", opType: "Gemm", inputs: ["x", "w", "c"], outputs: ["h"], attributes: ["transB": .int(1), "beta": .float(0.5)]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["h", "s", "t", "m", "v"], outputs: ["y"]),
            ],
            initializers: [
                "w": Tensor(shape: [2, 3], floats: [1, 2, 3, -1, 0.5, 2]), "c": Tensor(shape: [2], floats: [1, -1]),
                "s": Tensor(shape: [2], floats: [2, 0.5]), "t": Tensor(shape: [2], floats: [0, 1]),
                "m": Tensor(shape: [2], floats: [1, 2]), "v": Tensor(shape: [2], floats: [4, 1]),
            ])
        let optimized = try Optimizer.optimize(graph)
        #expect(optimized.nodes.map(\.opType) == ["Gemm"])
        let x = Tensor(shape: [2, 3], floats: [1, 0, -1, 2, 3, 0.5])
        Self.assertClose(try Executor(graph: optimized).run(["x": x])["y"], try Executor(graph: graph).run(["x": x])["y"], tolerance: 1e-4)
    }

    @Test func constantSubgraphsFoldAndDeadNodesGo() throws {
        let graph = Graph(
            name: "fold",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(2), .fixed(3)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "t", opType: "Transpose", inputs: ["w"], outputs: ["wt"]),
                Node(name: "unused", opType: "Relu", inputs: ["x"], outputs: ["dead"]),
                Node(name: "mm", opType: "MatMul", inputs: ["x", "wt"], outputs: ["y"]),
            ],
            initializers: ["w": Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])])
        let optimized = try Optimizer.optimize(graph)
        #expect(optimized.nodes.map(\.name) == ["mm"])
        #expect(optimized.initializers["wt"]?.shape == [3, 2])
        #expect(optimized.initializers["w"] == nil)
    }

    @Test func matMulTakesAFollowingBiasAdd() throws {
        let graph = Graph(
            name: "bias",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(2), .fixed(2)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
                Node(name: "add", opType: "Add", inputs: ["bias", "h"], outputs: ["a"]),
                Node(name: "act", opType: "Tanh", inputs: ["a"], outputs: ["y"]),
            ],
            initializers: ["w": Tensor(shape: [2, 3], floats: [1, 0, 2, 0, 1, -1]), "bias": Tensor(shape: [3], floats: [0.5, -0.5, 0])])
        let optimized = try Optimizer.optimize(graph)
        #expect(optimized.nodes.count == 1)
        #expect(optimized.nodes[0].inputs == ["x", "w", "bias"])
        let x = Tensor(shape: [2, 2], floats: [0.1, 0.2, -0.3, 0.4])
        Self.assertClose(try Executor(graph: optimized).run(["x": x])["y"], try Executor(graph: graph).run(["x": x])["y"])
    }
}

@Suite struct ShapeInferenceTests {
    static func gemm(weight: [Int]) -> Graph {
        Graph(
            name: "g",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "fc", opType: "Gemm", inputs: ["x", "w"], outputs: ["h"]),
                Node(name: "flat", opType: "Reshape", inputs: ["h", "s"], outputs: ["y"]),
            ],
            initializers: [
                "w": Tensor(shape: weight, floats: .init(repeating: 1, count: weight.reduce(1, *))),
                "s": Tensor(shape: [1], int64s: [-1]),
            ])
    }

    @Test func namesSymbolicAndScaledDimensions() throws {
        let graph = try ShapeInference.run(Self.gemm(weight: [4, 3]))
        #expect(graph.valueTypes["h"] == TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(3)]))
        #expect(graph.outputs[0].type == TensorType(dtype: .f32, shape: [.symbolic("batch*3")]))
    }

    @Test func aWeightThatDoesNotFitItsUseIsNamed() {
        let error = #expect(throws: RuntimeError.self) { try ShapeInference.run(Self.gemm(weight: [5, 3])) }
        #expect(error?.message.contains("node 'fc' (Gemm)") == true, "\(String(describing: error))")
    }
}
