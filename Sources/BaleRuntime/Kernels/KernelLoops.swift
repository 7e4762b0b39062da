// Building blocks of the f32 kernels' tight loops: outputs created once, work split into
// contiguous chunks over the kernel's threads, and row sums in independent lanes.

extension Parallel {
    /// Work (in elements) below which a kernel stays on the caller's thread: waking workers for
    /// less costs more than it saves.
    static let minimumWork = 1 << 16

    /// Calls `body` on contiguous ranges covering `0..<count` in order of parts: one range when
    /// `work` (elements touched) is below ``minimumWork``, else one per thread, each a multiple
    /// of `quantum` long (16 f32 elements make every boundary a cache-line boundary).
    static func forEachChunk(
        of count: Int, work: Int, threads: Int, quantum: Int = 16, _ body: (Range<Int>) -> Void
    ) {
        let units = (count + quantum - 1) / quantum
        let parts = work < minimumWork ? 1 : Swift.max(1, Swift.min(threads, units))
        run(parts: parts) { part in
            let chunk = range(of: part, parts: parts, count: count, quantum: quantum)
            if !chunk.isEmpty { body(chunk) }
        }
    }
}

extension Array {
    /// An array of `count` elements written by `fill`, which must initialise every element of the
    /// buffer it gets (no zero-filling first).
    static func uninitialized(count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer)
            initialized = count
        }
    }
}

/// Reductions over a contiguous row of f32 elements in eight independent lanes, so they
/// vectorise (the additions happen in a different order than a serial loop's).
enum RowMath {
    /// Σ x[i].
    static func sum(_ x: UnsafeBufferPointer<Float>) -> Float {
        reduce(x, from: 0, { $0 + $1 }, lanes: { $0.sum() })
    }

    /// Σ (x[i] - mean)².
    static func squaredDeviation(_ x: UnsafeBufferPointer<Float>, from mean: Float) -> Float {
        reduce(x, from: 0, { $0 + ($1 - mean) * ($1 - mean) }, lanes: { $0.sum() })
    }

    /// The largest x[i] (`-infinity` for an empty row; NaN elements are skipped).
    static func maximum(_ x: UnsafeBufferPointer<Float>) -> Float {
        reduce(x, from: -.infinity, { $1 > $0 ? $1 : $0 }, lanes: { $0.max() })
    }

    /// Folds `x` into eight lane accumulators with `combine` (lane `k` takes elements `k`, `k + 8`,
    /// …), then the lanes into one with `merge`.
    @inline(__always)
    private static func reduce(
        _ x: UnsafeBufferPointer<Float>, from initial: Float, _ combine: (Float, Float) -> Float,
        lanes merge: (SIMD8<Float>) -> Float
    ) -> Float {
        var lanes = SIMD8<Float>(repeating: initial)
        let whole = x.count & ~7
        var i = 0
        while i < whole {
            for k in 0..<8 { lanes[k] = combine(lanes[k], x[i + k]) }
            i += 8
        }
        var result = merge(lanes)
        while i < x.count {
            result = combine(result, x[i])
            i += 1
        }
        return result
    }
}
