private import CBaleKernels

/// A constant right-hand side (`k × n` weights) packed once for one micro-kernel variant, so
/// repeated products skip re-packing it (it matters most for small `m`, e.g. batch-1 inference).
///
/// Immutable after `init`, so it can be shared between threads and cached by whoever owns the
/// weights. It replaces the constant input it was made from (``PreparedReplacement``): the
/// executor keeps the packed panels only, so a weight matrix is held once.
package final class PackedGemmMatrix: PreparedReplacement, @unchecked Sendable {
    /// Rows of `op(B)` (the depth `k`).
    package let rows: Int
    /// Columns of `op(B)` (`n`).
    package let columns: Int
    /// The variant the panels were packed for (products must use the same one).
    package let variant: GemmKernel.Variant
    /// The packed panels (`bale_pack_b` layout for `variant`).
    private let packed: [Float]
    /// The node input the panels replace: B.
    package let replacedInputs = [1]

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
    }

    /// Packs the row-major `k × n` matrix in `values` (or, with `transposed`, `n × k` read as its
    /// transpose) for `variant` (default: the current one) in its own storage, leaving `values`
    /// empty, so the matrix is never held twice (when `values` is its only reference); `nil`, with
    /// `values` untouched, when the sizes do not match, the variant cannot run here, or its panels
    /// would need padding (then use ``init(_:k:n:transposed:variant:)``).
    package init?(taking values: inout [Float], k: Int, n: Int, transposed: Bool = false, variant: GemmKernel.Variant? = nil) {
        let variant = variant ?? .current
        guard k > 0, n > 0, variant.isSupported, k.multipliedReportingOverflow(by: n) == (values.count, false),
            bale_pack_b_in_place_supported(variant.rawValue, k, n) != 0
        else { return nil }
        var packed = values
        values = []
        let status = packed.withUnsafeMutableBufferPointer { p in
            bale_pack_b_in_place(variant.rawValue, transposed ? 1 : 0, k, n, p.baseAddress)
        }
        guard status == 0 else {
            values = packed  // only an allocation failure gets here, before anything moved
            return nil
        }
        (self.rows, self.columns, self.variant, self.packed) = (k, n, variant, packed)
    }

    /// Calls `body` with the packed panels.
    package func withPacked<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        packed.withUnsafeBufferPointer { body($0.baseAddress) }
    }

}
