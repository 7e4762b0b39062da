/// The portable Swift sgemm: the reference the C micro-kernels are tested against, and the
/// fallback when the C side cannot allocate its packing buffers.
///
/// The product runs in i-k-j order over cache blocks, so with an untransposed B the innermost
/// loop is a contiguous `c[i, j...] += a[i, p] * b[p, j...]` the compiler vectorises; a block of
/// B is reused for every row of A while it stays in cache.
package enum GemmReference {
    /// Rows of B (the depth) in one cache block.
    private static let depthBlock = 128
    /// Columns of B and C in one cache block: `depthBlock × columnBlock` floats is 128 KiB.
    private static let columnBlock = 256

    /// `C = alpha · op(A) · op(B) + (accumulate ? C : 0)`, with the same contract as
    /// ``GemmKernel/multiply(m:n:k:alpha:a:b:accumulate:into:ldc:variant:threads:)``.
    package static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: GemmOperand, b: GemmOperand,
        accumulate: Bool, into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if !accumulate {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
        }
        guard k > 0, let aBase = a.base, let bBase = b.base else { return }
        for j0 in stride(from: 0, to: n, by: columnBlock) {
            let width = min(columnBlock, n - j0)
            for p0 in stride(from: 0, to: k, by: depthBlock) {
                for i in 0..<m {
                    let cRow = c + i * ldc + j0
                    for p in p0..<min(p0 + depthBlock, k) {
                        let scale = alpha * a.element(i, p, in: aBase)
                        if b.transposed {
                            for j in 0..<width { cRow[j] += scale * b.element(p, j0 + j, in: bBase) }
                        } else {
                            let bRow = bBase + p * b.leading + j0
                            var j = 0
                            while j < width {
                                cRow[j] += scale * bRow[j]
                                j += 1
                            }
                        }
                    }
                }
            }
        }
    }
}
