import BaleGraph
import BaleRuntime
import Testing

/// Gemm and MatMul through the registry; expected values computed with NumPy.
@Suite struct LinearKernelTests {
    /// A (2×3) and B (3×2) of the Gemm and MatMul cases; `A @ B` = [-4, 6, -5.5, 12].
    static let a = Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
    static let b = Tensor(shape: [3, 2], floats: [1, -1, 0.5, 2, -2, 1])
    static let aT = Tensor(shape: [3, 2], floats: [1, 4, 2, 5, 3, 6])
    static let bT = Tensor(shape: [2, 3], floats: [1, 0.5, -2, -1, 2, 1])

    // MARK: - Gemm and MatMul

    static let v = Tensor(shape: [3], floats: [1, -1, 2])

    static let cases: [FloatCase] = [
        FloatCase("plain", "Gemm", [a, b], [2, 2], [-4, 6, -5.5, 12]),
        FloatCase("transA", "Gemm", [aT, b], attributes: ["transA": .int(1)], [2, 2], [-4, 6, -5.5, 12]),
        FloatCase("transB", "Gemm", [a, bT], attributes: ["transB": .int(1)], [2, 2], [-4, 6, -5.5, 12]),
        FloatCase(
            "transA transB alpha beta C[N]", "Gemm", [aT, bT, Tensor(shape: [2], floats: [10, 20])],
            attributes: ["transA": .int(1), "transB": .int(1), "alpha": .float(0.5), "beta": .float(2)], [2, 2],
            [18, 43, 17.25, 46]),
        FloatCase("C scalar", "Gemm", [a, b, Tensor(shape: [], floats: [3])], [2, 2], [-1, 9, -2.5, 15]),
        FloatCase(
            "C[M,1] fused Relu", "Gemm", [a, b, Tensor(shape: [2, 1], floats: [1, -1])],
            attributes: ["activation": .string("Relu")], [2, 2], [0, 7, 0, 11]),
        FloatCase("2-D", "MatMul", [a, b], [2, 2], [-4, 6, -5.5, 12]),
        FloatCase("1-D @ 2-D", "MatMul", [v, b], [2], [-3.5, -1]),
        FloatCase("2-D @ 1-D", "MatMul", [a, v], [2], [5, 11]),
        FloatCase("1-D @ 1-D", "MatMul", [v, v], [], [6]),
        FloatCase(
            "batched broadcast [2,1,2,3] @ [3,3,2]", "MatMul",
            [
                Tensor(shape: [2, 1, 2, 3], floats: (0..<12).map { Float($0) * 0.25 }),
                Tensor(shape: [3, 3, 2], floats: (0..<18).map { (Float($0) - 8) * 0.5 }),
            ],
            [2, 3, 2, 2],
            [
                -1.75, -1.375, -8.5, -7.0, 0.5, 0.875, 0.5, 2.0, 2.75, 3.125, 9.5, 11.0,
                -15.25, -12.625, -22.0, -18.25, 0.5, 3.125, 0.5, 4.25, 16.25, 18.875, 23.0, 26.75,
            ]),
        FloatCase(
            "3-D @ 2-D", "MatMul",
            [
                Tensor(shape: [2, 2, 3], floats: (0..<12).map { Float($0) }),
                Tensor(shape: [3, 2], floats: [1, 2, 3, 4, 5, 6]),
            ],
            [2, 2, 2], [13, 16, 40, 52, 67, 88, 94, 124]),
        FloatCase(
            "bias + fused Relu", "MatMul", [a, b, Tensor(shape: [2], floats: [5, -8])],
            attributes: ["activation": .string("Relu")], [2, 2], [1, 0, 0, 4]),
        FloatCase(
            "fused Clip", "MatMul", [a, b], attributes: FusedActivation.clip(min: -5, max: 6.5).attributes, [2, 2],
            [-4, 6, -5, 6.5]),
    ]

    @Test(arguments: cases)
    func products(_ c: FloatCase) throws {
        let result = try KernelProbe.run(c.op, c.inputs, attributes: c.attributes)
        KernelProbe.expectClose(result[0], shape: c.shape, c.expected)
    }

    // MARK: - Blocked product

    /// A product larger than one cache block in every direction agrees with a naive triple loop.
    @Test func blockedProductMatchesNaive() throws {
        let (m, k, n) = (37, 300, 290)
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) * 0.5 - 2 }
        let result = try KernelProbe.run(
            "MatMul", [Tensor(shape: [m, k], floats: a), Tensor(shape: [k, n], floats: b)])
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                expected[i * n + j] = (0..<k).reduce(0) { $0 + a[i * k + $1] * b[$1 * n + j] }
            }
        }
        KernelProbe.expectClose(result[0], shape: [m, n], expected)
    }

    // MARK: - Errors

    static let errorCases: [ErrorCase] = [
        ErrorCase("Gemm", [a, a], "inner dimensions differ"),
        ErrorCase("Gemm", [Tensor(shape: [1, 2, 3], floats: [1, 2, 3, 4, 5, 6]), b], "A and B must be 2-D"),
        ErrorCase("Gemm", [a, b, Tensor(shape: [3], floats: [1, 2, 3])], "cannot broadcast shape [3] to [2, 2]"),
        ErrorCase("Gemm", [a, b], attributes: ["activation": .string("Swish")], "unknown fused activation 'Swish'"),
        ErrorCase("MatMul", [a, a], "inner dimensions differ: A is [2, 3], B is [2, 3]"),
        ErrorCase(
            "MatMul",
            [
                Tensor(shape: [2, 1, 3], floats: [1, 2, 3, 4, 5, 6]),
                Tensor(shape: [3, 3, 1], floats: .init(repeating: 1, count: 9)),
            ],
            "cannot broadcast shapes [2] and [3]"),
        ErrorCase("MatMul", [a, b, Tensor(shape: [3], floats: [1, 2, 3])], "bias must be f32 of shape [2]"),
        ErrorCase("MatMul", [a, Tensor(shape: [3], int64s: [1, 2, 3])], "input 1 must be f32, got i64"),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) {
        KernelProbe.expectError(c)
    }
}
