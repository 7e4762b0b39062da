import BaleGraph
import Foundation

extension KernelRegistry {
    /// Math kernels, by operator key.
    static let mathKernels: [String: KernelFunction] = [
        "Softmax": MathOps.softmax(log: false),
        "LogSoftmax": MathOps.softmax(log: true),
        "ArgMax": MathOps.argMax,
        "ReduceMean": Reduction.kernel(mean: true),
        "ReduceSum": Reduction.kernel(mean: false),
    ]
}

/// Kernels that work along one axis: Softmax, LogSoftmax and ArgMax. The reductions over a set of
/// axes are in ``Reduction``.
enum MathOps {
    /// A tensor seen as `[outer, length, inner]` around one axis: element `(o, j, i)` sits at
    /// `(o * length + j) * inner + i`.
    private struct AxisView {
        let outer: Int
        let length: Int
        let inner: Int

        /// The view of `shape` (a scalar counts as `[1]`) around the normalised `axis`.
        init(_ shape: [Int], axis: Int) {
            let dims = shape.isEmpty ? [1] : shape
            outer = dims[..<axis].reduce(1, *)
            length = dims[axis]
            inner = dims[(axis + 1)...].reduce(1, *)
        }

        /// Calls `body` with the offset of the first element and the stride of every line along
        /// the axis.
        func forEachLine(_ body: (_ base: Int, _ stride: Int) -> Void) {
            for o in 0..<outer {
                for i in 0..<inner { body(o * length * inner + i, inner) }
            }
        }
    }

    // MARK: - Softmax

    /// Softmax (or LogSoftmax with `log: true`) of f32 input 0 along attribute `axis` (default -1),
    /// shifted by each line's maximum so large inputs do not overflow.
    static func softmax(log takeLog: Bool) -> KernelFunction {
        { context throws(RuntimeError) in
            let x = try context.floatInput(0)
            let axis = try context.axis(context.int("axis", -1), rank: x.shape.count)
            let view = AxisView(x.shape, axis: axis)
            var y = x.asFloats
            y.withUnsafeMutableBufferPointer { y in
                view.forEachLine { base, step in
                    let line = Swift.stride(from: base, to: base + view.length * step, by: step)
                    let peak = line.reduce(-Float.infinity) { Swift.max($0, y[$1]) }
                    var sum: Float = 0
                    if takeLog {
                        for j in line { sum += Foundation.exp(y[j] - peak) }
                        let logSum = Foundation.log(sum)
                        for j in line { y[j] = y[j] - peak - logSum }
                    } else {
                        for j in line {
                            y[j] = Foundation.exp(y[j] - peak)
                            sum += y[j]
                        }
                        for j in line { y[j] /= sum }
                    }
                }
            }
            return [Tensor(shape: x.shape, floats: y)]
        }
    }

    // MARK: - ArgMax

    /// ArgMax of input 0 (f32, i32 or i64) along attribute `axis` (default 0) as i64, keeping the
    /// axis as size 1 when `keepdims` (default 1). Ties go to the first index, or the last when
    /// `select_last_index`; NaN counts as the largest value, as in NumPy.
    static func argMax(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        guard !x.shape.isEmpty else { throw context.error("input must have rank >= 1, got a scalar") }
        let axis = try context.axis(context.int("axis", 0), rank: x.shape.count)
        let keepDims = try context.int("keepdims", 1) != 0
        let selectLast = try context.int("select_last_index", 0) != 0
        guard x.shape[axis] > 0 else { throw context.error("axis \(axis) of shape \(x.shape) is empty") }
        let view = AxisView(x.shape, axis: axis)
        let indices: [Int64]
        switch x.storage {
        case .f32(let v): indices = argMax(v, view, selectLast: selectLast)
        case .i32(let v): indices = argMax(v, view, selectLast: selectLast)
        case .i64(let v): indices = argMax(v, view, selectLast: selectLast)
        default: throw context.error("input must be f32, i32 or i64, got \(x.dtype)")
        }
        var shape = x.shape
        if keepDims { shape[axis] = 1 } else { shape.remove(at: axis) }
        return [Tensor(shape: shape, int64s: indices)]
    }

    /// The index of the largest element of every line of `view` (`value != value` marks NaN).
    private static func argMax<T: Comparable>(_ values: [T], _ view: AxisView, selectLast: Bool) -> [Int64] {
        /// Whether `value`, at a later index, replaces `best`; once the best is NaN only a later
        /// NaN can (with select_last_index).
        func replaces(_ best: T, with value: T) -> Bool {
            if best != best { return selectLast && value != value }
            return value != value || value > best || (selectLast && value == best)
        }
        var result: [Int64] = []
        result.reserveCapacity(view.outer * view.inner)
        view.forEachLine { base, step in
            var best = values[base]
            var bestIndex = 0
            for j in 1..<view.length {
                let value = values[base + j * step]
                if replaces(best, with: value) {
                    best = value
                    bestIndex = j
                }
            }
            result.append(Int64(bestIndex))
        }
        return result
    }
}
