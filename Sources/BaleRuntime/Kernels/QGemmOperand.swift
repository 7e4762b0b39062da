/// The left operand of a ``QGemmKernel`` product: `uint8` activations, row-major, with the zero
/// point they were quantized with (asymmetric, as ONNX DynamicQuantizeLinear produces).
///
/// Untransposed storage is `m` rows of at least `k` bytes, `leading` apart; transposed storage is
/// `k` rows of at least `m` bytes (e.g. an im2col matrix, one row per depth). The caller keeps it
/// alive and large enough for the products it names.
package struct QGemmActivations {
    /// The first stored element (`nil` only for an empty matrix).
    package var base: UnsafePointer<UInt8>?
    /// Bytes between the starts of consecutive stored rows.
    package var leading: Int
    /// The stored value that stands for 0.
    package var zeroPoint: UInt8
    /// Whether the product uses the transpose of what is stored.
    package var transposed: Bool

    /// An operand over `base`, for example `QGemmActivations(x, leading: k, zeroPoint: 128)`.
    package init(_ base: UnsafePointer<UInt8>?, leading: Int, zeroPoint: UInt8 = 0, transposed: Bool = false) {
        self.base = base
        self.leading = leading
        self.zeroPoint = zeroPoint
        self.transposed = transposed
    }

    /// The operand whose row 0 is row `row`.
    func rows(from row: Int) -> QGemmActivations {
        var result = self
        result.base = base.map { $0 + (transposed ? row : row * leading) }
        return result
    }

    /// Element `(row, depth)` of A; the caller keeps both in range.
    @inline(__always)
    func element(_ row: Int, _ depth: Int, in base: UnsafePointer<UInt8>) -> UInt8 {
        transposed ? base[depth * leading + row] : base[row * leading + depth]
    }
}

/// The right operand of a ``QGemmKernel`` product: `int8` weights, `k × n`, with a zero point for
/// every column or one per column (usually 0, for symmetric weights).
///
/// Untransposed storage is `k` rows of at least `n` bytes, `leading` apart; transposed storage is
/// `n` rows of at least `k` bytes (e.g. a Gemm weight with `transB`).
package struct QGemmWeights {
    /// The first stored element (`nil` only for an empty matrix).
    package var base: UnsafePointer<Int8>?
    /// Bytes between the starts of consecutive stored rows.
    package var leading: Int
    /// Whether the product uses the transpose of what is stored.
    package var transposed: Bool
    /// No values (zero point 0), one value for every column, or `n` values, one per column.
    package var zeroPoints: [Int8]

    /// An operand over `base`; for example `QGemmWeights(w, leading: k, transposed: true)` reads an
    /// `n × k` weight matrix as `k × n`.
    package init(_ base: UnsafePointer<Int8>?, leading: Int, transposed: Bool = false, zeroPoints: [Int8] = []) {
        self.base = base
        self.leading = leading
        self.transposed = transposed
        self.zeroPoints = zeroPoints
    }

    /// Element `(row, column)` of `op(B)`; the caller keeps both in range.
    @inline(__always)
    func element(_ row: Int, _ column: Int, in base: UnsafePointer<Int8>) -> Int8 {
        transposed ? base[column * leading + row] : base[row * leading + column]
    }
}

/// How a ``QGemmKernel`` product becomes `f32`: `Y = C · (aScale · bScales[col]) + bias[col]`,
/// rounding after each operation (the C kernels and ``QGemmReference`` agree bit for bit).
package struct QGemmDequantization: Sendable {
    /// The activations' scale (ONNX `y_scale` of DynamicQuantizeLinear).
    package var aScale: Float
    /// One scale for every column of B, or `n` values, one per column.
    package var bScales: [Float]
    /// `n` values added after scaling, or `nil` for none.
    package var bias: [Float]?

    /// A dequantization, for example `QGemmDequantization(aScale: 0.02, bScales: [0.01], bias: b)`.
    package init(aScale: Float, bScales: [Float], bias: [Float]? = nil) {
        self.aScale = aScale
        self.bScales = bScales
        self.bias = bias
    }

    /// The scale of column `j`.
    @inline(__always)
    func scale(_ j: Int) -> Float { aScale * bScales[bScales.count == 1 ? 0 : j] }
}

/// Zero point of column `j` from a list of none, one, or one per column.
@inline(__always)
func qgemmZeroPoint(_ zeroPoints: [Int8], _ j: Int) -> Int32 {
    zeroPoints.isEmpty ? 0 : Int32(zeroPoints[zeroPoints.count == 1 ? 0 : j])
}
