import BaleGraph
import BaleRuntime
import Testing

// Expected values come from onnxruntime 1.25, each Conv case also checked against a direct NumPy
// convolution; inputs are `KernelHarness.pattern` / `distinct` (see TensorKernelTests.swift).

// MARK: - Conv

/// A Conv call: X = pattern(x, seed 1), W = pattern(w, seed 3, mod 11), B = pattern([M], seed 5).
struct ConvCase: Sendable, CustomTestStringConvertible {
    var name: String
    var x: [Int]
    var w: [Int]
    var bias: Bool
    var attributes: [String: Attribute]
    var shape: [Int]
    var expected: [Float]
    var testDescription: String { name }

    /// The Conv inputs.
    var inputs: [Tensor?] {
        [
            KernelHarness.pattern(x, seed: 1), KernelHarness.pattern(w, seed: 3, modulus: 11),
            bias ? KernelHarness.pattern([w[0]], seed: 5) : nil,
        ]
    }
}

@Suite struct ConvKernelTests {
    static let cases = [
        ConvCase(
            name: "padded", x: [1, 2, 5, 5], w: [3, 2, 3, 3], bias: true,
            attributes: ["pads": .ints([1, 1, 1, 1])], shape: [1, 3, 5, 5],
            expected: [
                -0.375, -0.9375, -1.25, -1.5625, -0.5, -0.25, 0.3125, 5.0625, -3.1875, 5.0625, 0.4375, 3.75, -1.25, -0.5625,
                -0.9375, -0.5, -4.1875, -1.0625, 1.25, -1.25, -0.625, -2.375, 1.8125, -2.125, 0.25, 0.125, 4.6875, 0.0625, 4.375,
                -1.0625, 0.9375, 5.0625, -3.125, 6.5625, -1.8125, 1.5, -3.375, 5.5, -2.6875, 3.75, 0.4375, 3.625, 2.75, 1.0625, 2,
                -0.375, 3.5625, -1.375, -0.625, 1.5625, 0.125, -0.5, -1.1875, -1.875, -0.75, 0.25, 1.75, 2.625, -1.375, 2.5, 0.6875,
                2.0625, 2.125, -1.875, 2.4375, -0.5, -0.0625, -0.8125, -2.375, -0.0625, -0.625, -1.3125, -1.625, -0.3125, -1.75,
            ]),
        ConvCase(
            name: "stridesDilationsAsymmetricPads", x: [1, 2, 7, 7], w: [2, 2, 3, 3], bias: false,
            attributes: ["strides": .ints([2, 2]), "dilations": .ints([2, 2]), "pads": .ints([1, 0, 2, 1])], shape: [1, 2, 3, 2],
            expected: [-1.5, -0.5, -0.875, 2.125, -4.9375, 0.1875, -0.5625, 1.5625, 1.6875, 1.5625, -0.6875, -4.0625]),
        ConvCase(
            name: "groups", x: [1, 4, 5, 5], w: [4, 2, 3, 3], bias: false,
            attributes: ["group": .int(2)], shape: [1, 4, 3, 3],
            expected: [
                0.5625, 5.3125, -2.9375, 4, -1, -0.3125, -3.9375, -0.8125, 1.5, 3.5625, -4.625, 5.0625, -4.875, 4, -4.1875, 2.125,
                1.25, -0.4375, -0.8125, -2.375, 1.75, 1.125, -1.25, 2.0625, 0.625, -2.5625, -0.0625, -0.125, -0.875, 4.0625, -3.875,
                3.5, -1.3125, -1.125, -3.5, -0.1875,
            ]),
        ConvCase(
            name: "depthwise", x: [2, 3, 5, 5], w: [3, 1, 3, 3], bias: true,
            attributes: ["group": .int(3), "strides": .ints([2, 1]), "pads": .ints([1, 1, 1, 1])], shape: [2, 3, 3, 5],
            expected: [
                -0.5625, -0.5, -0.3125, -0.9375, -0.5, 0.25, -0.6875, 1.5625, -1.0625, 1.5625, -0.25, -0.5625, -0.1875, 0.1875,
                -2.625, 1.6875, 1.0625, 0.5625, 0.875, 1.5, 1.6875, 5.9375, -1.3125, 2, -1, 1.125, -0.3125, 3.5, -0.8125, 4.375,
                0.0625, -0.3125, 0.125, -0.25, -0.375, 4.0625, -3.1875, 0.3125, -1.0625, -0.6875, -1.375, 2.5, -1.6875, 2.25,
                -0.4375, -0.75, 0.5625, -0.0625, 0.125, -0.125, 0.5, -1.75, 2.125, -1.3125, -1, -0.8125, -0.0625, -0.5, -0.125,
                -0.1875, 2.625, 4.1875, 1.25, 0.75, 0.9375, 1.1875, 0.0625, 3.375, -0.625, 5, 1.6875, 4.5, 0.1875, 4, 0, 3.3125,
                -2.4375, 0.4375, 0.0625, 0.1875, -2.5, 4.1875, -2.875, 3.875, -0.9375, 3.75, -1.1875, 2.75, -1.4375, -0.25,
            ]),
        ConvCase(
            name: "depthwiseMultiplier", x: [1, 2, 4, 4], w: [4, 1, 2, 2], bias: false,
            attributes: ["group": .int(2), "dilations": .ints([1, 2]), "pads": .ints([0, 1, 1, 0])], shape: [1, 4, 4, 3],
            expected: [
                -0.5, 0.4375, -0.875, -0.5, 0.0625, 2, 2.75, -0.3125, -1.625, -1.25, 0.3125, -0.0625, 0.375, 0, -0.4375, 0.5,
                -0.125, -2.1875, -1, -0.25, 2.5625, 0.3125, 0.0625, -0.6875, 1.3125, -2.6875, 1.0625, 0.1875, -2.3125, -0.1875,
                -0.9375, 2.9375, -1.4375, -1.125, 1.625, -1.875, -0.1875, 0.625, -0.5, 0.1875, 1.8125, -0.125, 0.5625, -1.0625,
                0.25, 0, -1, 0.75,
            ]),
        ConvCase(
            name: "sameUpper", x: [1, 2, 5, 5], w: [2, 2, 2, 2], bias: false,
            attributes: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])], shape: [1, 2, 3, 3],
            expected: [
                3.875, 3.625, 1.4375, -2.25, -4.9375, -2.5625, -1.875, -1.6875, 1.125, 2.25, 1.8125, 1.75, 1.6875, -2, -2.625,
                -0.75, -1, 0.75,
            ]),
        ConvCase(
            name: "sameLower", x: [1, 2, 5, 6], w: [3, 2, 2, 3], bias: true,
            attributes: ["auto_pad": .string("SAME_LOWER"), "strides": .ints([1, 2])], shape: [1, 3, 5, 3],
            expected: [
                -2.25, -4.25, -4.875, -1.9375, -2.3125, -2.375, 1.25, 4.8125, 3.9375, 2, 3.8125, 2.9375, -0.5, -2.875, -3.75, 2.75,
                3.0625, 3, -3.0625, -2.5625, 1.0625, 2.6875, 1, 3.8125, 2.75, 2.125, 1.6875, 2.8125, 3.25, 2.8125, 1.0625, 0.25,
                0.0625, 4.25, 4.25, 1.9375, 0.875, 2.1875, -0.9375, -2.5, -5.5625, -6.25, -2.625, 1.3125, 0.625,
            ]),
        ConvCase(
            name: "valid", x: [1, 2, 6, 5], w: [2, 2, 3, 2], bias: false,
            attributes: ["auto_pad": .string("VALID"), "strides": .ints([2, 1])], shape: [1, 2, 2, 4],
            expected: [
                3.875, -3.875, 4.625, -4.75, -4.5625, 3.9375, -5.4375, 3.875, -5.25, 3.875, -0.8125, 3.4375, 4.75, -8.875, 4.3125,
                -5.25,
            ]),
        ConvCase(
            name: "pointwise", x: [1, 3, 4, 4], w: [5, 3, 1, 1], bias: true,
            attributes: [:], shape: [1, 5, 4, 4],
            expected: [
                1.4375, -1.375, 1.5, -1.3125, 1.5625, -1.25, 1.625, -1.1875, -1.5625, -1.125, -1.5, 1.375, -1.4375, 1.4375, -1.375,
                1.5, 3.4375, 0.125, 3.3125, 0, 3.1875, 0.6875, 3.0625, 0.5625, 0.5, 0.4375, 0.375, 3.5625, 0.25, 3.4375, 0.125,
                3.3125, 2.1875, -1.625, 1.875, -1.9375, 1.5625, -0.625, 1.25, -0.9375, -0.6875, -1.25, -1, 2.5, -1.3125, 2.1875,
                -1.625, 1.875, 0.9375, -3.375, 0.4375, -3.875, -0.0625, -1.9375, -0.5625, -2.4375, -1.875, -2.9375, -2.375, 1.4375,
                -2.875, 0.9375, -3.375, 0.4375, -0.5, -0.5, -0.5, -0.5, -0.5, 2.75, -0.5, 2.75, -0.5, 2.75, -0.5, -0.5, -0.5, -0.5,
                -0.5, -0.5,
            ]),
        ConvCase(
            name: "oneD", x: [1, 2, 8], w: [3, 2, 3], bias: true,
            attributes: ["strides": .ints([2]), "pads": .ints([1, 1])], shape: [1, 3, 4],
            expected: [-2.0625, -2.75, 0.4375, 0.375, -0.5625, -1.125, 2.9375, 2.125, -2.3125, 2.75, 0.125, -0.0625]),
        ConvCase(
            name: "oneDDepthwiseDilated", x: [1, 2, 9], w: [2, 1, 3], bias: false,
            attributes: ["group": .int(2), "dilations": .ints([2]), "pads": .ints([2, 1])], shape: [1, 2, 8],
            expected: [
                -1.25, 0.5, -0.0625, 0.375, 0, 0.4375, 0.0625, 0.5, 1.5, -0.0625, -2.3125, 0.0625, 0.8125, -0.0625, 0.6875, 0.0625,
            ]),
    ]

    @Test(arguments: cases)
    func conv(_ c: ConvCase) throws {
        KernelHarness.expectClose(try KernelHarness.run("Conv", c.inputs, c.attributes).first, shape: c.shape, c.expected)
    }

    @Test func fusedRelu() throws {
        let c = Self.cases[0]
        let result = try KernelHarness.run("Conv", c.inputs, c.attributes.merging(["activation": .string("Relu")]) { $1 })
        KernelHarness.expectClose(result.first, shape: c.shape, c.expected.map { max($0, 0) })
    }

    /// Large enough to cross the multiply's column and depth blocks and use its 4-row and 1-row paths.
    @Test func blockedMatrixMultiply() throws {
        let inputs = [
            KernelHarness.pattern([1, 8, 20, 20], seed: 2, modulus: 17), KernelHarness.pattern([13, 8, 3, 3], seed: 4, modulus: 11),
            KernelHarness.pattern([13], seed: 6),
        ]
        let y = try #require(try KernelHarness.run("Conv", inputs, ["pads": .ints([1, 1, 1, 1])]).first?.floats)
        let sums = (0..<13).map { m in y[(m * 400)..<((m + 1) * 400)].reduce(0.0) { $0 + Double($1) } }
        #expect(sums == [-3374.6875, -4010.75, -3345.4375, -4000.75, -2828.75, -4027.875, -2805, -3986.9375, -2825.25, -3480.5625, -2815.25,
                         -3474.6875, -2810.75])
        #expect(y.enumerated().reduce(0.0) { $0 + Double($1.element) * Double($1.offset % 7) } == -130989.9375)
    }

    /// The size the issue names (1×64×56×56, 64 3×3 filters): every value here is exact in f32.
    @Test func resNetSizedLayer() throws {
        let inputs = [
            KernelHarness.pattern([1, 64, 56, 56], seed: 2, modulus: 17), KernelHarness.pattern([64, 64, 3, 3], seed: 4, modulus: 11),
        ]
        let y = try #require(try KernelHarness.run("Conv", inputs, ["pads": .ints([1, 1, 1, 1])]).first)
        #expect(y.shape == [1, 64, 56, 56])
        let values = try #require(y.floats)
        let plane = 56 * 56
        let sums = (0..<4).map { m in values[(m * plane)..<((m + 1) * plane)].reduce(0.0) { $0 + Double($1) } }
        #expect(sums == [-222633.9375, -217792, -221237.875, -220414.375])
        #expect(values.reduce(0.0) { $0 + Double($1) } == -14110101.625)
    }
}

// MARK: - Pooling

/// A MaxPool or AveragePool call on X = distinct(x, seed 5).
struct PoolCase: Sendable, CustomTestStringConvertible {
    var op: String
    var name: String
    var x: [Int]
    var attributes: [String: Attribute]
    var shape: [Int]
    var expected: [Float]
    var indices: [Int64]?
    var testDescription: String { "\(op) \(name)" }
}

@Suite struct PoolKernelTests {
    static let cases = [
        PoolCase(
            op: "MaxPool", name: "padsStrides", x: [1, 2, 6, 6],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
            shape: [1, 2, 3, 3],
            expected: [9, 9.5, 10, 12, 12.5, 13, 13.5, 14, 14.5, 8.75, 9.25, 9.75, 11.75, 12.25, 12.75, 14.75, 13.75, 14.25],
            indices: [7, 9, 11, 19, 21, 23, 25, 27, 29, 42, 44, 46, 54, 56, 58, 66, 62, 64]),
        PoolCase(
            op: "MaxPool", name: "ceilMode", x: [1, 1, 6, 6],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1)],
            shape: [1, 1, 3, 3],
            expected: [1.75, 2.25, 2.5, 4.75, 5.25, 5.5, 5.75, 5.25, 5.5],
            indices: [14, 16, 17, 26, 28, 29, 30, 28, 29]),
        PoolCase(
            op: "MaxPool", name: "ceilModeDropsWindowInEndPadding", x: [1, 1, 5, 5],
            attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "ceil_mode": .int(1)],
            shape: [1, 1, 3, 3],
            expected: [-1.75, 1.25, 1, 0.75, 3, 2.75, 2, 2.5, 2.25]),
        PoolCase(
            op: "MaxPool", name: "columnMajorIndices", x: [2, 1, 4, 5],
            attributes: ["kernel_shape": .ints([2, 3]), "strides": .ints([2, 2]), "pads": .ints([0, 1, 0, 1]), "storage_order": .int(1)],
            shape: [2, 1, 2, 3],
            expected: [4.5, 6.75, 6, 6.25, 6.25, 4.75, 3.25, 2.5, 6.5, 5.75, 5, 3.5],
            indices: [1, 8, 12, 7, 7, 15, 20, 24, 37, 22, 26, 34]),
        PoolCase(
            op: "MaxPool", name: "dilations", x: [1, 1, 6, 6],
            attributes: ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 2]), "strides": .ints([1, 2])],
            shape: [1, 1, 4, 2],
            expected: [1.75, 2.25, 3.25, 3.75, 4.75, 5.25, 5.75, 3.75],
            indices: [14, 16, 20, 22, 26, 28, 30, 22]),
        PoolCase(
            op: "MaxPool", name: "sameUpper", x: [1, 2, 5, 5],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")],
            shape: [1, 2, 3, 3],
            expected: [7.5, 7.5, 6.5, 8.75, 9.25, 6.5, 8.75, 8.75, 7.75, 4.5, 7.25, 7.25, 6.25, 8.5, 9, 5.75, 8.5, 8.5]),
        PoolCase(
            op: "MaxPool", name: "oneD", x: [1, 2, 9],
            attributes: ["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 1])],
            shape: [1, 2, 5],
            expected: [-1.5, -1, -0.5, 0, 0.25, 0.75, 1.25, 1.25, -2.25, -2],
            indices: [1, 3, 5, 7, 8, 10, 12, 12, 16, 17]),
        PoolCase(
            op: "AveragePool", name: "excludePad", x: [1, 2, 5, 5],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
            shape: [1, 2, 3, 3],
            expected: [
                4.125, 2.375, 0.625, 3.7083333, 3.6944444, 2.2916667, 5.375, 3.625, 1.875, 1, 2.375, 3.75, 1.625, 3, 4.375, 2.25,
                3.625, 5,
            ]),
        PoolCase(
            op: "AveragePool", name: "includePad", x: [1, 2, 5, 5],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "count_include_pad": .int(1)],
            shape: [1, 2, 3, 3],
            expected: [
                1.8333334, 1.5833334, 0.27777779, 2.4722223, 3.6944444, 1.5277778, 2.3888888, 2.4166667, 0.83333331, 0.44444445,
                1.5833334, 1.6666666, 1.0833334, 3, 2.9166667, 1, 2.4166667, 2.2222223,
            ]),
        PoolCase(
            op: "AveragePool", name: "ceilModeIncludePad", x: [1, 1, 6, 6],
            attributes: [
                "kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 0, 0]), "ceil_mode": .int(1),
                "count_include_pad": .int(1),
            ],
            shape: [1, 1, 3, 3],
            expected: [-0.3888889, -0.33333334, 0, 0.91666669, 1.75, 2.25, 1.9166666, 1.75, 2.25]),
        PoolCase(
            op: "AveragePool", name: "ceilModeExcludePad", x: [1, 1, 6, 6],
            attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 0, 0]), "ceil_mode": .int(1)],
            shape: [1, 1, 3, 3],
            expected: [-0.875, -0.5, 0, 1.375, 1.75, 2.25, 2.875, 1.75, 2.25]),
        PoolCase(
            op: "AveragePool", name: "sameLower", x: [1, 1, 5, 6],
            attributes: ["kernel_shape": .ints([2, 3]), "strides": .ints([2, 2]), "auto_pad": .string("SAME_LOWER")],
            shape: [1, 1, 3, 3],
            expected: [-0.875, 1.75, 0.25, 1.75, 0, 1, 0.25, -0.25, 0.75]),
        PoolCase(
            op: "AveragePool", name: "oneD", x: [1, 2, 7],
            attributes: ["kernel_shape": .ints([3]), "strides": .ints([2]), "pads": .ints([1, 0]), "count_include_pad": .int(1)],
            shape: [1, 2, 3],
            expected: [-1.5833334, -1.9166666, -0.91666669, -0.41666666, -1.3333334, -1.5]),
        PoolCase(
            op: "AveragePool", name: "dilations", x: [1, 1, 6, 6],
            attributes: ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "count_include_pad": .int(1)],
            shape: [1, 1, 6, 6],
            expected: [
                0, 0, 0.125, 0.25, 0.375, 0.1875, 0, 0, 0.25, 0.5, 0.75, 0.375, 0.75, 1.5, 1.75, 2, 2.25, 1.125, 1.5, 3, 3.25, 3.5,
                3.75, 1.875, 0, 2.25, 0.25, 0.5, 0.75, 0.375, 1.125, 2.25, 2.375, 2.5, 2.625, 1.3125,
            ]),
    ]

    @Test(arguments: cases)
    func pool(_ c: PoolCase) throws {
        let x = KernelHarness.distinct(c.x, seed: 5)
        let outputs = try KernelHarness.run(c.op, [x], c.attributes, outputs: c.indices == nil ? 1 : 2)
        KernelHarness.expectClose(outputs.first, shape: c.shape, c.expected)
        if let indices = c.indices { #expect(outputs.last == Tensor(shape: c.shape, int64s: indices)) }
    }

    @Test(arguments: [
        ([2, 3, 2, 3], [2, 3, 1, 1], [0.125, -0.20833333, 0, 0.20833333, -0.125, 0.083333336] as [Float]),
        ([1, 2, 5], [1, 2, 1], [-0.1, 0.2]),
    ])
    func globalAveragePool(input: [Int], shape: [Int], expected: [Float]) throws {
        let y = try KernelHarness.run("GlobalAveragePool", [KernelHarness.pattern(input, seed: 2)])
        KernelHarness.expectClose(y.first, shape: shape, expected)
    }
}

// MARK: - Normalisation

@Suite struct NormKernelTests {
    @Test func batchNormalization() throws {
        let inputs = [
            KernelHarness.pattern([2, 3, 2, 2], seed: 1), Tensor(shape: [3], floats: [-1, 0.75, -0.75]),
            Tensor(shape: [3], floats: [-0.5, 1.25, -0.25]), Tensor(shape: [3], floats: [0, -1.5, 0.25]),
            Tensor(shape: [3], floats: [2.5, 1, 2.75]),
        ]
        let y = try KernelHarness.run("BatchNormalization", inputs, ["epsilon": .float(1e-3)]).first
        KernelHarness.expectClose(y, shape: [2, 3, 2, 2], [
            0.29041135, -0.81616455, 0.13232911, -0.97424686,
            1.812219, 3.1240635, 1.9996254, 3.3114696,
            -0.023907602, -0.81523097, -0.1369538, 0.54132342,
            -0.65808225, 0.29041135, -0.81616455, 0.13232911,
            2.936657, 1.812219, 3.1240635, 1.9996254,
            -0.7021848, -0.023907602, -0.81523097, -0.1369538,
        ])
    }

    @Test func layerNormalizationWithStatistics() throws {
        let inputs = [KernelHarness.pattern([2, 3, 4], seed: 1), KernelHarness.pattern([4], seed: 3), KernelHarness.pattern([4], seed: 5)]
        let outputs = try KernelHarness.run("LayerNormalization", inputs, outputs: 3)
        try #require(outputs.count == 3)
        KernelHarness.expectClose(outputs[0], shape: [2, 3, 4], [
            0.59852272, 2.3485227, 0.42426136, -0.085795403,
            0.59852272, 2.3485227, 0.42426136, -0.085795403,
            -0.11810325, 2.9655194, -0.029310388, -3.1853476,
            -0.86649084, 0.34921706, -0.57539147, -2.5274849,
            -0.86649084, 0.34921706, -0.57539147, -2.5274849,
            -0.86649084, 0.34921706, -0.57539147, -2.5274849,
        ])
        KernelHarness.expectClose(outputs[1], shape: [2, 3, 1], [-0.25, 0.25, -0.0625, -0.375, 0.125, 0.625])
        KernelHarness.expectClose(outputs[2], shape: [2, 3, 1], [1.1313636, 1.1313636, 0.93793243, 1.3151805, 1.3151805, 1.3151805])
    }

    @Test func layerNormalizationOverTwoAxesWithoutBias() throws {
        let inputs = [KernelHarness.pattern([2, 3, 4], seed: 1), KernelHarness.pattern([3, 4], seed: 9)]
        let y = try KernelHarness.run("LayerNormalization", inputs, ["axis": .int(1), "epsilon": .float(1e-3)])
        #expect(y.count == 1)
        KernelHarness.expectClose(y.first, shape: [2, 3, 4], [
            -0.94918978, -0.40219903, -1.0081789, -0.3968364,
            -0.93846446, -0.26277006, -0.74004626, 0,
            0.35393518, 0.39147377, -0.026813271, -0.76149684,
            0.10855816, 1.1941398, 0.43423265, 0.65134895,
            0.90465134, 0.2533024, 1.5198144, -0,
            -1.9540468, -0.10855816, -1.9902331, -0.072372109,
        ])
    }

    /// Size 3 from onnxruntime; size 2 (which onnxruntime refuses) from NumPy with the ONNX window.
    @Test(arguments: [
        (3, [-0.72410434, 0.29273951, -0.58547902, 0.43446261, -0.43413511, 0.56985009, -0.29273951, 0.70503885, -0.1473861, 0.84175968, 0,
             -0.84175968, 0.1473861, -0.70503885, 0.29273951, -0.56985009, 0.44250011, -0.43446261, 0.58547902, -0.29273951] as [Float]),
        (2, [-0.71495312, 0.290519, -0.581038, 0.42897189, -0.44079709, 0.56076759, -0.29591575, 0.69419903, -0.14830343, 0.83303881, 0,
             -0.84115142, 0.14693236, -0.71495312, 0.290519, -0.581038, 0.44130641, -0.44130641, 0.58369315, -0.29591575]),
    ])
    func localResponseNormalization(size: Int, expected: [Float]) throws {
        let attributes: [String: Attribute] = ["size": .int(size), "alpha": .float(0.1), "beta": .float(0.75), "bias": .float(2)]
        KernelHarness.expectClose(try KernelHarness.run("LRN", [KernelHarness.pattern([1, 5, 2, 2], seed: 1)], attributes).first,
                                  shape: [1, 5, 2, 2], expected)
    }
}

// MARK: - Pad

@Suite struct PadKernelTests {
    /// Data is pattern([3, 4], seed 1) = [[-1.25, 0.5, -1, 0.75], [-0.75, 1, -0.5, 1.25], [-0.25, 1.5, 0, -1.5]];
    /// a pad longer than the axis repeats as NumPy does (onnxruntime refuses `reflect` ones), and
    /// negative pads crop first (as onnxruntime).
    @Test(arguments: [
        ("constant", [1, 2, 0, 1], [4, 7], [
            9.5, 9.5, 9.5, 9.5, 9.5, 9.5, 9.5,
            9.5, 9.5, -1.25, 0.5, -1, 0.75, 9.5,
            9.5, 9.5, -0.75, 1, -0.5, 1.25, 9.5,
            9.5, 9.5, -0.25, 1.5, 0, -1.5, 9.5,
        ]),
        ("reflect", [2, 1, 1, 2], [6, 7], [
            1.5, -0.25, 1.5, 0, -1.5, 0, 1.5,
            1, -0.75, 1, -0.5, 1.25, -0.5, 1,
            0.5, -1.25, 0.5, -1, 0.75, -1, 0.5,
            1, -0.75, 1, -0.5, 1.25, -0.5, 1,
            1.5, -0.25, 1.5, 0, -1.5, 0, 1.5,
            1, -0.75, 1, -0.5, 1.25, -0.5, 1,
        ]),
        ("edge", [1, 2, 2, 1], [6, 7], [
            -1.25, -1.25, -1.25, 0.5, -1, 0.75, 0.75,
            -1.25, -1.25, -1.25, 0.5, -1, 0.75, 0.75,
            -0.75, -0.75, -0.75, 1, -0.5, 1.25, 1.25,
            -0.25, -0.25, -0.25, 1.5, 0, -1.5, -1.5,
            -0.25, -0.25, -0.25, 1.5, 0, -1.5, -1.5,
            -0.25, -0.25, -0.25, 1.5, 0, -1.5, -1.5,
        ]),
        ("wrap", [1, 3, 2, 1], [6, 8], [
            1.5, 0, -1.5, -0.25, 1.5, 0, -1.5, -0.25,
            0.5, -1, 0.75, -1.25, 0.5, -1, 0.75, -1.25,
            1, -0.5, 1.25, -0.75, 1, -0.5, 1.25, -0.75,
            1.5, 0, -1.5, -0.25, 1.5, 0, -1.5, -0.25,
            0.5, -1, 0.75, -1.25, 0.5, -1, 0.75, -1.25,
            1, -0.5, 1.25, -0.75, 1, -0.5, 1.25, -0.75,
        ]),
        ("wrap", [0, 5, 0, 0], [3, 9], [
            0.75, -1.25, 0.5, -1, 0.75, -1.25, 0.5, -1, 0.75,
            1.25, -0.75, 1, -0.5, 1.25, -0.75, 1, -0.5, 1.25,
            -1.5, -0.25, 1.5, 0, -1.5, -0.25, 1.5, 0, -1.5,
        ]),
        ("reflect", [4, 0, 0, 0], [7, 4], [
            -1.25, 0.5, -1, 0.75,
            -0.75, 1, -0.5, 1.25,
            -0.25, 1.5, 0, -1.5,
            -0.75, 1, -0.5, 1.25,
            -1.25, 0.5, -1, 0.75,
            -0.75, 1, -0.5, 1.25,
            -0.25, 1.5, 0, -1.5,
        ]),
        ("constant", [-1, 1, 0, -2], [2, 3], [
            0, -0.75, 1,
            0, -0.25, 1.5,
        ]),
        ("edge", [-1, 1, 1, -2], [3, 3], [
            -0.75, -0.75, 1,
            -0.25, -0.25, 1.5,
            -0.25, -0.25, 1.5,
        ]),
    ] as [(String, [Int], [Int], [Float])])
    func pad(mode: String, pads: [Int], shape: [Int], expected: [Float]) throws {
        let value: Tensor? = pads == [1, 2, 0, 1] ? Tensor(shape: [], floats: [9.5]) : nil
        let data = KernelHarness.pattern([3, 4], seed: 1)
        let y = try KernelHarness.run("Pad", [data, KernelHarness.ints(pads), value], ["mode": .string(mode)])
        KernelHarness.expectClose(y.first, shape: shape, expected)
    }

    @Test func otherTypesAndAxes() throws {
        let data = Tensor(shape: [2, 3], int64s: [0, 1, 2, 3, 4, 5])
        let seven = Tensor(shape: [], int64s: [7])
        let padded = try KernelHarness.run("Pad", [data, KernelHarness.ints([1, 2]), seven, KernelHarness.ints([-1])])
        #expect(padded == [Tensor(shape: [2, 6], int64s: [7, 0, 1, 2, 7, 7, 7, 3, 4, 5, 7, 7])])
        let mask = Tensor(shape: [3], storage: .bool([true, false, true]))
        let edged = try KernelHarness.run("Pad", [mask, KernelHarness.ints([2, 1])], ["mode": .string("edge")])
        #expect(edged == [Tensor(shape: [6], storage: .bool([true, true, true, false, true, true]))])
    }
}

// MARK: - Errors

@Suite struct NeuralKernelErrorTests {
    static let cases: [KernelFailure] = [
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 2, 2]), KernelHarness.ramp([1, 1, 3, 3])],
                      message: "node 'n' (Conv): dilated kernel size 3 is larger than the padded input size 2 on spatial axis 0"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 5]), KernelHarness.ramp([1, 1, 3])], attributes: ["dilations": .ints([3])],
                      message: "node 'n' (Conv): dilated kernel size 7 is larger than the padded input size 5 on spatial axis 0"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 3, 4, 4]), KernelHarness.ramp([2, 2, 3, 3])],
                      message: "node 'n' (Conv): group 1 does not fit X channels 3 and W shape [2, 2, 3, 3]"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 4, 4]), KernelHarness.ramp([1, 1, 3, 3])],
                      attributes: ["pads": .ints([-1, 0, 0, 0])],
                      message: "node 'n' (Conv): pads [-1, 0, 0, 0] must be 4 values >= 0"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 4, 4]), KernelHarness.ramp([2, 1, 3, 3]), KernelHarness.ramp([3])],
                      message: "node 'n' (Conv): B shape [3] must be [2]"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 4, 4]), KernelHarness.ramp([1, 1, 3, 3])],
                      attributes: ["auto_pad": .string("SAME")],
                      message: "node 'n' (Conv): unknown auto_pad 'SAME'"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 2, 2, 2]), KernelHarness.ramp([1, 1, 1, 1, 1])],
                      message: "node 'n' (Conv): X must be [N, C, W] or [N, C, H, W], got [1, 1, 2, 2, 2]"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ramp([1, 1, 4, 4]), KernelHarness.ramp([1, 1, 3, 3])],
                      attributes: ["activation": .string("Swish")],
                      message: "node 'n' (Conv): unknown fused activation 'Swish'"),
        KernelFailure(op: "Conv", inputs: [KernelHarness.ints([1, 2, 3], shape: [1, 1, 3]), KernelHarness.ramp([1, 1, 1])],
                      message: "node 'n' (Conv): input 0 must be f32, got i64"),
        KernelFailure(op: "MaxPool", inputs: [KernelHarness.ramp([1, 1, 4, 4])],
                      attributes: ["kernel_shape": .ints([2, 2]), "pads": .ints([2, 0, 0, 0])],
                      message: "node 'n' (MaxPool): pads [2, 0, 0, 0] must be smaller than kernel_shape [2, 2]"),
        KernelFailure(op: "MaxPool", inputs: [KernelHarness.ramp([1, 1, 4, 4])],
                      message: "node 'n' (MaxPool): missing attribute 'kernel_shape'"),
        KernelFailure(op: "AveragePool", inputs: [KernelHarness.ramp([1, 1, 2, 2])], attributes: ["kernel_shape": .ints([3, 3])],
                      message: "node 'n' (AveragePool): dilated kernel size 3 is larger than the padded input size 2 on spatial axis 0"),
        KernelFailure(op: "BatchNormalization", inputs: [KernelHarness.ramp([1, 2, 2]), KernelHarness.ramp([3]), KernelHarness.ramp([2]),
                                                         KernelHarness.ramp([2]), KernelHarness.ramp([2])],
                      message: "node 'n' (BatchNormalization): scale shape [3] must be [2]"),
        KernelFailure(op: "LayerNormalization", inputs: [KernelHarness.ramp([2, 3]), KernelHarness.ramp([2])],
                      message: "node 'n' (LayerNormalization): Scale shape [2] does not match the normalised shape [3]"),
        KernelFailure(op: "LRN", inputs: [KernelHarness.ramp([1, 2, 2, 2])],
                      message: "node 'n' (LRN): attribute 'size' must be a positive int"),
        KernelFailure(op: "Pad", inputs: [KernelHarness.ramp([0, 2]), KernelHarness.ints([1, 0, 0, 0])], attributes: ["mode": .string("reflect")],
                      message: "node 'n' (Pad): cannot pad empty axis 0 in reflect mode"),
        KernelFailure(op: "Pad", inputs: [KernelHarness.ramp([3, 4]), KernelHarness.ints([1, 1])],
                      message: "node 'n' (Pad): pads [1, 1] must have 2 values for each of 2 axes"),
        KernelFailure(op: "Pad", inputs: [KernelHarness.ramp([3]), KernelHarness.ints([1, 1]), KernelHarness.ints([0], shape: [])],
                      message: "node 'n' (Pad): constant_value must be one f32 element, got i64 []"),
        KernelFailure(op: "Pad", inputs: [KernelHarness.ramp([3, 4]), KernelHarness.ints([-2, 0, -2, 0])],
                      message: "node 'n' (Pad): pads [-2, 0, -2, 0] crop more than the size 3 of axis 0"),
        KernelFailure(op: "Pad", inputs: [KernelHarness.ramp([3]), KernelHarness.ints([1, 1])], attributes: ["mode": .string("symmetric")],
                      message: "node 'n' (Pad): unknown mode 'symmetric'"),
    ]

    @Test(arguments: cases)
    func reportsTheNode(_ failure: KernelFailure) {
        #expect(KernelHarness.failure(failure.op, failure.inputs, failure.attributes, domain: failure.domain) == failure.message)
    }
}
