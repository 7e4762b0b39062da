/// The portable Swift int8 product: the reference every C variant of ``QGemmKernel`` is tested
/// against (exactly: integer arithmetic leaves no rounding), and the fallback when the C side
/// cannot allocate its scratch.
///
/// It applies the zero points to each operand before multiplying, the textbook definition, rather
/// than the C side's column- and row-sum corrections, so the two derivations check each other.
package enum QGemmReference {
    /// `C = (A - a.zeroPoint) · (op(B) - b.zeroPoints)`, with the contract of
    /// ``QGemmKernel/multiply(m:n:k:a:b:into:ldc:variant:threads:)``; sums wrap modulo 2³² like the C side.
    package static func multiply(
        m: Int, n: Int, k: Int, a: QGemmActivations, b: QGemmWeights, into c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0, let aBase = a.base, let bBase = b.base else {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            return
        }
        multiply(
            m: m, n: n, k: k, a: { a.element($0, $1, in: aBase) }, aZeroPoint: Int32(a.zeroPoint),
            b: { b.element($0, $1, in: bBase) }, bZeroPoint: { qgemmZeroPoint(b.zeroPoints, $0) }, into: c, ldc: ldc)
    }

    /// The definition for any pair of 8-bit types (the reference of ``IntegerGemm``, too):
    /// `c[i·ldc + j] = Σ_p (a(i, p) - aZeroPoint) · (b(p, j) - bZeroPoint(j))` for `i < m`, `j < n`,
    /// `p < k`, with `a(row, depth)` and `b(depth, column)` the operands' elements; sums wrap modulo 2³².
    package static func multiply<A: QuantizedElement, B: QuantizedElement>(
        m: Int, n: Int, k: Int, a: (_ row: Int, _ depth: Int) -> A, aZeroPoint: Int32,
        b: (_ depth: Int, _ column: Int) -> B, bZeroPoint: (_ column: Int) -> Int32,
        into c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        for i in 0..<m {
            let cRow = c + i * ldc
            cRow.update(repeating: 0, count: n)
            for p in 0..<k {
                let x = Int32(a(i, p)) - aZeroPoint
                for j in 0..<n {
                    cRow[j] &+= x &* (Int32(b(p, j)) - bZeroPoint(j))
                }
            }
        }
    }

    /// `Y = C · (aScale · bScales[col]) + bias[col]` for an `m × n` int32 `C`, in the order the C
    /// epilogue rounds (scale, then multiply, then add).
    package static func dequantize(
        m: Int, n: Int, _ c: UnsafePointer<Int32>, ldc: Int, _ dequantization: QGemmDequantization,
        into y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                let scaled = Float(c[i * ldc + j]) * dequantization.scale(j)
                y[i * ldy + j] = dequantization.bias.map { scaled + $0[j] } ?? scaled
            }
        }
    }
}
