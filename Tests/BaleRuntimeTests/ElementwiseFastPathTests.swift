import BaleGraph
import BaleRuntime
import Foundation
import Testing

// MARK: - Support

/// Reference implementations, one element at a time with explicit index arithmetic, that the
/// kernels' fast paths (merged broadcasting runs, tight loops, strided transposes, row loops,
/// thread splits) must reproduce.
enum Reference {
    /// Runs `op` with `threads` worker threads.
    static func run(
        _ op: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:], outputs: Int = 1, threads: Int = 1
    ) throws -> [Tensor] {
        let kernel = try #require(KernelRegistry.all[op], "no kernel for \(op)")
        let node = Node(
            name: "n", opType: op, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "x\($0)" },
            outputs: (0..<outputs).map { "y\($0)" }, attributes: attributes)
        return try kernel(KernelContext(node: node, inputs: inputs, threads: threads))
    }

    /// Deterministic values in [-3, 3) (none exactly 0) for a tensor of `shape`.
    static func floats(_ shape: [Int], seed: Int = 0) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, floats: (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 6007) / 1001 - 2.9995 })
    }

    /// The NumPy broadcast of `shapes`.
    static func broadcast(_ shapes: [[Int]]) -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        return (0..<rank).map { d in
            shapes.map { $0.count + d - rank >= 0 ? $0[$0.count + d - rank] : 1 }.first { $0 != 1 } ?? 1
        }
    }

    /// The flat offset in an operand of `shape` of output coordinates `index` (broadcast).
    static func offset(of index: [Int], in shape: [Int]) -> Int {
        var offset = 0
        for (d, size) in shape.enumerated() {
            offset = offset * size + (size == 1 ? 0 : index[index.count - shape.count + d])
        }
        return offset
    }

    /// The coordinates of flat position `flat` in `shape`.
    static func coordinates(_ flat: Int, in shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    /// `op` over the broadcast elements of `a` and `b`.
    static func binary(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        let shape = broadcast([a.shape, b.shape])
        let (x, y) = (a.floats!, b.floats!)
        let values = (0..<shape.reduce(1, *)).map { flat in
            let index = coordinates(flat, in: shape)
            return op(x[offset(of: index, in: a.shape)], y[offset(of: index, in: b.shape)])
        }
        return Tensor(shape: shape, floats: values)
    }

    /// Expects equal shapes and bit-identical elements.
    static func expectIdentical(_ actual: Tensor, _ expected: Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
        #expect(actual.dtype == expected.dtype, sourceLocation: sourceLocation)
        guard let x = actual.floats, let y = expected.floats else {
            #expect(actual.storage == expected.storage, sourceLocation: sourceLocation)
            return
        }
        let mismatch = x.count == y.count ? x.indices.first { x[$0].bitPattern != y[$0].bitPattern } : 0
        #expect(x.count == y.count && mismatch == nil, "first mismatch at \(mismatch ?? -1)", sourceLocation: sourceLocation)
    }

    /// Expects equal shapes and elements within `tolerance` (absolute, and relative above 1).
    static func expectClose(
        _ actual: Tensor, _ expected: Tensor, tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
        let (x, y) = (actual.floats ?? [], expected.floats ?? [])
        let worst = zip(x, y).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(x.count == y.count && worst <= tolerance, "worst error \(worst)", sourceLocation: sourceLocation)
    }
}

/// A pair of shapes for a binary broadcasting case.
struct ShapePair: CustomTestStringConvertible, Sendable {
    let a: [Int]
    let b: [Int]
    init(_ a: [Int], _ b: [Int]) {
        self.a = a
        self.b = b
    }
    var testDescription: String { "\(a) ∘ \(b)" }
}

/// A shape and a permutation of its axes.
struct TransposeCase: CustomTestStringConvertible, Sendable {
    let shape: [Int]
    let perm: [Int]
    init(_ shape: [Int], _ perm: [Int]) {
        self.shape = shape
        self.perm = perm
    }
    var testDescription: String { "\(shape) by \(perm)" }
}

// MARK: - Binary elementwise

@Suite struct ElementwiseFastPathTests {
    /// Same shape, scalars and one-element tensors on either side, suffixes, inner runs, outer
    /// products, ranks 0 to 5, size-0 dimensions and odd sizes.
    static let shapePairs: [ShapePair] = [
        ShapePair([], []), ShapePair([7], [7]), ShapePair([3, 5, 7], [3, 5, 7]),
        ShapePair([], [2, 3]), ShapePair([2, 3], []), ShapePair([1, 1], [5, 3]), ShapePair([4, 9], [1]),
        ShapePair([2, 3, 4, 5], [5]), ShapePair([5], [2, 3, 4, 5]), ShapePair([6, 8, 16], [16]), ShapePair([3, 4], [1, 4]),
        ShapePair([2, 3, 4], [2, 3, 1]), ShapePair([2, 3, 1], [2, 3, 4]), ShapePair([2, 5, 3, 3], [5, 1, 1]),
        ShapePair([3, 1, 5], [1, 4, 1]), ShapePair([4, 1], [1, 5]), ShapePair([1, 5], [4, 1]),
        ShapePair([2, 1, 3, 1, 5], [1, 4, 1, 2, 1]), ShapePair([2, 3, 1, 4, 5], [2, 1, 6, 4, 1]),
        ShapePair([0, 3], [3]), ShapePair([2, 0, 4], [1, 1, 4]), ShapePair([3], [0, 1]), ShapePair([7, 13], [13]),
        ShapePair([13, 1], [13, 11]),
    ]

    static let operators: [(String, @Sendable (Float, Float) -> Float)] = [
        ("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 }),
        ("Max", { Swift.max($0, $1) }), ("Min", { Swift.min($0, $1) }), ("Pow", { Foundation.pow(abs($0), $1) }),
    ]

    @Test(arguments: shapePairs)
    func binaryMatchesReference(_ pair: ShapePair) throws {
        let a = Reference.floats(pair.a, seed: 1)
        let b = Reference.floats(pair.b, seed: 2)
        let base = Tensor(shape: a.shape, floats: a.floats!.map { abs($0) })
        for (op, function) in Self.operators {
            let left = op == "Pow" ? base : a
            let actual = try Reference.run(op, [left, b])[0]
            Reference.expectIdentical(actual, Reference.binary(left, b, function))
        }
    }

    /// Outputs over the parallel threshold, split over two threads, on each kind of run.
    @Test(arguments: [
        ShapePair([300, 257], [300, 257]), ShapePair([300, 257], [257]), ShapePair([300, 1], [300, 257]),
        ShapePair([], [70_001]), ShapePair([3, 1, 211], [1, 113, 211]), ShapePair([67_000, 1], [1, 3]),
    ])
    func binarySplitOverThreadsMatchesReference(_ pair: ShapePair) throws {
        let (a, b) = (Reference.floats(pair.a, seed: 3), Reference.floats(pair.b, seed: 4))
        for (op, function) in Self.operators.prefix(4) {
            Reference.expectIdentical(try Reference.run(op, [a, b], threads: 2)[0], Reference.binary(a, b, function))
        }
    }

    @Test func integerBinaryBroadcasts() throws {
        let a = Tensor(shape: [2, 3, 1], storage: .i32([1, -2, 3, 4, 5, -6]))
        let b = Tensor(shape: [4], storage: .i32([10, 20, 30, 40]))
        let sum = try Reference.run("Add", [a, b])[0]
        let expected = (0..<24).map { Int32([1, -2, 3, 4, 5, -6][$0 / 4] + [10, 20, 30, 40][$0 % 4]) }
        #expect(sum == Tensor(shape: [2, 3, 4], storage: .i32(expected)))
    }

    // MARK: - Other broadcasting walks

    @Test func expandWhereAndReduceSumWalkMergedRows() throws {
        let x = Reference.floats([3, 1, 5])
        let expanded = try Reference.run("Expand", [x, Tensor(shape: [4], int64s: [2, 3, 4, 5])])[0]
        Reference.expectIdentical(expanded, Reference.binary(x, Tensor(zeros: .f32, shape: [2, 3, 4, 5])) { a, _ in a })

        let condition = Tensor(shape: [4, 1], storage: .bool([true, false, false, true]))
        let (a, b) = (Reference.floats([1, 5], seed: 5), Reference.floats([4, 5], seed: 6))
        let selected = try Reference.run("Where", [condition, a, b])[0]
        let expected = (0..<20).map { [true, false, false, true][$0 / 5] ? a.floats![$0 % 5] : b.floats![$0] }
        Reference.expectIdentical(selected, Tensor(shape: [4, 5], floats: expected))

        let y = Reference.floats([2, 3, 4, 5], seed: 7)
        let sums = try Reference.run("ReduceSum", [y, Tensor(shape: [2], int64s: [1, 3])])[0]
        let reference = (0..<8).map { kept in
            let (i, k) = (kept / 4, kept % 4)
            var total = 0.0
            for j in 0..<3 { for l in 0..<5 { total += Double(y.floats![((i * 3 + j) * 4 + k) * 5 + l]) } }
            return Float(total)
        }
        Reference.expectClose(sums, Tensor(shape: [2, 1, 4, 1], floats: reference), tolerance: 1e-6)
    }

    // MARK: - Unary

    /// Erf stays within 2e-7 of libm's over a dense grid, a sweep of every 4099th bit pattern and
    /// the special values.
    @Test func erfIsWithinTwoTenMillionthsOfLibm() throws {
        let grid = (0...1_200_000).map { Float(-6 + 12 * Double($0) / 1_200_000) }
        let sweep = stride(from: UInt32(0), through: UInt32.max - 4098, by: 4099).map { Float(bitPattern: $0) }
        let special: [Float] = [
            0, -0, .infinity, -.infinity, .nan, 1e30, -1e30, .greatestFiniteMagnitude, -.leastNonzeroMagnitude,
            .leastNormalMagnitude, 1e-20, 3.9, 4, 4.1, -3.95,
        ]
        let values = grid + sweep + special
        let actual = try Reference.run("Erf", [Tensor(shape: [values.count], floats: values)], threads: 2)[0].floats!
        var worst: Float = 0
        for (x, y) in zip(values, actual) {
            let expected = Foundation.erf(x)
            if expected.isNaN {
                #expect(y.isNaN, "erf(\(x)) = \(y)")
            } else {
                worst = max(worst, abs(y - expected))
            }
        }
        #expect(worst <= 2e-7, "worst error \(worst)")
        let signs = try Reference.run("Erf", [Tensor(shape: [4], floats: [0, -0, .infinity, -.infinity])])[0].floats!
        #expect(signs.map(\.bitPattern) == [Float(0), -0, 1, -1].map(\.bitPattern))
    }

    @Test(arguments: [[0], [1], [37], [3, 0, 5], [70_001]])
    func unaryMatchesScalarMath(_ shape: [Int]) throws {
        let x = Reference.floats(shape, seed: 8)
        let values = x.floats!
        let cases: [(String, [String: Attribute], (Float) -> Float, Float)] = [
            ("Relu", [:], { max($0, 0) }, 0),
            ("Sigmoid", [:], { 1 / (1 + Foundation.exp(-$0)) }, 0),
            ("Tanh", [:], { Foundation.tanh($0) }, 0),
            ("Exp", [:], { Foundation.exp($0) }, 0),
            ("Sqrt", [:], { abs($0).squareRoot() }, 0),
            ("LeakyRelu", ["alpha": .float(0.2)], { $0 >= 0 ? $0 : 0.2 * $0 }, 0),
            ("Gelu", [:], { 0.5 * $0 * (1 + Foundation.erf($0 * Float(0.5).squareRoot())) }, 1e-6),
        ]
        for (op, attributes, function, tolerance) in cases {
            let input = op == "Sqrt" ? Tensor(shape: shape, floats: values.map(abs)) : x
            let actual = try Reference.run(op, [input], attributes: attributes, threads: 2)[0]
            let expected = Tensor(shape: shape, floats: values.map(function))
            if tolerance == 0 {
                Reference.expectIdentical(actual, expected)
            } else {
                Reference.expectClose(actual, expected, tolerance: tolerance)
            }
        }
    }

    // MARK: - Transpose

    static let transposeCases: [TransposeCase] = [
        TransposeCase([], []), TransposeCase([5], [0]), TransposeCase([3, 5], [1, 0]), TransposeCase([3, 5], [0, 1]),
        TransposeCase([2, 3, 4], [0, 2, 1]), TransposeCase([2, 3, 4], [1, 0, 2]), TransposeCase([2, 3, 4], [1, 2, 0]),
        TransposeCase([2, 3, 4], [2, 0, 1]), TransposeCase([2, 3, 4], [2, 1, 0]),
        TransposeCase([4, 8, 2, 3], [0, 2, 1, 3]), TransposeCase([4, 8, 2, 3], [0, 2, 3, 1]),
        TransposeCase([2, 1, 3, 1, 4], [4, 3, 2, 1, 0]), TransposeCase([2, 1, 3, 1, 4], [1, 0, 3, 2, 4]),
        TransposeCase([2, 3, 1, 4, 5], [3, 0, 4, 2, 1]), TransposeCase([0, 3, 2], [2, 0, 1]),
        TransposeCase([17, 33], [1, 0]), TransposeCase([3, 19, 35], [0, 2, 1]), TransposeCase([300, 301], [1, 0]),
        TransposeCase([5, 70, 41, 7], [2, 0, 3, 1]),
    ]

    @Test(arguments: transposeCases)
    func transposeMatchesReference(_ c: TransposeCase) throws {
        let x = Reference.floats(c.shape, seed: 9)
        let shape = c.perm.map { c.shape[$0] }
        let strides = Shapes.strides(c.shape)
        let sources = (0..<shape.reduce(1, *)).map { flat in
            zip(Reference.coordinates(flat, in: shape), c.perm).reduce(0) { $0 + $1.0 * strides[$1.1] }
        }
        for threads in [1, 2] {
            let actual = try Reference.run("Transpose", [x], attributes: ["perm": .ints(c.perm)], threads: threads)[0]
            Reference.expectIdentical(actual, Tensor(shape: shape, floats: sources.map { x.floats![$0] }))
        }
        // Other element types take the same walk: moving the flat positions shows it.
        let positions = Tensor(shape: c.shape, int64s: (0..<Int64(x.count)).map { $0 })
        let moved = try Reference.run("Transpose", [positions], attributes: ["perm": .ints(c.perm)])[0]
        let expected = sources.map(Int64.init)
        #expect(moved.int64s == expected)
    }

    // MARK: - Rows: LayerNormalization and Softmax

    @Test(arguments: [([6, 16], -1), ([2, 3, 5], 1), ([7], 0), ([0, 4], -1), ([300, 257], -1)])
    func layerNormalizationMatchesReference(_ shape: [Int], _ axis: Int) throws {
        let x = Reference.floats(shape, seed: 10)
        let start = axis < 0 ? axis + shape.count : axis
        let (rows, size) = (shape[..<start].reduce(1, *), shape[start...].reduce(1, *))
        let scale = Reference.floats(Array(shape[start...]), seed: 11)
        let bias = Reference.floats(Array(shape[start...]), seed: 12)
        var (y, means, inverses) = ([Float](), [Float](), [Float]())
        for row in 0..<rows {
            let values = x.floats![(row * size)..<((row + 1) * size)].map(Double.init)
            let mean = values.reduce(0, +) / Double(size)
            let inverse = 1 / (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(size) + 1e-5).squareRoot()
            y += values.indices.map { Float((values[$0] - mean) * inverse) * scale.floats![$0] + bias.floats![$0] }
            (means, inverses) = (means + [Float(mean)], inverses + [Float(inverse)])
        }
        let stats = Array(shape[..<start]) + Array(repeating: 1, count: shape.count - start)
        let outputs = try Reference.run(
            "LayerNormalization", [x, scale, bias], attributes: ["axis": .int(axis)], outputs: 3, threads: 2)
        Reference.expectClose(outputs[0], Tensor(shape: shape, floats: y), tolerance: 2e-6)
        Reference.expectClose(outputs[1], Tensor(shape: stats, floats: means), tolerance: 2e-6)
        Reference.expectClose(outputs[2], Tensor(shape: stats, floats: inverses), tolerance: 2e-6)
    }

    @Test(arguments: [([8, 8], -1), ([3, 4, 5], 1), ([3, 4, 5], 0), ([2, 0, 3], 1), ([5], 0), ([70, 1000], -1), ([40, 70, 30], 1)])
    func softmaxMatchesReference(_ shape: [Int], _ axis: Int) throws {
        let x = Reference.floats(shape, seed: 13)
        let a = axis < 0 ? axis + shape.count : axis
        let (outer, length, inner) = (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
        var (soft, logSoft) = ([Float](repeating: 0, count: x.count), [Float](repeating: 0, count: x.count))
        for o in 0..<outer {
            for i in 0..<inner {
                let line = (0..<length).map { (o * length + $0) * inner + i }
                let values = line.map { Double(x.floats![$0]) }
                let peak = values.max() ?? 0
                let sum = values.map { Foundation.exp($0 - peak) }.reduce(0, +)
                for (j, position) in line.enumerated() {
                    soft[position] = Float(Foundation.exp(values[j] - peak) / sum)
                    logSoft[position] = Float(values[j] - peak - Foundation.log(sum))
                }
            }
        }
        let attributes: [String: Attribute] = ["axis": .int(axis)]
        let softmax = try Reference.run("Softmax", [x], attributes: attributes, threads: 2)[0]
        Reference.expectClose(softmax, Tensor(shape: shape, floats: soft), tolerance: 1e-6)
        let logSoftmax = try Reference.run("LogSoftmax", [x], attributes: attributes, threads: 2)[0]
        Reference.expectClose(logSoftmax, Tensor(shape: shape, floats: logSoft), tolerance: 1e-6)
    }
}
