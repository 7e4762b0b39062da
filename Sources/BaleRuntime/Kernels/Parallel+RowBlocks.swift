extension Parallel {
    /// Runs `body` over disjoint row ranges covering `0..<rows`: one range on the caller's thread
    /// when `work` is below `threshold` or one thread is asked for, else up to `threads` ranges of
    /// whole `quantum`-row blocks run concurrently (so no two parts write one row of the output).
    ///
    /// - Parameters:
    ///   - rows: the rows of the output to cover.
    ///   - work: the size of the whole job (e.g. multiply-adds), compared with `threshold`.
    ///   - quantum: a row count every part's range is a multiple of (e.g. a multiple of every
    ///     micro-kernel's tile height, so only the last part has an edge tile).
    ///
    /// For example, `Parallel.forEachRowBlock(rows: m, work: m * n * k, threads: 2, quantum: 24,
    /// threshold: 1 << 18) { rows in ... }` gives two threads half of a large product each.
    static func forEachRowBlock(
        rows: Int, work: Int, threads: Int, quantum: Int, threshold: Int, _ body: (Range<Int>) -> Void
    ) {
        guard rows > 0 else { return body(0..<0) }
        let blocks = (rows + quantum - 1) / quantum
        let parts = min(max(threads, 1), blocks, work >= threshold ? Int.max : 1)
        guard parts > 1 else { return body(0..<rows) }
        run(parts: parts) { part in
            let range = range(of: part, parts: parts, count: rows, quantum: quantum)
            if !range.isEmpty { body(range) }
        }
    }
}
