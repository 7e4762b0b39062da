/// The blocked f32 matrix multiply behind the reference Conv (im2col × weights).
///
/// Not a tuned GEMM (SIMD/C kernels come later), but cache-blocked and written so its innermost
/// loop is a contiguous multiply-add over a row, which the compiler vectorises in release builds;
/// four output rows share each load of the right-hand row.
enum ConvMatrixMultiply {
    /// Columns of the output handled per block: a block of `b` rows stays in L1/L2 cache.
    private static let columnBlock = 256
    /// Inner-dimension rows handled per block.
    private static let depthBlock = 128

    /// `c[m×n] += a[m×k] · b[k×n]`, all row-major and contiguous.
    ///
    /// - Parameters:
    ///   - a: the left matrix (`m` rows of `k`), e.g. one group's weights.
    ///   - b: the right matrix (`k` rows of `n`), e.g. im2col columns.
    ///   - c: the output (`m` rows of `n`), accumulated into.
    static func accumulate(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int
    ) {
        var column = 0
        while column < n {
            let width = min(columnBlock, n - column)
            var depth = 0
            while depth < k {
                let depthEnd = min(depth + depthBlock, k)
                var row = 0
                while row + 4 <= m {
                    accumulateFourRows(a + row * k, k, b + column, n, c + row * n + column, n, depth..<depthEnd, width)
                    row += 4
                }
                while row < m {
                    let aRow = a + row * k
                    let cRow = c + row * n + column
                    for p in depth..<depthEnd { multiplyAdd(aRow[p], b + p * n + column, into: cRow, count: width) }
                    row += 1
                }
                depth = depthEnd
            }
            column += width
        }
    }

    /// `y[0..<count] += alpha * x[0..<count]`.
    @inline(__always)
    static func multiplyAdd(_ alpha: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// Four output rows of one block: `c[r][j] += Σ_p a[r][p] * b[p][j]` for `p` in `depths`, `j < width`.
    @inline(__always)
    private static func accumulateFourRows(
        _ a: UnsafePointer<Float>, _ aStride: Int, _ b: UnsafePointer<Float>, _ bStride: Int,
        _ c: UnsafeMutablePointer<Float>, _ cStride: Int, _ depths: Range<Int>, _ width: Int
    ) {
        let (c0, c1, c2, c3) = (c, c + cStride, c + 2 * cStride, c + 3 * cStride)
        for p in depths {
            let (a0, a1, a2, a3) = (a[p], a[aStride + p], a[2 * aStride + p], a[3 * aStride + p])
            let x = b + p * bStride
            var j = 0
            while j < width {
                let value = x[j]
                c0[j] += a0 * value
                c1[j] += a1 * value
                c2[j] += a2 * value
                c3[j] += a3 * value
                j += 1
            }
        }
    }
}
