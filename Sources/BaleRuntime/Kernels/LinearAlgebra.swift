/// Row-major f32 matrix products shared by Gemm and MatMul, on top of ``GemmKernel``.
enum Linear {
    // MARK: - Products

    /// Adds `alpha · op(A) · op(B)` to `c` for every batch: pair `(ia, ib)` at position `t` multiplies
    /// matrix `ia` of `a` by matrix `ib` of `b` into matrix `t` of `c` (`m × n`).
    ///
    /// Each matrix of `a` stores `m × k` (or `k × m` read transposed with `transA`), each of `b`
    /// `k × n` (or `n × k` with `transB`). Callers check the sizes; sizes that do not fit the arrays
    /// leave `c` unchanged rather than trap.
    static func multiply(
        _ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int, alpha: Float = 1,
        transA: Bool = false, transB: Bool = false, batches: [(Int, Int)] = [(0, 0)], threads: Int = 1
    ) {
        guard m > 0, n > 0, k > 0, fits(a, b, c, m: m, n: n, k: k, batches: batches) else { return }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    for (t, (ia, ib)) in batches.enumerated() {
                        GemmKernel.multiply(
                            m: m, n: n, k: k, alpha: alpha,
                            a: GemmOperand(a + ia * m * k, leading: transA ? m : k, transposed: transA),
                            b: GemmOperand(b + ib * k * n, leading: transB ? k : n, transposed: transB),
                            accumulate: true, into: c + t * m * n, ldc: n, threads: threads)
                    }
                }
            }
        }
    }

    /// Whether every batch pair names matrices inside `a` and `b` and `c` holds every output.
    private static func fits(
        _ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, batches: [(Int, Int)]
    ) -> Bool {
        let (aSize, bSize, cSize) = (m.multipliedReportingOverflow(by: k), k.multipliedReportingOverflow(by: n),
                                     m.multipliedReportingOverflow(by: n))
        guard !aSize.overflow, !bSize.overflow, !cSize.overflow, batches.count <= c.count / cSize.partialValue else {
            return false
        }
        return batches.allSatisfy { ia, ib in
            ia >= 0 && ib >= 0 && ia < a.count / aSize.partialValue && ib < b.count / bSize.partialValue
        }
    }

    // MARK: - Layout and epilogue

    /// Adds `bias` (length `columns`) to every row of `y`, then applies `activation`, splitting the
    /// rows over `threads` when there are enough of them.
    static func finish(_ y: inout [Float], columns: Int, bias: [Float]?, activation: FusedActivation?, threads: Int) {
        guard bias != nil || activation != nil, columns > 0, y.count % columns == 0 else { return }
        let rows = y.count / columns
        let parts = y.count >= parallelEpilogueElements ? min(max(threads, 1), rows) : 1
        y.withUnsafeMutableBufferPointer { y in
            guard let base = y.baseAddress else { return }
            withOptionalPointer(bias) { bias in
                Parallel.run(parts: parts) { part in
                    let block = Parallel.range(of: part, parts: parts, count: rows)
                    finish(rows: block, of: base, columns: columns, bias: bias, activation: activation)
                }
            }
        }
    }

    /// Adds `bias` (`columns` values, when given) to rows `rows` of the row-major `y` (`columns`
    /// wide), then applies `activation` to them: the epilogue of one block of a product.
    static func finish(
        rows: Range<Int>, of y: UnsafeMutablePointer<Float>, columns: Int, bias: UnsafePointer<Float>?,
        activation: FusedActivation?
    ) {
        guard bias != nil || activation != nil, !rows.isEmpty else { return }
        if let bias {
            for r in rows {
                let row = y + r * columns
                for j in 0..<columns { row[j] += bias[j] }
            }
        }
        activation?.apply(to: UnsafeMutableBufferPointer(start: y + rows.lowerBound * columns, count: rows.count * columns))
    }

    /// Outputs at least this large have their epilogue split over threads.
    private static let parallelEpilogueElements = 1 << 16

    /// Calls `body` with a pointer to `values`' elements, or `nil` when there are none.
    static func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
