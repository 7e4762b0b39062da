/// Row-major f32 matrix products shared by Gemm and MatMul: the portable reference that SIMD
/// micro-kernels will be checked against.
///
/// The product runs in i-k-j order over cache blocks, so the innermost loop is a contiguous
/// `c[i, j...] += a[i, p] * b[p, j...]` the compiler can vectorise; a block of B is reused for
/// every row of A while it stays in cache.
enum Linear {
    /// Rows of B (the depth) in one cache block.
    private static let depthBlock = 128
    /// Columns of B and C in one cache block: `depthBlock × columnBlock` floats is 128 KiB.
    private static let columnBlock = 256

    // MARK: - Products

    /// Adds `alpha · A · B` to `c` for every batch: pair `(ia, ib)` at position `t` multiplies
    /// matrix `ia` of `a` (`m × k`) by matrix `ib` of `b` (`k × n`) into matrix `t` of `c`.
    ///
    /// Callers check the sizes: `a` holds every `ia`, `b` every `ib`, and `c` `batches.count`
    /// matrices of `m × n`.
    static func multiply(
        _ a: [Float], _ b: [Float], into c: inout [Float],
        m: Int, n: Int, k: Int, alpha: Float = 1, batches: [(Int, Int)] = [(0, 0)]
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    for (t, (ia, ib)) in batches.enumerated() {
                        multiply(a + ia * m * k, b + ib * k * n, into: c + t * m * n, m: m, n: n, k: k, alpha: alpha)
                    }
                }
            }
        }
    }

    /// One blocked product `c += alpha · a · b` on contiguous row-major matrices.
    private static func multiply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, alpha: Float
    ) {
        for j0 in stride(from: 0, to: n, by: columnBlock) {
            let width = min(columnBlock, n - j0)
            for p0 in stride(from: 0, to: k, by: depthBlock) {
                let depth = min(depthBlock, k - p0)
                for i in 0..<m {
                    let cRow = c + i * n + j0
                    let aRow = a + i * k + p0
                    for p in 0..<depth {
                        let scale = alpha * aRow[p]
                        let bRow = b + (p0 + p) * n + j0
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

    // MARK: - Layout and epilogue

    /// The `cols × rows` transpose of a row-major `rows × cols` matrix.
    static func transposed(_ values: [Float], rows: Int, cols: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<cols { result[c * rows + r] = values[r * cols + c] }
        }
        return result
    }

    /// Adds `bias` (length `columns`) to every row of `y`, then applies `activation`.
    static func finish(_ y: inout [Float], columns: Int, bias: [Float]?, activation: FusedActivation?) {
        if let bias, columns > 0 {
            for start in stride(from: 0, to: y.count, by: columns) {
                for j in 0..<columns { y[start + j] += bias[j] }
            }
        }
        activation?.apply(to: &y)
    }
}
