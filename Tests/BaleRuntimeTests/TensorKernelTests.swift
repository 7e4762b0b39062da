import BaleGraph
import BaleRuntime
import Testing

// Expected values come from onnxruntime 1.25 (cross-checked with NumPy); the generator scripts
// build the inputs with the same formulas as `KernelHarness`.

// MARK: - Harness

/// Runs kernels through the registry as the executor does, and compares their outputs.
/// Shared by the kernel suites of this target.
enum KernelHarness {
    /// Runs `op` on `inputs` (`nil` marks an omitted optional input) in a node named `n`.
    static func run(
        _ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], outputs: Int = 1, domain: String = ""
    ) throws(RuntimeError) -> [Tensor] {
        guard let kernel = KernelRegistry.kernel(domain: domain, opType: op) else { throw RuntimeError("no kernel for \(op)") }
        let names = inputs.indices.map { inputs[$0] == nil ? "" : "in\($0)" }
        let outputNames = (0..<outputs).map { "out\($0)" }
        let node = Node(name: "n", opType: op, domain: domain, inputs: names, outputs: outputNames, attributes: attributes)
        return try kernel(KernelContext(node: node, inputs: inputs))
    }

    /// The message of the error that running `op` throws, or `nil` when it succeeds.
    static func failure(
        _ op: String, _ inputs: [Tensor?], _ attributes: [String: Attribute] = [:], outputs: Int = 1, domain: String = ""
    ) -> String? {
        do {
            _ = try run(op, inputs, attributes, outputs: outputs, domain: domain)
            return nil
        } catch {
            return error.message
        }
    }

    /// Expects `tensor` to be f32 of `shape` with values within 1e-5 (relative above magnitude 1) of `expected`.
    static func expectClose(
        _ tensor: Tensor?, shape: [Int], _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(tensor?.shape == shape, sourceLocation: sourceLocation)
        guard let values = tensor?.floats, values.count == expected.count else {
            let got = String(describing: tensor?.storage)
            Issue.record("expected \(expected.count) f32 values, got \(got)", sourceLocation: sourceLocation)
            return
        }
        for (i, (value, want)) in zip(values, expected).enumerated() where !(abs(value - want) <= 1e-5 * max(1, abs(want))) {
            Issue.record("element \(i): \(value) != \(want)", sourceLocation: sourceLocation)
        }
    }

    /// `count` f32 values `((i·7 + seed) mod modulus) / 4 - 1.5` (NumPy: `pattern(shape, seed, mod)`).
    static func pattern(_ shape: [Int], seed: Int = 0, modulus: Int = 13) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, floats: (0..<count).map { Float(($0 * 7 + seed) % modulus) / 4 - 1.5 })
    }

    /// Distinct f32 values `((i·37 + seed) mod count) / 4 - 3` (NumPy: `distinct(shape, seed)`).
    static func distinct(_ shape: [Int], seed: Int = 0) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, floats: (0..<count).map { Float(($0 * 37 + seed) % count) / 4 - 3 })
    }

    /// `0..<count` as f32.
    static func ramp(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map(Float.init))
    }

    /// Small integers as storage of `dtype` (bool: odd values are true).
    static func storage(_ dtype: DType, _ values: [Int]) -> TensorStorage {
        switch dtype {
        case .f32: .f32(values.map { Float($0) })
        case .f16: .f16(values.map { Float16(Float($0)).bitPattern })
        case .i8: .i8(values.map { Int8($0) })
        case .u8: .u8(values.map { UInt8($0) })
        case .i32: .i32(values.map { Int32($0) })
        case .i64: .i64(values.map { Int64($0) })
        case .bool: .bool(values.map { $0 % 2 != 0 })
        }
    }

    /// An i64 tensor of `values` (1-D unless `shape` is given).
    static func ints(_ values: [Int], shape: [Int]? = nil) -> Tensor {
        Tensor(shape: shape ?? [values.count], int64s: values.map(Int64.init))
    }
}

// MARK: - Reshaping

@Suite struct TensorShapeKernelTests {
    @Test(arguments: [(0, [1, 24]), (1, [2, 12]), (2, [6, 4]), (-1, [6, 4]), (3, [24, 1])])
    func flatten(axis: Int, shape: [Int]) throws {
        let data = KernelHarness.ramp([2, 3, 4])
        let result = try KernelHarness.run("Flatten", [data], ["axis": .int(axis)])
        #expect(result == [Tensor(shape: shape, storage: data.storage)])
    }

    @Test(arguments: [
        ([2, 3, 4], [0, -1], 0, [2, 12]),
        ([2, 3, 4], [-1, 0, 2], 0, [4, 3, 2]),
        ([2, 3, 4], [2, 0, 4], 0, [2, 3, 4]),
        ([0, 3], [3, 0], 1, [3, 0]),
    ])
    func reshape(input: [Int], requested: [Int], allowZero: Int, shape: [Int]) throws {
        let data = KernelHarness.ramp(input)
        let result = try KernelHarness.run("Reshape", [data, KernelHarness.ints(requested)], ["allowzero": .int(allowZero)])
        #expect(result == [Tensor(shape: shape, storage: data.storage)])
    }

    @Test func squeezeAndUnsqueeze() throws {
        let data = KernelHarness.ramp([1, 3, 1, 2])
        #expect(try KernelHarness.run("Squeeze", [data]).first?.shape == [3, 2])
        #expect(try KernelHarness.run("Squeeze", [data, KernelHarness.ints([-2])]).first?.shape == [1, 3, 2])
        let pair = KernelHarness.ramp([3, 2])
        #expect(try KernelHarness.run("Unsqueeze", [pair, KernelHarness.ints([0, -1])]).first?.shape == [1, 3, 2, 1])
        let middle = try KernelHarness.run("Unsqueeze", [pair, KernelHarness.ints([1])])
        #expect(middle == [Tensor(shape: [3, 1, 2], storage: pair.storage)])
    }

    @Test(arguments: [(0, nil, [2, 3, 4, 5]), (1, -1, [3, 4]), (-10, 100, [2, 3, 4, 5]), (3, 1, [])] as [(Int, Int?, [Int])])
    func shape(start: Int, end: Int?, expected: [Int]) throws {
        var attributes: [String: Attribute] = ["start": .int(start)]
        attributes["end"] = end.map { .int($0) }
        let result = try KernelHarness.run("Shape", [KernelHarness.ramp([2, 3, 4, 5])], attributes)
        #expect(result == [KernelHarness.ints(expected)])
    }

    @Test func constants() throws {
        let shape = KernelHarness.ints([2, 3])
        #expect(try KernelHarness.run("ConstantOfShape", [shape]) == [Tensor(zeros: .f32, shape: [2, 3])])
        let seven = Tensor(shape: [1], int64s: [7])
        let sevens = Tensor(shape: [2, 3], int64s: Array(repeating: 7, count: 6))
        #expect(try KernelHarness.run("ConstantOfShape", [shape], ["value": .tensor(seven)]) == [sevens])
        #expect(try KernelHarness.run("ConstantOfShape", [KernelHarness.ints([])]) == [Tensor(shape: [], floats: [0])])
        #expect(try KernelHarness.run("Constant", [], ["value": .tensor(seven)]) == [seven])
    }
}

// MARK: - Indexing

/// A Slice call on `0..<60` shaped `[3, 4, 5]`.
struct SliceCase: Sendable, CustomTestStringConvertible {
    var name: String
    var starts: [Int]
    var ends: [Int]
    var axes: [Int]?
    var steps: [Int]?
    var shape: [Int]
    var expected: [Int]
    var testDescription: String { name }
}

@Suite struct TensorIndexingKernelTests {
    @Test(arguments: DType.allCases)
    func transposeAnyType(_ dtype: DType) throws {
        let data = Tensor(shape: [2, 3, 4], storage: KernelHarness.storage(dtype, Array(0..<24)))
        let permuted = try KernelHarness.run("Transpose", [data], ["perm": .ints([1, 2, 0])])
        let expected = [0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23]
        #expect(permuted == [Tensor(shape: [3, 4, 2], storage: KernelHarness.storage(dtype, expected))])
        let reversed = try KernelHarness.run("Transpose", [data])
        let expectedReversed = [0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23]
        #expect(reversed == [Tensor(shape: [4, 3, 2], storage: KernelHarness.storage(dtype, expectedReversed))])
    }

    @Test(arguments: DType.allCases)
    func concatAnyType(_ dtype: DType) throws {
        let first = Tensor(shape: [2, 1, 3], storage: KernelHarness.storage(dtype, Array(0..<6)))
        let second = Tensor(shape: [2, 2, 3], storage: KernelHarness.storage(dtype, Array(10..<22)))
        let middle = try KernelHarness.run("Concat", [first, second], ["axis": .int(1)])
        let expected = [0, 1, 2, 10, 11, 12, 13, 14, 15, 3, 4, 5, 16, 17, 18, 19, 20, 21]
        #expect(middle == [Tensor(shape: [2, 3, 3], storage: KernelHarness.storage(dtype, expected))])
        let third = Tensor(shape: [2, 1, 2], storage: KernelHarness.storage(dtype, Array(10..<14)))
        let last = try KernelHarness.run("Concat", [first, third], ["axis": .int(-1)])
        #expect(last == [Tensor(shape: [2, 1, 5], storage: KernelHarness.storage(dtype, [0, 1, 2, 10, 11, 3, 4, 5, 12, 13]))])
    }

    @Test(arguments: [
        ("equalOverOutputs", [2, 6], nil, [:], [[2, 2], [2, 2], [2, 2]], [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]]),
        ("numOutputsLastSmaller", [2, 7], nil, ["num_outputs": .int(3)], [[2, 3], [2, 3], [2, 1]],
         [[0, 1, 2, 7, 8, 9], [3, 4, 5, 10, 11, 12], [6, 13]]),
        ("splitInput", [2, 7], [1, 4, 2], [:], [[2, 1], [2, 4], [2, 2]], [[0, 7], [1, 2, 3, 4, 8, 9, 10, 11], [5, 6, 12, 13]]),
    ] as [(String, [Int], [Int]?, [String: Attribute], [[Int]], [[Int]])])
    func split(
        name: String, input: [Int], split: [Int]?, attributes: [String: Attribute], shapes: [[Int]], expected: [[Int]]
    ) throws {
        var attributes = attributes
        attributes["axis"] = .int(1)
        let inputs = [KernelHarness.ramp(input), split.map { KernelHarness.ints($0) }]
        let parts = try KernelHarness.run("Split", inputs, attributes, outputs: 3)
        #expect(parts == zip(shapes, expected).map { Tensor(shape: $0, floats: $1.map(Float.init)) })
    }

    static let slices = [
        SliceCase(name: "basic", starts: [0, 1], ends: [2, 3], shape: [2, 2, 5],
                  expected: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]),
        SliceCase(name: "negativeSteps", starts: [-1, 3], ends: [Int(Int64.min), 0], axes: [0, 2], steps: [-1, -2], shape: [3, 4, 2],
                  expected: [43, 41, 48, 46, 53, 51, 58, 56, 23, 21, 28, 26, 33, 31, 38, 36, 3, 1, 8, 6, 13, 11, 18, 16]),
        SliceCase(name: "int64MaxEnd", starts: [1], ends: [Int(Int64.max)], axes: [-1], shape: [3, 4, 4],
                  expected: [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24, 26, 27, 28, 29,
                             31, 32, 33, 34, 36, 37, 38, 39, 41, 42, 43, 44, 46, 47, 48, 49, 51, 52, 53, 54, 56, 57, 58, 59]),
        SliceCase(name: "clamped", starts: [-100, 2], ends: [100, 1000], axes: [1, 2], steps: [2, 1], shape: [3, 2, 3],
                  expected: [2, 3, 4, 12, 13, 14, 22, 23, 24, 32, 33, 34, 42, 43, 44, 52, 53, 54]),
        SliceCase(name: "negativeStepClamped", starts: [100], ends: [-100], axes: [1], steps: [-3], shape: [3, 2, 5],
                  expected: [15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 35, 36, 37, 38, 39, 20, 21, 22, 23, 24, 55, 56, 57, 58, 59, 40, 41, 42, 43, 44]),
        SliceCase(name: "empty", starts: [3], ends: [1], axes: [2], steps: [1], shape: [3, 4, 0], expected: []),
    ]

    @Test(arguments: slices)
    func slice(_ c: SliceCase) throws {
        let inputs = [KernelHarness.ramp([3, 4, 5]), KernelHarness.ints(c.starts), KernelHarness.ints(c.ends),
                      c.axes.map { KernelHarness.ints($0) }, c.steps.map { KernelHarness.ints($0) }]
        #expect(try KernelHarness.run("Slice", inputs) == [Tensor(shape: c.shape, floats: c.expected.map(Float.init))])
    }

    @Test(arguments: [
        ("negative", KernelHarness.ints([-1, 0, -3]), 0, [3, 4], [8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3]),
        ("matrixOnAxis1", KernelHarness.ints([1, -1, 0, 2], shape: [2, 2]), 1, [3, 2, 2], [1, 3, 0, 2, 5, 7, 4, 6, 9, 11, 8, 10]),
        ("scalar", KernelHarness.ints([-2], shape: []), 1, [3], [2, 6, 10]),
        ("i32Indices", Tensor(shape: [2], storage: .i32([2, -3])), 0, [2, 4], [8, 9, 10, 11, 0, 1, 2, 3]),
    ])
    func gather(name: String, indices: Tensor, axis: Int, shape: [Int], expected: [Int]) throws {
        for dtype in DType.allCases {
            let data = Tensor(shape: [3, 4], storage: KernelHarness.storage(dtype, Array(0..<12)))
            let result = try KernelHarness.run("Gather", [data, indices], ["axis": .int(axis)])
            #expect(result == [Tensor(shape: shape, storage: KernelHarness.storage(dtype, expected))], "\(dtype)")
        }
    }

    /// onnxruntime's shapes: `X.shape[..<last] + [Y.count]`, and `[1, Y.count]` for a 1-D X.
    @Test(arguments: [
        ([2, 5], KernelHarness.ints([3, 0, 1]), [2, 3], [3, 0, 1, 8, 5, 6]),
        ([2, 2, 4], KernelHarness.ints([3, 0, 1]), [2, 2, 3], [3, 0, 1, 7, 4, 5, 11, 8, 9, 15, 12, 13]),
        ([5], KernelHarness.ints([3, 0, 1]), [1, 3], [3, 0, 1]),
        ([2, 5], KernelHarness.ints([4, 0], shape: [1, 2]), [2, 2], [4, 0, 9, 5]),
    ])
    func arrayFeatureExtractor(input: [Int], indices: Tensor, shape: [Int], expected: [Int]) throws {
        let result = try KernelHarness.run("ArrayFeatureExtractor", [KernelHarness.ramp(input), indices], domain: "ai.onnx.ml")
        #expect(result == [Tensor(shape: shape, floats: expected.map(Float.init))])
        let integers = Tensor(shape: input, storage: .i32((0..<Int32(input.reduce(1, *))).map { $0 }))
        let typed = try KernelHarness.run("ArrayFeatureExtractor", [integers, indices], domain: "ai.onnx.ml")
        #expect(typed.first?.int64s == expected.map(Int64.init))
    }
}

// MARK: - Errors

/// A kernel call expected to fail with `message`.
struct KernelFailure: Sendable, CustomTestStringConvertible {
    var op: String
    var inputs: [Tensor?]
    var attributes: [String: Attribute] = [:]
    var domain = ""
    var message: String
    var testDescription: String { "\(op): \(message)" }
}

@Suite struct TensorKernelErrorTests {
    static let cases: [KernelFailure] = [
        KernelFailure(op: "Reshape", inputs: [KernelHarness.ramp([2, 3, 4]), KernelHarness.ints([5, -1])],
                      message: "node 'n' (Reshape): cannot reshape [2, 3, 4] (24 elements) to [5, -1]"),
        KernelFailure(op: "Reshape", inputs: [KernelHarness.ramp([2, 3, 4]), KernelHarness.ints([-1, -1])],
                      message: "node 'n' (Reshape): shape [-1, -1] has more than one -1"),
        KernelFailure(op: "Reshape", inputs: [KernelHarness.ramp([2, 3, 4]), KernelHarness.ints([1, 1, 1, 0])],
                      message: "node 'n' (Reshape): shape [1, 1, 1, 0] copies dimension 3 of an input of rank 3"),
        KernelFailure(op: "Flatten", inputs: [KernelHarness.ramp([2, 3])], attributes: ["axis": .int(3)],
                      message: "node 'n' (Flatten): axis 3 is out of range for rank 2"),
        KernelFailure(op: "Transpose", inputs: [KernelHarness.ramp([2, 3])], attributes: ["perm": .ints([0, 0])],
                      message: "node 'n' (Transpose): perm [0, 0] is not a permutation of 2 axes"),
        KernelFailure(op: "Concat", inputs: [KernelHarness.ramp([2, 3]), KernelHarness.ramp([3, 3])], attributes: ["axis": .int(1)],
                      message: "node 'n' (Concat): input 1 shape [3, 3] does not match [2, 3] outside axis 1"),
        KernelFailure(op: "Concat", inputs: [KernelHarness.ramp([2, 3]), KernelHarness.ints([1, 2])], attributes: ["axis": .int(0)],
                      message: "node 'n' (Concat): input 1 is i64, expected f32"),
        KernelFailure(op: "Split", inputs: [KernelHarness.ramp([2, 7]), KernelHarness.ints([3, 3])], attributes: ["axis": .int(1)],
                      message: "node 'n' (Split): split [3, 3] does not cut size 7 of axis 1 into 1 outputs"),
        KernelFailure(op: "Slice", inputs: [KernelHarness.ramp([4]), KernelHarness.ints([0]), KernelHarness.ints([2]), nil, KernelHarness.ints([0])],
                      message: "node 'n' (Slice): step of axis 0 is 0"),
        KernelFailure(op: "Slice", inputs: [KernelHarness.ramp([4]), KernelHarness.ints([0]), KernelHarness.ints([2]), KernelHarness.ints([1])],
                      message: "node 'n' (Slice): axes 1 is out of range for rank 1"),
        KernelFailure(op: "Squeeze", inputs: [KernelHarness.ramp([1, 3]), KernelHarness.ints([1])],
                      message: "node 'n' (Squeeze): cannot squeeze axis 1 of size 3"),
        KernelFailure(op: "Unsqueeze", inputs: [KernelHarness.ramp([3]), KernelHarness.ints([0, -3])],
                      message: "node 'n' (Unsqueeze): axes [0, -3] repeat axis 0"),
        KernelFailure(op: "Gather", inputs: [KernelHarness.ramp([3, 4]), KernelHarness.ints([1, -4])],
                      message: "node 'n' (Gather): index -4 is out of range for size 3"),
        KernelFailure(op: "Gather", inputs: [KernelHarness.ramp([3, 4]), KernelHarness.ramp([1])],
                      message: "node 'n' (Gather): indices must be i32 or i64, got f32"),
        KernelFailure(op: "ConstantOfShape", inputs: [KernelHarness.ints([2, -1])],
                      message: "node 'n' (ConstantOfShape): output shape [2, -1] is invalid or its size overflows"),
        KernelFailure(op: "Constant", inputs: [], message: "node 'n' (Constant): missing tensor attribute 'value'"),
        KernelFailure(op: "ArrayFeatureExtractor", inputs: [KernelHarness.ramp([2, 5]), KernelHarness.ints([5])], domain: "ai.onnx.ml",
                      message: "node 'n' (ArrayFeatureExtractor): index 5 is out of range for size 5"),
        KernelFailure(op: "ArrayFeatureExtractor", inputs: [KernelHarness.ramp([2, 5]), KernelHarness.ints([-1])], domain: "ai.onnx.ml",
                      message: "node 'n' (ArrayFeatureExtractor): index -1 is out of range for size 5"),
    ]

    @Test(arguments: cases)
    func reportsTheNode(_ failure: KernelFailure) {
        #expect(KernelHarness.failure(failure.op, failure.inputs, failure.attributes, domain: failure.domain) == failure.message)
    }
}
