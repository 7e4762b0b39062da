import BaleGraph

/// The 8-bit integer element types quantized tensors use (`i8`, `u8`).
protocol QuantizedElement: FixedWidthInteger, Sendable {
    /// The element type of a tensor of these values.
    static var dtype: DType { get }
    /// Tensor storage holding `values`.
    static func storage(_ values: [Self]) -> TensorStorage
}

extension Int8: QuantizedElement {
    static var dtype: DType { .i8 }
    static func storage(_ values: [Int8]) -> TensorStorage { .i8(values) }
}

extension UInt8: QuantizedElement {
    static var dtype: DType { .u8 }
    static func storage(_ values: [UInt8]) -> TensorStorage { .u8(values) }
}

extension QuantizedElement {
    /// `value` rounded half to even and saturated to the type's range; NaN becomes 0.
    static func saturating(_ value: Float) -> Self {
        if value.isNaN { return 0 }
        let rounded = value.rounded(.toNearestOrEven)
        if rounded <= Float(Self.min) { return .min }
        if rounded >= Float(Self.max) { return .max }
        return Self(rounded)
    }
}

/// The integer matrix product every quantized kernel (MatMulInteger, QLinearMatMul, ConvInteger,
/// QLinearConv) runs on: int32 sums of 8-bit operands minus their zero points.
///
/// This is the one place the integer inner product lives, so a faster kernel can replace it
/// without touching the operators.
enum IntegerGemm {
    /// ``reference(m:n:k:a:aZeroPoint:b:bZeroPoints:c:)``'s product, on the packed C int8 kernels
    /// (VNNI, AVX2, NEON, portable; ``QGemmKernel``) when A is `UInt8` and B is `Int8`, the layout
    /// they take; other type pairs run the reference loop.
    static func multiply<A: QuantizedElement, B: QuantizedElement>(
        m: Int, n: Int, k: Int, a: UnsafePointer<A>, aZeroPoint: Int32,
        b: UnsafePointer<B>, bZeroPoints: UnsafePointer<Int32>, c: UnsafeMutablePointer<Int32>
    ) {
        guard A.self == UInt8.self, B.self == Int8.self, (0...255).contains(aZeroPoint), n > 0 else {
            return reference(m: m, n: n, k: k, a: a, aZeroPoint: aZeroPoint, b: b, bZeroPoints: bZeroPoints, c: c)
        }
        let zeros = (0..<n).map { Int8(truncatingIfNeeded: bZeroPoints[$0]) }
        let uniform = zeros.allSatisfy { $0 == zeros[0] }
        let weights = QGemmWeights(
            UnsafeRawPointer(b).assumingMemoryBound(to: Int8.self), leading: n,
            zeroPoints: uniform ? (zeros[0] == 0 ? [] : [zeros[0]]) : zeros)
        let activations = QGemmActivations(
            UnsafeRawPointer(a).assumingMemoryBound(to: UInt8.self), leading: k, zeroPoint: UInt8(aZeroPoint))
        QGemmKernel.multiply(m: m, n: n, k: k, a: activations, b: weights, into: c, ldc: n)
    }

    /// The portable definition: `c[i, j] = Σ_p (a[i, p] - aZeroPoint) · (b[p, j] - bZeroPoints[j])`, all row-major and
    /// contiguous: `a` is `m × k`, `b` is `k × n`, `bZeroPoints` has `n` values (one per column)
    /// and `c` (`m × n`) is overwritten. Sums wrap on int32 overflow, as onnxruntime's do.
    static func reference<A: QuantizedElement, B: QuantizedElement>(
        m: Int, n: Int, k: Int, a: UnsafePointer<A>, aZeroPoint: Int32,
        b: UnsafePointer<B>, bZeroPoints: UnsafePointer<Int32>, c: UnsafeMutablePointer<Int32>
    ) {
        for i in 0..<m {
            let row = c + i * n
            row.update(repeating: 0, count: n)
            for p in 0..<k {
                let left = Int32(truncatingIfNeeded: a[i * k + p]) &- aZeroPoint
                let right = b + p * n
                for j in 0..<n {
                    row[j] = row[j] &+ left &* (Int32(truncatingIfNeeded: right[j]) &- bZeroPoints[j])
                }
            }
        }
    }
}
