/// One matrix operand of a ``GemmKernel`` product: row-major storage, a leading dimension and
/// whether the product reads its transpose.
///
/// For `op(M)` of `r × c`: untransposed storage is `r` rows of at least `c` floats, `leading`
/// apart; transposed storage is `c` rows of at least `r` floats. The caller keeps the storage
/// alive and large enough for the products it names.
package struct GemmOperand {
    /// The first stored element (`nil` only for an empty matrix).
    package var base: UnsafePointer<Float>?
    /// Floats between the starts of consecutive stored rows.
    package var leading: Int
    /// Whether the product uses the transpose of what is stored.
    package var transposed: Bool

    /// An operand over `base`; for example `GemmOperand(w, leading: k, transposed: true)` reads
    /// an `n × k` weight matrix as `k × n`.
    package init(_ base: UnsafePointer<Float>?, leading: Int, transposed: Bool = false) {
        self.base = base
        self.leading = leading
        self.transposed = transposed
    }

    /// The operand whose row 0 is row `row` of `op(M)`.
    func rows(from row: Int) -> GemmOperand {
        var result = self
        result.base = base.map { transposed ? $0 + row : $0 + row * leading }
        return result
    }

    /// Element `(row, column)` of `op(M)`; the caller keeps both in range.
    @inline(__always)
    func element(_ row: Int, _ column: Int, in base: UnsafePointer<Float>) -> Float {
        transposed ? base[column * leading + row] : base[row * leading + column]
    }
}
