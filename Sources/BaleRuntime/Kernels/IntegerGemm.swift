package import BaleGraph

/// The 8-bit integer element types quantized tensors use (`i8`, `u8`).
package protocol QuantizedElement: FixedWidthInteger, Sendable {
    /// The element type of a tensor of these values.
    static var dtype: DType { get }
    /// Tensor storage holding `values`.
    static func storage(_ values: [Self]) -> TensorStorage
}

extension Int8: QuantizedElement {
    package static var dtype: DType { .i8 }
    package static func storage(_ values: [Int8]) -> TensorStorage { .i8(values) }
}

extension UInt8: QuantizedElement {
    package static var dtype: DType { .u8 }
    package static func storage(_ values: [UInt8]) -> TensorStorage { .u8(values) }
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
package enum IntegerGemm {
    /// `c[i, j] = Σ_p (a[i, p] - aZeroPoint) · (b[p, j] - bZeroPoints[j])` on the packed C int8
    /// kernels (``QGemmKernel``), for every pair of 8-bit types; ``QGemmReference`` is its definition.
    ///
    /// All matrices are row-major and contiguous: `a` is `m × k`, `b` is `k × n`, `bZeroPoints`
    /// has `n` values (one per column) and `c` (`m × n`) is overwritten. Zero points are values of
    /// their operand's type, as ONNX requires. The kernels take `UInt8` A and `Int8` B; other types
    /// are shifted by 128 into them first (``flipped(_:count:_:)``), which leaves every difference
    /// `value - zeroPoint`, hence every product and wrapping int32 sum, unchanged.
    package static func multiply<A: QuantizedElement, B: QuantizedElement>(
        m: Int, n: Int, k: Int, a: UnsafePointer<A>, aZeroPoint: Int32,
        b: UnsafePointer<B>, bZeroPoints: UnsafePointer<Int32>, c: UnsafeMutablePointer<Int32>
    ) {
        guard m > 0, n > 0 else { return }
        let zeros = (0..<n).map { flipped(B.self, Int8.self, bZeroPoints[$0]) }
        let uniform = zeros.allSatisfy { $0 == zeros[0] }
        let aZero = flipped(A.self, UInt8.self, aZeroPoint)
        flipped(a, count: m * k) { (a: UnsafePointer<UInt8>?) in
            flipped(b, count: k * n) { (b: UnsafePointer<Int8>?) in
                let weights = QGemmWeights(b, leading: n, zeroPoints: uniform ? (zeros[0] == 0 ? [] : [zeros[0]]) : zeros)
                let activations = QGemmActivations(a, leading: k, zeroPoint: aZero)
                QGemmKernel.multiply(m: m, n: n, k: k, a: activations, b: weights, into: c, ldc: n)
            }
        }
    }

    /// A zero point of `Source` as the `Target` value that stands for the same number after
    /// ``flipped(_:count:_:)`` (itself, or shifted by 128 when the types differ).
    private static func flipped<Source: QuantizedElement, Target: QuantizedElement>(
        _: Source.Type, _: Target.Type, _ zeroPoint: Int32
    ) -> Target {
        let stored = UInt8(truncatingIfNeeded: zeroPoint)
        return Target(truncatingIfNeeded: Source.self == Target.self ? stored : stored ^ 0x80)
    }

    /// Runs `body` on `count` values of `source` as `Target`: the values themselves when the types
    /// match, else a copy shifted by 128 (`u8 - 128` is `i8`, `i8 + 128` is `u8`: the sign bit flipped).
    private static func flipped<Source: QuantizedElement, Target: QuantizedElement>(
        _ source: UnsafePointer<Source>, count: Int, _ body: (UnsafePointer<Target>?) -> Void
    ) {
        if Source.self == Target.self { return body(UnsafeRawPointer(source).assumingMemoryBound(to: Target.self)) }
        let copy = [Target](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Target(truncatingIfNeeded: UInt8(truncatingIfNeeded: source[i]) ^ 0x80) }
            initialized = count
        }
        copy.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
