import BaleRuntime
import Testing

// MARK: - Support

/// One int8 product: shape, storage layout and quantization parameters.
struct QGemmCase: CustomTestStringConvertible, Sendable {
    /// How B's zero points are given.
    enum BZero: Sendable { case none, scalar, perColumn }

    var m: Int, n: Int, k: Int
    /// A stored `k × m` (one row per depth, as an im2col matrix) rather than `m × k`.
    var transA = false
    var transB = false
    var aZero: UInt8 = 0
    var bZero = BZero.none
    /// Extra elements at the end of every stored row of A, B and C.
    var pad = (a: 0, b: 0, c: 0)

    var testDescription: String {
        "\(m)×\(n)×\(k)" + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "") + " za=\(aZero) zb=\(bZero)" + (pad == (0, 0, 0) ? "" : " padded")
    }

    var lda: Int { (transA ? m : k) + pad.a }
    var ldb: Int { (transB ? k : n) + pad.b }
    var ldc: Int { n + pad.c }
    var aCount: Int { (transA ? k : m) * lda }
    var bCount: Int { (transB ? n : k) * ldb }
    /// B's zero points: none, one nonzero value, or a different one per column.
    var bZeros: [Int8] {
        switch bZero {
        case .none: []
        case .scalar: [-3]
        case .perColumn: (0..<n).map { Int8(truncatingIfNeeded: $0 * 37 - 100) }
        }
    }

    /// Shapes with every dimension in 1...70 (k often not a multiple of 4), every zero-point mode.
    static let small: [QGemmCase] = [
        QGemmCase(m: 1, n: 1, k: 1), QGemmCase(m: 1, n: 70, k: 3, aZero: 128),
        QGemmCase(m: 70, n: 1, k: 5, aZero: 255, bZero: .scalar), QGemmCase(m: 7, n: 13, k: 4, bZero: .perColumn),
        QGemmCase(m: 33, n: 65, k: 17, aZero: 128, bZero: .perColumn), QGemmCase(m: 64, n: 64, k: 64, aZero: 255),
        QGemmCase(m: 5, n: 70, k: 69, aZero: 128, bZero: .scalar), QGemmCase(m: 70, n: 33, k: 70, bZero: .perColumn),
        QGemmCase(m: 13, n: 37, k: 2, transB: true, aZero: 128), QGemmCase(m: 6, n: 64, k: 31, aZero: 1),
        QGemmCase(m: 29, n: 40, k: 31, transB: true, aZero: 255, bZero: .perColumn, pad: (3, 5, 2)),
        QGemmCase(m: 50, n: 34, k: 19, aZero: 128, bZero: .scalar, pad: (1, 2, 7)),
        QGemmCase(m: 7, n: 13, k: 0, aZero: 128, bZero: .perColumn),
        QGemmCase(m: 33, n: 8, k: 27, transA: true, aZero: 128, pad: (3, 0, 0)),
        QGemmCase(m: 70, n: 16, k: 72, transA: true, aZero: 97, bZero: .scalar),
        QGemmCase(m: 5, n: 13, k: 5, transA: true, transB: true, aZero: 255, bZero: .perColumn, pad: (1, 2, 3)),
    ]
}

/// Deterministic bytes covering the whole range of their type.
func qgemmBytes<T: FixedWidthInteger>(_ count: Int, seed: UInt64, as _: T.Type) -> [T] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return T(truncatingIfNeeded: state >> 33)
    }
}

/// Runs `product` on the case's operands (or on `a`, `b` when given) over a C pre-filled with 7.
func qgemmRun(
    _ c: QGemmCase, a: [UInt8]? = nil, b: [Int8]? = nil,
    _ product: (QGemmActivations, QGemmWeights, UnsafeMutablePointer<Int32>) -> Void
) -> [Int32] {
    let a = a ?? qgemmBytes(c.aCount, seed: 1, as: UInt8.self)
    let b = b ?? qgemmBytes(c.bCount, seed: 2, as: Int8.self)
    var out = [Int32](repeating: 7, count: c.m * c.ldc)
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { out in
                product(
                    QGemmActivations(a.baseAddress, leading: c.lda, zeroPoint: c.aZero, transposed: c.transA),
                    QGemmWeights(b.baseAddress, leading: c.ldb, transposed: c.transB, zeroPoints: c.bZeros),
                    out.baseAddress!)
            }
        }
    }
    return out
}

/// The case's product by the packed path for `variant`, on `threads` threads.
func qgemmPackedRun(
    _ c: QGemmCase, variant: QGemmKernel.Variant, threads: Int = 1, a: [UInt8]? = nil, b: [Int8]? = nil
) throws -> [Int32] {
    let stored = b ?? qgemmBytes(c.bCount, seed: 2, as: Int8.self)
    #expect(c.pad.b == 0, "packing reads unpadded weights")
    let packed = try #require(
        PackedQGemmMatrix(stored, k: c.k, n: c.n, transposed: c.transB, zeroPoints: c.bZeros, variant: variant))
    #expect(packed.variant == variant)
    return qgemmRun(c, a: a, b: b) { a, _, out in
        #expect(QGemmKernel.multiply(m: c.m, a: a, packed: packed, into: out, ldc: c.ldc, threads: threads))
    }
}

/// The Swift reference result for the case.
func qgemmReference(_ c: QGemmCase, a: [UInt8]? = nil, b: [Int8]? = nil) -> [Int32] {
    qgemmRun(c, a: a, b: b) { a, b, out in
        QGemmReference.multiply(m: c.m, n: c.n, k: c.k, a: a, b: b, into: out, ldc: c.ldc)
    }
}

// MARK: - Tests

@Suite struct QGemmTests {
    @Test(arguments: QGemmKernel.Variant.supported, QGemmCase.small)
    func variantMatchesReference(variant: QGemmKernel.Variant, shape: QGemmCase) throws {
        let expected = qgemmReference(shape)
        let actual = qgemmRun(shape) { a, b, out in
            QGemmKernel.multiply(m: shape.m, n: shape.n, k: shape.k, a: a, b: b, into: out, ldc: shape.ldc, variant: variant)
        }
        #expect(actual == expected)
        if shape.pad.b == 0 {
            #expect(try qgemmPackedRun(shape, variant: variant) == expected)
        }
    }

    @Test(arguments: QGemmKernel.Variant.supported)
    func largeProductMatchesReferenceOnEveryThreadCount(variant: QGemmKernel.Variant) throws {
        let shape = QGemmCase(m: 257, n: 1000, k: 784, aZero: 128, bZero: .perColumn)
        let expected = qgemmReference(shape)
        for threads in [1, 2, 3] {
            let actual = qgemmRun(shape) { a, b, out in
                QGemmKernel.multiply(
                    m: shape.m, n: shape.n, k: shape.k, a: a, b: b, into: out, ldc: shape.ldc, variant: variant,
                    threads: threads)
            }
            #expect(actual == expected, "threads \(threads)")
            #expect(try qgemmPackedRun(shape, variant: variant, threads: threads) == expected, "packed, threads \(threads)")
        }
    }

    /// A = 255 and B = -128 everywhere: every `vpmaddubsw`-style pair would saturate `int16`. The
    /// second product reaches the largest `k` whose worst case still fits `int32`:
    /// `(0 - 255) · (-128 - 127) · 33025 = 2 147 450 625`.
    @Test(arguments: QGemmKernel.Variant.supported)
    func extremeValuesDoNotSaturate(variant: QGemmKernel.Variant) throws {
        for (shape, zeroB, each) in [
            (QGemmCase(m: 9, n: 70, k: 784), Int8(0), Int32(255 * -128)),
            (QGemmCase(m: 2, n: 3, k: 33025, aZero: 255, bZero: .scalar), Int8(127), Int32(255 * 255)),
        ] {
            let a = [UInt8](repeating: shape.aZero == 0 ? 255 : 0, count: shape.aCount)
            let b = [Int8](repeating: -128, count: shape.bCount)
            var weights = shape
            weights.bZero = .none
            let expected = [Int32](repeating: each * Int32(shape.k), count: shape.m * shape.n)
            let actual = qgemmRun(weights, a: a, b: b) { a, b, out in
                var b = b
                b.zeroPoints = zeroB == 0 ? [] : [zeroB]
                QGemmKernel.multiply(m: shape.m, n: shape.n, k: shape.k, a: a, b: b, into: out, ldc: shape.ldc, variant: variant)
            }
            #expect(actual == expected, "\(shape)")
        }
    }

    @Test(arguments: QGemmKernel.Variant.supported, [false, true])
    func dequantizingEpilogueMatchesReference(variant: QGemmKernel.Variant, perColumn: Bool) throws {
        let shape = QGemmCase(m: 37, n: 70, k: 45, aZero: 128, bZero: .perColumn)
        let stored = qgemmBytes(shape.bCount, seed: 2, as: Int8.self)
        let packed = try #require(
            PackedQGemmMatrix(stored, k: shape.k, n: shape.n, zeroPoints: shape.bZeros, variant: variant))
        let scales: [Float] = perColumn ? (0..<shape.n).map { 0.001 * Float($0 + 1) } : [0.0123]
        let bias: [Float]? = perColumn ? (0..<shape.n).map { Float($0) - 30.5 } : nil
        let dequantization = QGemmDequantization(aScale: 0.0371, bScales: scales, bias: bias)
        let c = qgemmReference(shape)
        var expected = [Float](repeating: 0, count: shape.m * shape.n)
        var actual = expected
        c.withUnsafeBufferPointer { c in
            QGemmReference.dequantize(
                m: shape.m, n: shape.n, c.baseAddress!, ldc: shape.ldc, dequantization, into: &expected, ldy: shape.n)
        }
        let a = qgemmBytes(shape.aCount, seed: 1, as: UInt8.self)
        a.withUnsafeBufferPointer { a in
            #expect(
                QGemmKernel.multiply(
                    m: shape.m, a: QGemmActivations(a.baseAddress, leading: shape.lda, zeroPoint: shape.aZero, transposed: shape.transA),
                    packed: packed, dequantization: dequantization, into: &actual, ldy: shape.n, threads: 2))
        }
        #expect(actual == expected)
        // Stored transposed (n rows of m, 3 floats of padding each): the same values.
        let ldt = shape.m + 3
        var transposed = [Float](repeating: -1, count: shape.n * ldt)
        a.withUnsafeBufferPointer { a in
            #expect(
                QGemmKernel.multiply(
                    m: shape.m, a: QGemmActivations(a.baseAddress, leading: shape.lda, zeroPoint: shape.aZero),
                    packed: packed, dequantization: dequantization, into: &transposed, ldy: ldt, transposedOutput: true,
                    threads: 2))
        }
        #expect((0..<shape.n).allSatisfy { j in (0..<shape.m).allSatisfy { transposed[j * ldt + $0] == expected[$0 * shape.n + j] } })
        #expect((0..<shape.n).allSatisfy { j in transposed[(j * ldt + shape.m)..<((j + 1) * ldt)].allSatisfy { $0 == -1 } })
    }

    @Test func forcedPortableVariantIsUsedByDefault() {
        #expect(QGemmKernel.setDefault(.portable))
        defer { QGemmKernel.setDefault(nil) }
        #expect(QGemmKernel.Variant.current == .portable)
        #expect(PackedQGemmMatrix([1, 2], k: 1, n: 2)?.variant == .portable)
        let shape = QGemmCase.small[4]
        let actual = qgemmRun(shape) { a, b, out in
            QGemmKernel.multiply(m: shape.m, n: shape.n, k: shape.k, a: a, b: b, into: out, ldc: shape.ldc)
        }
        #expect(actual == qgemmReference(shape))
    }

    @Test func packingRejectsMismatchedSizes() {
        #expect(PackedQGemmMatrix([1, 2, 3], k: 2, n: 2) == nil)
        #expect(PackedQGemmMatrix([], k: 0, n: 0) == nil)
        #expect(PackedQGemmMatrix([1, 2], k: Int.max, n: 2) == nil)
        #expect(PackedQGemmMatrix([1, 2, 3, 4], k: 2, n: 2, zeroPoints: [1, 2, 3]) == nil)
    }

    @Test func bestVariantIsSupported() {
        #expect(QGemmKernel.Variant.current.isSupported)
        #expect(QGemmKernel.Variant.supported.contains(.portable))
    }
}
