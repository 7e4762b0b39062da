private import CBaleKernels

/// Constant int8 weights (`k × n`) packed once for one ``QGemmKernel`` variant: 4-deep column
/// groups in the micro-kernel's panel order, with every column sum of B precomputed (the
/// activations' zero point becomes a per-column correction), plus the weights' zero points.
///
/// Immutable after `init` and owning its 64-byte-aligned buffer, so it can be shared between
/// threads and cached by whoever owns the weights.
package final class PackedQGemmMatrix: @unchecked Sendable {
    /// Rows of `op(B)` (the depth `k`).
    package let rows: Int
    /// Columns of `op(B)` (`n`).
    package let columns: Int
    /// The variant the panels were packed for (products use the same one).
    package let variant: QGemmKernel.Variant
    /// The weights' zero points: none (0), one for every column, or one per column.
    package let zeroPoints: [Int8]
    /// The packed bytes (`bale_qgemm_pack_b` layout for `variant`); never written after `init`.
    let packed: UnsafeRawPointer

    /// Packs `values`, a row-major `k × n` matrix (or, with `transposed`, `n × k` read as its
    /// transpose), for `variant` (default: the current one); `nil` when the sizes do not match
    /// `values.count`, `zeroPoints` holds neither 0, 1 nor `n` values, or the variant cannot run here.
    package init?(
        _ values: [Int8], k: Int, n: Int, transposed: Bool = false, zeroPoints: [Int8] = [],
        variant: QGemmKernel.Variant? = nil
    ) {
        let variant = variant ?? .current
        guard k >= 0, n > 0, variant.isSupported, [0, 1, n].contains(zeroPoints.count),
            k.multipliedReportingOverflow(by: n) == (values.count, false)
        else { return nil }
        let size = bale_qgemm_pack_b_size(variant.rawValue, k, n)
        guard size > 0 else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let status = values.withUnsafeBufferPointer { b in
            bale_qgemm_pack_b(variant.rawValue, transposed ? 1 : 0, k, n, b.baseAddress, transposed ? k : n, buffer)
        }
        guard status == 0 else {
            buffer.deallocate()
            return nil
        }
        (rows, columns, self.variant, self.zeroPoints, packed) = (k, n, variant, zeroPoints, UnsafeRawPointer(buffer))
    }

    deinit { packed.deallocate() }
}
