import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    ///
    /// Lines along the last axis are computed in place in the output; lines along another axis
    /// are copied into a contiguous scratch line first. Large inputs are split over the
    /// context's threads by blocks of the axes before `axis`.
    static func softmax(log takeLog: Bool) -> KernelFunction {
        { context throws(RuntimeError) in
            let x = try context.floatInput(0)
            let axis = try context.axis(context.int("axis", -1), rank: x.shape.count)
            guard x.count > 0 else { return [x] }
            let view = AxisView(x.shape, axis: axis)
            let (length, inner, block) = (view.length, view.inner, view.length * view.inner)
            let y = x.asFloats.withUnsafeBufferPointer { values in
                context.output().make(count: x.count) { out in
                    Parallel.forEachChunk(of: view.outer, work: x.count, threads: context.threads) { blocks in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * length) { scratch in
                            for base in blocks.lazy.map({ $0 * block }) {
                                guard inner > 1 else {
                                    softmax(
                                        UnsafeBufferPointer(rebasing: values[base..<(base + length)]),
                                        into: out.baseAddress! + base, log: takeLog)
                                    continue
                                }
                                let (line, result) = (scratch.baseAddress!, scratch.baseAddress! + length)
                                for i in 0..<inner {
                                    for j in 0..<length { line[j] = values[base + i + j * inner] }
                                    softmax(UnsafeBufferPointer(start: line, count: length), into: result, log: takeLog)
                                    for j in 0..<length { out[base + i + j * inner] = result[j] }
                                }
                            }
                        }
                    }
                }
            }
            return [Tensor(shape: x.shape, floats: y)]
        }
    }

    /// Writes the softmax (or log-softmax) of the contiguous `line` to `result` (which may be
    /// uninitialised but must not overlap `line`).
    private static func softmax(_ line: UnsafeBufferPointer<Float>, into result: UnsafeMutablePointer<Float>, log takeLog: Bool) {
        let peak = RowMath.maximum(line)
        for j in line.indices { (result + j).initialize(to: expf(line[j] - peak)) }
        let sum = RowMath.sum(UnsafeBufferPointer(start: result, count: line.count))
        if takeLog {
            let logSum = logf(sum)
            for j in line.indices { result[j] = line[j] - peak - logSum }
        } else {
            for j in line.indices { result[j] /= sum }
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
