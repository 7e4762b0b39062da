private import CBaleKernels

/// A constant right-hand side (`k × n` weights) packed once for one micro-kernel variant, so
/// repeated products skip re-packing it (it matters most for small `m`, e.g. batch-1 inference).
///
/// Immutable after `init`, so it can be shared between threads and cached by whoever owns the
/// weights. It keeps the unpacked source too, for the Swift fallback path.
package final class PackedGemmMatrix: @unchecked Sendable {
    /// Rows of `op(B)` (the depth `k`).
    package let rows: Int
    /// Columns of `op(B)` (`n`).
    package let columns: Int
    /// The variant the panels were packed for (products must use the same one).
    package let variant: GemmKernel.Variant
    /// The packed panels (`bale_pack_b` layout for `variant`).
    private let packed: [Float]
    /// `op(B)` as given, row-major `rows × columns`.
    private let source: [Float]

    /// Packs `values`, a row-major `k × n` matrix (or, with `transposed`, `n × k` read as its
    /// transpose), for `variant` (default: the current one); `nil` when the sizes do not match
    /// `values.count` or the variant cannot run here.
    package init?(_ values: [Float], k: Int, n: Int, transposed: Bool = false, variant: GemmKernel.Variant? = nil) {
        let variant = variant ?? .current
        guard k > 0, n > 0, variant.isSupported, k.multipliedReportingOverflow(by: n) == (values.count, false) else {
            return nil
        }
        let size = bale_pack_b_size(variant.rawValue, k, n)
        guard size > 0 else { return nil }
        var packed = [Float](repeating: 0, count: size)
        let status = values.withUnsafeBufferPointer { b in
            packed.withUnsafeMutableBufferPointer { p in
                bale_pack_b(
                    variant.rawValue, transposed ? 1 : 0, k, n, b.baseAddress, transposed ? k : n, p.baseAddress)
            }
        }
        guard status == 0 else { return nil }
        (self.rows, self.columns, self.variant, self.packed) = (k, n, variant, packed)
        self.source = transposed ? Linear.transposed(values, rows: n, cols: k) : values
    }

    /// Calls `body` with the packed panels.
    func withPacked<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        packed.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Calls `body` with the unpacked `op(B)` as an operand.
    func withSource(_ body: (GemmOperand) -> Void) {
        source.withUnsafeBufferPointer { body(GemmOperand($0.baseAddress, leading: columns)) }
    }
}
