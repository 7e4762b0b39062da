import BaleRuntime
import Testing

/// Which operand types an ``IntegerGemm`` case multiplies.
enum IntegerGemmPair: String, CaseIterable, CustomTestStringConvertible {
    case u8u8, u8i8, i8u8, i8i8
    var testDescription: String { rawValue }
}

/// How the zero points of an ``IntegerGemm`` case are chosen.
enum IntegerGemmZeros: String, CaseIterable, CustomTestStringConvertible {
    /// Both zero points 0.
    case zero
    /// A and every column of B at their types' minimum.
    case minimum
    /// A and every column of B at their types' maximum.
    case maximum
    /// A at its maximum, B's columns alternating minimum and maximum, then whatever the bytes give.
    case perColumn
    var testDescription: String { rawValue }

    /// A's zero point for elements of type `T`.
    func a<T: FixedWidthInteger>(_: T.Type) -> Int32 {
        switch self {
        case .zero: 0
        case .minimum: Int32(T.min)
        case .maximum, .perColumn: Int32(T.max)
        }
    }

    /// B's `n` zero points for elements of type `T`.
    func b<T: FixedWidthInteger>(_: T.Type, n: Int) -> [Int32] {
        switch self {
        case .zero: [Int32](repeating: 0, count: n)
        case .minimum: [Int32](repeating: Int32(T.min), count: n)
        case .maximum: [Int32](repeating: Int32(T.max), count: n)
        case .perColumn:
            qgemmBytes(n, seed: 99, as: T.self).enumerated().map { j, byte in
                j < 2 ? Int32(j == 0 ? T.min : T.max) : Int32(byte)
            }
        }
    }
}

/// `IntegerGemm.multiply` on the case's seeded operands, and `QGemmReference`'s result for them.
func integerGemmResults<A: QuantizedElement, B: QuantizedElement>(
    _: A.Type, _: B.Type, m: Int, n: Int, k: Int, zeros: IntegerGemmZeros, a: [A]? = nil, b: [B]? = nil
) -> (actual: [Int32], expected: [Int32]) {
    let a = a ?? qgemmBytes(m * k, seed: UInt64(m * 31 + k), as: A.self)
    let b = b ?? qgemmBytes(k * n, seed: UInt64(n * 17 + k), as: B.self)
    let (aZero, bZeros) = (zeros.a(A.self), zeros.b(B.self, n: n))
    var actual = [Int32](repeating: 7, count: m * n)
    var expected = actual
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            IntegerGemm.multiply(
                m: m, n: n, k: k, a: a.baseAddress!, aZeroPoint: aZero, b: b.baseAddress!, bZeroPoints: bZeros,
                c: &actual)
        }
    }
    QGemmReference.multiply(
        m: m, n: n, k: k, a: { a[$0 * k + $1] }, aZeroPoint: aZero, b: { b[$0 * n + $1] },
        bZeroPoint: { bZeros[$0] }, into: &expected, ldc: n)
    return (actual, expected)
}

@Suite struct IntegerGemmTests {
    /// `(m, n, k)`: empty depth, one column, odd sizes and sizes past every tile width.
    static let shapes = [(1, 1, 0), (3, 1, 5), (2, 4, 0), (7, 13, 17), (1, 33, 64), (19, 5, 1), (6, 70, 129)]

    @Test(arguments: IntegerGemmPair.allCases, IntegerGemmZeros.allCases)
    func everyPairMatchesReference(pair: IntegerGemmPair, zeros: IntegerGemmZeros) {
        func check<A: QuantizedElement, B: QuantizedElement>(_: A.Type, _: B.Type) {
            for (m, n, k) in Self.shapes {
                let (actual, expected) = integerGemmResults(A.self, B.self, m: m, n: n, k: k, zeros: zeros)
                #expect(actual == expected, "\(m)×\(n)×\(k)")
            }
        }
        switch pair {
        case .u8u8: check(UInt8.self, UInt8.self)
        case .u8i8: check(UInt8.self, Int8.self)
        case .i8u8: check(Int8.self, UInt8.self)
        case .i8i8: check(Int8.self, Int8.self)
        }
    }

    /// Sums past `Int32.max` wrap exactly as the reference's do, for every pair.
    @Test(arguments: IntegerGemmPair.allCases)
    func overflowingSumsWrapLikeReference(pair: IntegerGemmPair) {
        func extremes<A: QuantizedElement, B: QuantizedElement>(_: A.Type, _: B.Type) -> [Int32] {
            let k = 40_000
            let (actual, expected) = integerGemmResults(
                A.self, B.self, m: 2, n: 2, k: k, zeros: .maximum, a: [A](repeating: .min, count: 2 * k),
                b: [B](repeating: .min, count: 2 * k))
            #expect(actual == expected)
            return actual
        }
        switch pair {
        case .u8u8: #expect(extremes(UInt8.self, UInt8.self)[0] == Int32(truncatingIfNeeded: 255 * 255 * 40_000))
        case .u8i8: _ = extremes(UInt8.self, Int8.self)
        case .i8u8: _ = extremes(Int8.self, UInt8.self)
        case .i8i8: #expect(extremes(Int8.self, Int8.self)[0] == Int32(truncatingIfNeeded: 255 * 255 * 40_000))
        }
    }
}
