import BaleGraph

/// ReduceSum and ReduceMean over a set of axes.
///
/// A reduction is broadcasting run backwards: the reduced shape (with kept 1s) broadcasts to the
/// input shape, so a ``BroadcastPlan`` walk over the input gives, for every input element, the
/// output element it adds into.
enum Reduction {
    /// ReduceMean (`mean`, f32) or ReduceSum (f32 or i64) of input 0 over the axes in optional
    /// input 1, with attributes `keepdims` (default 1) and `noop_with_empty_axes` (default 0).
    ///
    /// No axes means every axis, or the input unchanged with `noop_with_empty_axes`. f32 sums
    /// accumulate in `Double`; i64 sums wrap. The mean over zero elements is NaN, as in NumPy.
    static func kernel(mean: Bool) -> KernelFunction {
        { context throws(RuntimeError) in
            let x = try context.input(0)
            let axes = try context.intsInput(1) ?? []
            if axes.isEmpty, try context.int("noop_with_empty_axes", 0) != 0 { return [x] }
            let reduced = try reducedAxes(axes, rank: x.shape.count, context)
            let kept = x.shape.indices.map { reduced.contains($0) ? 1 : x.shape[$0] }
            let dropped = x.shape.indices.filter { !reduced.contains($0) }.map { x.shape[$0] }
            let shape = try context.int("keepdims", 1) != 0 ? kept : dropped
            let plan = try BroadcastPlan(operands: [kept], into: x.shape, context)
            guard let size = Shapes.count(reduced.map { x.shape[$0] }), let outputCount = Shapes.count(kept) else {
                throw context.error("shape \(x.shape) is too large to reduce")
            }
            switch x.storage {
            case .f32(let v):
                let sums = sum(v, plan, outputCount, from: 0.0) { $0 + Double($1) }
                let scale = mean ? 1 / Double(size) : 1
                return [Tensor(shape: shape, floats: sums.map { Float($0 * scale) })]
            case .i64(let v) where !mean:
                return [Tensor(shape: shape, int64s: sum(v, plan, outputCount, from: 0) { $0 &+ $1 })]
            default:
                throw context.error("input must be \(mean ? "f32" : "f32 or i64"), got \(x.dtype)")
            }
        }
    }

    // MARK: - Helpers

    /// The normalised axes to reduce (all of them when `axes` is empty), refusing repeats.
    private static func reducedAxes(
        _ axes: [Int], rank: Int, _ context: KernelContext
    ) throws(RuntimeError) -> Set<Int> {
        guard !axes.isEmpty else { return Set(0..<rank) }
        var result = Set<Int>()
        for axis in axes {
            let normalised = try context.axis(axis, rank: rank)
            guard normalised < rank else { throw context.error("axis \(axis) is out of range for rank \(rank)") }
            guard result.insert(normalised).inserted else { throw context.error("axis \(axis) is repeated in \(axes)") }
        }
        return result
    }

    /// Sums of `values` (laid out as the plan's shape) into `count` accumulators, one per
    /// element of the kept shape, starting at `zero` and combined with `add`.
    private static func sum<T, A>(
        _ values: [T], _ plan: BroadcastPlan, _ count: Int, from zero: A, _ add: (A, T) -> A
    ) -> [A] {
        var sums = [A](repeating: zero, count: count)
        let step = plan.rowStride(0)
        plan.forEachRun(in: 0..<plan.count) { start, length, offsets in
            for j in 0..<length {
                let o = offsets[0] + j * step
                sums[o] = add(sums[o], values[start + j])
            }
        }
        return sums
    }
}
