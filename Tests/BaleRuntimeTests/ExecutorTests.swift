import BaleGraph
import Foundation
import BaleRuntime
import Testing

@Suite struct ExecutorTests {
    /// x[batch,2] → Gemm(w, b) → Relu → y
    static func mlp() -> Graph {
        Graph(
            name: "mlp",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)]))],
            nodes: [
                Node(name: "fc", opType: "Gemm", inputs: ["x", "w", "b"], outputs: ["h"]),
                Node(name: "act", opType: "Relu", inputs: ["h"], outputs: ["y"]),
            ],
            initializers: ["w": Tensor(shape: [2, 2], floats: [1, -1, 2, 1]), "b": Tensor(shape: [2], floats: [0, -5])])
    }

    /// x[batch,3] → Gemm(w[3,64]) → y, and the same with a second Gemm reading w (so w is shared).
    static func wide(sharedWeights: Bool) -> Graph {
        let w = Tensor(shape: [3, 64], floats: (0..<192).map { Float($0 % 13) - 6 })
        var nodes = [Node(name: "fc", opType: "Gemm", inputs: ["x", "w"], outputs: ["y"])]
        var outputs = [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(64)]))]
        if sharedWeights {
            nodes.append(Node(name: "fc2", opType: "MatMul", inputs: ["x", "w"], outputs: ["z"]))
            outputs.append(ValueInfo(name: "z", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(64)])))
        }
        return Graph(
            name: "wide", inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(3)]))],
            outputs: outputs, nodes: nodes, initializers: ["w": w])
    }

    /// A weight matrix read by one node is packed in its own storage; one read by two nodes is
    /// packed into copies. Both give the products of the matrix as stored.
    @Test func weightsPackedInPlaceOrCopiedGiveTheSameProducts() throws {
        let inputs: [Float] = [1, -2, 0.5, 3, 0, -1]
        let x = Tensor(shape: [2, 3], floats: inputs)
        let w = Self.wide(sharedWeights: false).initializers["w"]!.asFloats
        var expected = [Float](repeating: 0, count: 2 * 64)
        for row in 0..<2 {
            for column in 0..<64 {
                for depth in 0..<3 { expected[row * 64 + column] += inputs[row * 3 + depth] * w[depth * 64 + column] }
            }
        }
        let alone = try Executor(graph: Self.wide(sharedWeights: false)).run(["x": x])
        #expect(alone["y"] == Tensor(shape: [2, 64], floats: expected))
        let shared = try Executor(graph: Self.wide(sharedWeights: true)).run(["x": x])
        #expect(shared["y"] == Tensor(shape: [2, 64], floats: expected))
        #expect(shared["z"] == Tensor(shape: [2, 64], floats: expected))
    }

    /// No kernel makes a tensor over the executor's limit: a hostile shape fails with an error
    /// naming the node before anything is allocated.
    @Test func tensorsOverTheLimitAreRefusedBeforeAllocation() throws {
        let graph = Graph(
            name: "huge", inputs: [], outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [Node(name: "fill", opType: "ConstantOfShape", inputs: ["shape"], outputs: ["y"])],
            initializers: ["shape": Tensor(shape: [2], int64s: [100_000, 100_000])])
        let limited = try Executor(graph: graph, maxTensorBytes: 1 << 20)
        #expect(limited.maxTensorElements == 1 << 18)
        #expect(throws: RuntimeError.self) { try limited.run([:]) }
        do {
            _ = try limited.run([:])
        } catch {
            #expect(error.description.contains("node 'fill' (ConstantOfShape)"))
            #expect(error.description.contains("10000000000 elements, over the limit of 262144"))
        }
        let unlimited = try Executor(graph: graph)
        #expect(throws: RuntimeError.self) { try unlimited.run([:]) }
    }

    /// Broadcasting outputs (Expand, element-wise ops, MatMul's outer products) are capped too.
    @Test(arguments: [
        ("Expand", ["x", "shape"]), ("Add", ["column", "row"]), ("MatMul", ["column", "row"]),
    ])
    func broadcastOutputsOverTheLimitAreRefused(op: String, inputs: [String]) throws {
        let graph = Graph(
            name: "wide", inputs: [], outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [Node(name: "grow", opType: op, inputs: inputs, outputs: ["y"])],
            initializers: [
                "x": Tensor(shape: [1], floats: [1]), "shape": Tensor(shape: [2], int64s: [100_000, 100_000]),
                "column": Tensor(shape: [100_000, 1], floats: [Float](repeating: 1, count: 100_000)),
                "row": Tensor(shape: [1, 100_000], floats: [Float](repeating: 1, count: 100_000)),
            ])
        let error = #expect(throws: RuntimeError.self) { try Executor(graph: graph, maxTensorBytes: 1 << 20).run([:]) }
        #expect(error?.message.contains("node 'grow' (\(op))") == true, "\(String(describing: error))")
        #expect(error?.message.contains("10000000000 elements, over the limit of 262144") == true, "\(String(describing: error))")
    }

    @Test func runsAGraph() throws {
        let outputs = try Executor(graph: Self.mlp()).run(["x": Tensor(shape: [2, 2], floats: [1, 2, 3, 1])])
        // [1,2]·w = [5, 1] + b = [5, -4] → relu [5, 0]; [3,1]·w = [5, -2] + b → [5, 0]
        #expect(outputs["y"] == Tensor(shape: [2, 2], floats: [5, 0, 5, 0]))
    }

    /// A weight matrix packed at load is held once: the executor drops the original tensor
    /// unless another node reads it as stored.
    @Test func packedWeightsReplaceTheirInitializers() throws {
        let x = Tensor(shape: [2, 2], floats: [1, 2, 3, 1])
        let executor = try Executor(graph: Self.mlp())
        #expect(executor.graph.initializers.keys.sorted() == ["b"])
        #expect(try executor.run(["x": x])["y"] == Tensor(shape: [2, 2], floats: [5, 0, 5, 0]))

        var shared = Self.mlp()
        shared.nodes[1] = Node(name: "act", opType: "Add", inputs: ["h", "w"], outputs: ["y"])
        let keeping = try Executor(graph: shared)
        #expect(keeping.graph.initializers.keys.sorted() == ["b", "w"])
        // h = [[5, -4], [5, -7]] plus w = [[1, -1], [2, 1]]
        #expect(try keeping.run(["x": x])["y"] == Tensor(shape: [2, 2], floats: [6, -5, 7, -6]))
    }

    /// Intermediates share planned buffers (`a` is dead when `e` is made, same type), while `r`, a
    /// graph output, still shares `a`'s elements: reusing the buffer must never change `r`, in
    /// this run or in a returned result of an earlier run.
    @Test func reusedBuffersNeverChangeAnotherValue() throws {
        let type = TensorType(dtype: .f32, shape: [.fixed(2), .fixed(3)])
        let graph = Graph(
            name: "reuse",
            inputs: [ValueInfo(name: "x", type: type)],
            outputs: [
                ValueInfo(name: "r", type: TensorType(dtype: .f32, shape: [.fixed(3), .fixed(2)])),
                ValueInfo(name: "e", type: type),
            ],
            nodes: [
                Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "reshape", opType: "Reshape", inputs: ["a", "shape"], outputs: ["r"]),
                Node(name: "sqrt", opType: "Sqrt", inputs: ["a"], outputs: ["n"]),
                Node(name: "double", opType: "Add", inputs: ["n", "n"], outputs: ["d"]),
                Node(name: "exp", opType: "Exp", inputs: ["d"], outputs: ["e"]),
            ],
            initializers: ["shape": Tensor(shape: [2], int64s: [3, 2])],
            valueTypes: ["a": type, "n": type, "d": type, "e": type])
        let executor = try Executor(graph: graph)
        func expected(_ x: [Float]) -> (r: Tensor, e: Tensor) {
            let relu = x.map { max($0, 0) }
            return (Tensor(shape: [3, 2], floats: relu), Tensor(shape: [2, 3], floats: relu.map { Foundation.exp(2 * $0.squareRoot()) }))
        }
        let first: [Float] = [1, -2, 3, -4, 5, -6]
        let second: [Float] = [-1, 2, -3, 4, -5, 6]
        let one = try executor.run(["x": Tensor(shape: [2, 3], floats: first)])
        let two = try executor.run(["x": Tensor(shape: [2, 3], floats: second)])
        let three = try executor.run(["x": Tensor(shape: [2, 3], floats: first)])
        for (outputs, x) in [(one, first), (two, second), (three, first)] {
            #expect(outputs["r"] == expected(x).r)
            #expect(outputs["e"] == expected(x).e)
        }
    }

    @Test func listsEveryOperatorWithoutAKernel() {
        var graph = Self.mlp()
        graph.nodes += [
            Node(name: "l1", opType: "LSTM", inputs: ["y"], outputs: ["a"]),
            Node(name: "l2", opType: "LSTM", inputs: ["a"], outputs: ["b"]),
            Node(name: "nms", opType: "NonMaxSuppression", inputs: ["b"], outputs: ["c"]),
        ]
        let error = #expect(throws: RuntimeError.self) { try Executor(graph: graph) }
        #expect(error?.message == "no kernel for: LSTM (nodes l1, l2); NonMaxSuppression (nodes nms)")
    }

    @Test func refusesAValueNothingDefines() {
        var graph = Self.mlp()
        graph.nodes[1].inputs = ["ghost"]
        let error = #expect(throws: RuntimeError.self) { try Executor(graph: graph) }
        #expect(error?.message.contains("node 'act' (Relu) uses 'ghost'") == true)
    }

    @Test(arguments: [
        (["x": Tensor(shape: [1, 2], storage: .i64([1, 2]))], "expected f32, got i64"),
        (["x": Tensor(shape: [1, 3], floats: [1, 2, 3])], "dimension 1 is 3, expected 2"),
        (["x": Tensor(shape: [2], floats: [1, 2])], "rank 1, expected 2"),
        ([:], "missing input 'x'"),
        (["x": Tensor(shape: [1, 2], floats: [1, 2]), "z": Tensor(shape: [1], floats: [1])], "unknown input 'z'"),
    ] as [([String: Tensor], String)])
    func refusesBadFeeds(_ feeds: [String: Tensor], _ mention: String) throws {
        let executor = try Executor(graph: Self.mlp())
        let error = #expect(throws: RuntimeError.self) { try executor.run(feeds) }
        #expect(error?.message.contains(mention) == true, "\(String(describing: error))")
    }

    @Test func symbolicDimensionsBindConsistently() throws {
        let graph = Graph(
            name: "add",
            inputs: [
                ValueInfo(name: "a", type: TensorType(dtype: .f32, shape: [.symbolic("n")])),
                ValueInfo(name: "b", type: TensorType(dtype: .f32, shape: [.symbolic("n")])),
            ],
            outputs: [ValueInfo(name: "c", type: TensorType(dtype: .f32, shape: [.symbolic("n")]))],
            nodes: [Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["c"])])
        let executor = try Executor(graph: graph)
        let error = #expect(throws: RuntimeError.self) {
            try executor.run(["a": Tensor(shape: [2], floats: [1, 2]), "b": Tensor(shape: [3], floats: [1, 2, 3])])
        }
        #expect(error?.message.contains("'n' is 2 elsewhere") == true)
    }
}

@Suite struct PreparedKernelTests {
    /// Gemm and MatMul with a constant B pack it once at load; the packed path must give what the
    /// unpacked one gives, bias and fused activation (the packed path's per-block epilogue) included.
    @Test(arguments: [
        ("Gemm", [3, 5], [5, 4], false, false), ("Gemm", [3, 5], [4, 5], true, false), ("Gemm", [30, 5], [4, 5], true, true),
        ("MatMul", [2, 3, 5], [5, 4], false, false), ("MatMul", [2, 30, 5], [5, 4], false, true),
    ])
    func packedWeightsGiveTheSameResult(_ op: String, _ aShape: [Int], _ bShape: [Int], _ transB: Bool, _ epilogue: Bool) throws {
        let a = Tensor(shape: aShape, floats: (0..<aShape.reduce(1, *)).map { Float($0 % 7) - 3 })
        let b = Tensor(shape: bShape, floats: (0..<bShape.reduce(1, *)).map { Float($0 % 5) / 2 - 1 })
        let bias = Tensor(shape: [4], floats: [0.5, -1, 2, -0.25])
        var attributes: [String: Attribute] = transB ? ["transB": .int(1)] : [:]
        if epilogue { attributes["activation"] = .string("Relu") }
        let names = epilogue ? ["a", "b", "c"] : ["a", "b"]
        let inputs = epilogue ? [a, b, bias] : [a, b]
        let node = Node(name: "n", opType: op, inputs: names, outputs: ["y"], attributes: attributes)
        var constants: [Tensor?] = [nil, b]
        let prepared = KernelRegistry.preparers[op]!(node, &constants)
        #expect(prepared != nil)
        let kernel = KernelRegistry.all[op]!
        let packed = try kernel(KernelContext(node: node, inputs: inputs, threads: 2, prepared: prepared))
        let plain = try kernel(KernelContext(node: node, inputs: inputs))
        if epilogue { #expect(packed[0].asFloats.contains(0) && packed[0].asFloats.contains { $0 > 0 }) }
        #expect(packed[0].shape == plain[0].shape)
        for (x, y) in zip(packed[0].asFloats, plain[0].asFloats) { #expect(abs(x - y) <= 1e-4 * max(1, abs(y))) }
    }
}

@Suite struct ThreadedKernelTests {
    /// Conv splits batch items over threads (each with its own im2col scratch); the result must
    /// not depend on the thread count.
    @Test(arguments: [1, 2, 3, 5])
    func convGivesTheSameResultOnAnyThreadCount(_ batch: Int) throws {
        let x = Tensor(shape: [batch, 3, 7, 6], floats: (0..<(batch * 126)).map { Float(($0 * 13) % 29) / 14 - 1 })
        let w = Tensor(shape: [4, 3, 3, 3], floats: (0..<108).map { Float(($0 * 7) % 17) / 8 - 1 })
        let node = Node(name: "c", opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: ["pads": .ints([1, 0, 1, 2])])
        let kernel = KernelRegistry.all["Conv"]!
        let one = try kernel(KernelContext(node: node, inputs: [x, w], threads: 1))
        for threads in [2, 4] {
            #expect(try kernel(KernelContext(node: node, inputs: [x, w], threads: threads)) == one, "\(threads) threads")
        }
    }

    /// Kernels that split large outputs over threads (pooling planes, Gemm row blocks with their
    /// bias and activation epilogue, Conv items with bias and activation) give the same result on
    /// any thread count.
    @Test(arguments: [
        Node(name: "p", opType: "MaxPool", inputs: ["x"], outputs: ["y", "i"],
             attributes: ["kernel_shape": .ints([3, 2]), "pads": .ints([1, 0, 1, 1]), "dilations": .ints([2, 1])]),
        Node(name: "p", opType: "AveragePool", inputs: ["x"], outputs: ["y"],
             attributes: ["kernel_shape": .ints([2, 3]), "strides": .ints([1, 2]), "pads": .ints([1, 1, 0, 1]),
                          "count_include_pad": .int(1)]),
        Node(name: "c", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
             attributes: ["pads": .ints([1, 1, 1, 1]), "activation": .string("Relu")]),
        Node(name: "g", opType: "Gemm", inputs: ["a", "wg", "bg"], outputs: ["y"],
             attributes: ["transB": .int(1), "activation": .string("LeakyRelu"), "activation_alpha": .float(0.1)]),
    ])
    func largeOutputsGiveTheSameResultOnAnyThreadCount(_ node: Node) throws {
        func values(_ shape: [Int], _ seed: Int) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { Float(($0 * seed) % 31) / 15 - 1 })
        }
        let feeds = [
            "x": values([3, 4, 70, 90], 7), "w": values([5, 4, 3, 3], 11), "b": values([5], 3),
            "a": values([100, 9], 13), "wg": values([700, 9], 17), "bg": values([700], 5),
        ]
        let inputs = node.inputs.map { feeds[$0] }
        let kernel = KernelRegistry.all[node.opType]!
        let one = try kernel(KernelContext(node: node, inputs: inputs, threads: 1))
        #expect(one[0].count >= 1 << 15)
        for threads in [2, 3] {
            #expect(try kernel(KernelContext(node: node, inputs: inputs, threads: threads)) == one, "\(threads) threads")
        }
    }
}
