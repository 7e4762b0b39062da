import BaleRuntime
import Testing

// MARK: - Support

/// One product shape with its storage layout: transposes and padding of each leading dimension.
struct GemmCase: CustomTestStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    /// Extra floats at the end of every stored row of A, B and C.
    var pad = (a: 0, b: 0, c: 0)

    var testDescription: String {
        "\(m)×\(n)×\(k)" + (transA ? " Aᵀ" : "") + (transB ? " Bᵀ" : "") + (pad == (0, 0, 0) ? "" : " padded")
    }

    var lda: Int { (transA ? m : k) + pad.a }
    var ldb: Int { (transB ? k : n) + pad.b }
    var ldc: Int { n + pad.c }
    var aCount: Int { (transA ? k : m) * lda }
    var bCount: Int { (transB ? n : k) * ldb }

    static let all: [GemmCase] = [
        GemmCase(m: 1, n: 1, k: 1), GemmCase(m: 7, n: 13, k: 5), GemmCase(m: 33, n: 65, k: 17),
        GemmCase(m: 100, n: 1, k: 300), GemmCase(m: 1, n: 300, k: 100), GemmCase(m: 13, n: 37, k: 600),
        GemmCase(m: 150, n: 70, k: 260), GemmCase(m: 7, n: 13, k: 0),
        GemmCase(m: 33, n: 65, k: 17, transA: true), GemmCase(m: 33, n: 65, k: 17, transB: true),
        GemmCase(m: 29, n: 40, k: 31, transA: true, transB: true, pad: (3, 5, 2)),
        GemmCase(m: 50, n: 34, k: 19, pad: (1, 2, 7)),
        // Edge tiles of every live-row count the AVX-512 row kernels specialise (1-4, 5-6, 7-8, 9-11).
        GemmCase(m: 3, n: 45, k: 9), GemmCase(m: 8, n: 33, k: 70), GemmCase(m: 11, n: 64, k: 5),
        GemmCase(m: 5, n: 32, k: 385),
    ]
}

/// Deterministic values in [-0.5, 0.5).
func gemmValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) - 0.5
    }
}

/// Runs `product` on the case's operands over a C pre-filled with 1 and returns C.
func gemmRun(
    _ c: GemmCase, _ product: (GemmOperand, GemmOperand, UnsafeMutablePointer<Float>) -> Void
) -> [Float] {
    let (a, b) = (gemmValues(c.aCount, seed: 1), gemmValues(c.bCount, seed: 2))
    var out = [Float](repeating: 1, count: c.m * c.ldc)
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { out in
                product(
                    GemmOperand(a.baseAddress, leading: c.lda, transposed: c.transA),
                    GemmOperand(b.baseAddress, leading: c.ldb, transposed: c.transB), out.baseAddress!)
            }
        }
    }
    return out
}

/// The Swift reference result for the case.
func gemmReference(_ c: GemmCase, alpha: Float, accumulate: Bool) -> [Float] {
    gemmRun(c) { a, b, out in
        GemmReference.multiply(
            m: c.m, n: c.n, k: c.k, alpha: alpha, a: a, b: b, accumulate: accumulate, into: out, ldc: c.ldc)
    }
}

/// Checks `actual` against `expected` within relative 1e-4 of the largest reference magnitude.
func expectClose(_ actual: [Float], _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    let scale = max(1, expected.map(abs).max() ?? 0)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-4 * scale, "max error \(worst) at scale \(scale)", sourceLocation: sourceLocation)
}

// MARK: - Tests

@Suite struct GemmTests {
    @Test(arguments: GemmKernel.Variant.supported, GemmCase.all)
    func variantMatchesReference(variant: GemmKernel.Variant, shape: GemmCase) {
        for (alpha, accumulate) in [(Float(1), false), (0.5, true)] {
            let actual = gemmRun(shape) { a, b, out in
                GemmKernel.multiply(
                    m: shape.m, n: shape.n, k: shape.k, alpha: alpha, a: a, b: b, accumulate: accumulate,
                    into: out, ldc: shape.ldc, variant: variant)
            }
            expectClose(actual, gemmReference(shape, alpha: alpha, accumulate: accumulate))
        }
    }

    @Test(arguments: GemmKernel.Variant.supported, GemmCase.all.filter { $0.k > 0 && $0.pad == (0, 0, 0) })
    func packedMatchesReference(variant: GemmKernel.Variant, shape: GemmCase) throws {
        let stored = gemmValues(shape.bCount, seed: 2)
        let packed = try #require(
            PackedGemmMatrix(stored, k: shape.k, n: shape.n, transposed: shape.transB, variant: variant))
        #expect(packed.variant == variant)
        let actual = gemmRun(shape) { a, _, out in
            GemmKernel.multiply(m: shape.m, a: a, packed: packed, accumulate: true, into: out, ldc: shape.ldc)
        }
        expectClose(actual, gemmReference(shape, alpha: 1, accumulate: true))
    }

    @Test func threadsSplitRowsWithoutChangingResults() {
        let shape = GemmCase(m: 203, n: 90, k: 150, transA: true)
        let actual = gemmRun(shape) { a, b, out in
            GemmKernel.multiply(
                m: shape.m, n: shape.n, k: shape.k, a: a, b: b, accumulate: true, into: out, ldc: shape.ldc, threads: 3)
        }
        expectClose(actual, gemmReference(shape, alpha: 1, accumulate: true))
    }

    @Test func forcedPortableVariantIsUsedByDefault() {
        #expect(GemmKernel.setDefault(.portable))
        defer { GemmKernel.setDefault(nil) }
        #expect(GemmKernel.Variant.current == .portable)
        let shape = GemmCase(m: 33, n: 65, k: 17)
        let actual = gemmRun(shape) { a, b, out in
            GemmKernel.multiply(
                m: shape.m, n: shape.n, k: shape.k, a: a, b: b, accumulate: false, into: out, ldc: shape.ldc)
        }
        expectClose(actual, gemmReference(shape, alpha: 1, accumulate: false))
    }

    @Test func zeroDepthZeroesOrKeepsC() {
        let shape = GemmCase(m: 4, n: 3, k: 0)
        let zeroed = gemmRun(shape) { a, b, out in
            GemmKernel.multiply(m: 4, n: 3, k: 0, a: a, b: b, accumulate: false, into: out, ldc: 3)
        }
        let kept = gemmRun(shape) { a, b, out in
            GemmKernel.multiply(m: 4, n: 3, k: 0, a: a, b: b, accumulate: true, into: out, ldc: 3)
        }
        #expect(zeroed == [Float](repeating: 0, count: 12))
        #expect(kept == [Float](repeating: 1, count: 12))
    }

    @Test func packingRejectsMismatchedSizes() {
        #expect(PackedGemmMatrix([1, 2, 3], k: 2, n: 2) == nil)
        #expect(PackedGemmMatrix([], k: 0, n: 2) == nil)
        #expect(PackedGemmMatrix([1, 2], k: Int.max, n: 2) == nil)
    }

    @Test(arguments: GemmKernel.Variant.supported)
    func packingInPlaceGivesTheCopysLayout(variant: GemmKernel.Variant) throws {
        // Depths on both sides of every variant's depth block; widths a multiple of every panel.
        for (k, n) in [(1, 32), (5, 64), (400, 32), (1000, 96)] {
            for transposed in [false, true] {
                let stored = gemmValues(k * n, seed: 3)
                let copy = try #require(PackedGemmMatrix(stored, k: k, n: n, transposed: transposed, variant: variant))
                var values = stored
                let inPlace = try #require(
                    PackedGemmMatrix(taking: &values, k: k, n: n, transposed: transposed, variant: variant))
                #expect(values.isEmpty)
                let expected = copy.withPacked { Array(UnsafeBufferPointer(start: $0, count: k * n)) }
                let actual = inPlace.withPacked { Array(UnsafeBufferPointer(start: $0, count: k * n)) }
                #expect(actual == expected, "k \(k), n \(n), transposed \(transposed)")
            }
        }
    }

    @Test func packingInPlaceLeavesPaddedShapesAlone() {
        var values = gemmValues(4 * 3, seed: 4)
        let before = values
        #expect(PackedGemmMatrix(taking: &values, k: 4, n: 3) == nil)
        #expect(values == before)
        #expect(PackedGemmMatrix(values, k: 4, n: 3) != nil)
    }

    @Test func bestVariantIsSupported() {
        #expect(GemmKernel.Variant.current.isSupported)
        #expect(GemmKernel.Variant.supported.contains(.portable))
    }
}
