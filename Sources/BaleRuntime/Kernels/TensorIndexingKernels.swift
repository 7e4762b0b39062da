import BaleGraph

/// Dtype-agnostic kernels that move elements: Transpose, Concat, Split, Slice, Gather and
/// `ai.onnx.ml:ArrayFeatureExtractor`.
///
/// Each kernel validates its attributes and indices, builds the flat source index of every
/// output element, and gathers them (see `TensorIndexing.swift`); Transpose walks the input with
/// strided loops instead (see ``TransposePlan``).
enum TensorIndexingKernels {
    // MARK: - Transpose and Concat

    /// Transpose: permutes the axes by `perm` (default: reversed).
    static func transpose(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        let rank = data.shape.count
        let perm = try context.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw context.error("perm \(perm) is not a permutation of \(rank) axes")
        }
        let plan = TransposePlan(shape: data.shape, perm: perm, threads: context.threads, into: context.output())
        return [Tensor(shape: perm.map { data.shape[$0] }, storage: data.storage.rearranged(by: plan))]
    }

    /// Concat: joins the inputs along `axis`; all other dimensions must match.
    static func concat(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        var parts: [Tensor] = []
        for index in context.inputs.indices { parts.append(try context.input(index)) }
        guard let first = parts.first, !first.shape.isEmpty else {
            throw context.error("needs at least one input of rank 1 or more")
        }
        guard let axisValue = try context.optionalInt("axis") else { throw context.error("missing attribute 'axis'") }
        let rank = first.shape.count
        let axis = try context.axis(axisValue, rank: rank)
        for (index, part) in parts.enumerated() {
            guard part.dtype == first.dtype else {
                throw context.error("input \(index) is \(part.dtype), expected \(first.dtype)")
            }
            guard part.shape.count == rank, (0..<rank).allSatisfy({ $0 == axis || part.shape[$0] == first.shape[$0] }) else {
                throw context.error("input \(index) shape \(part.shape) does not match \(first.shape) outside axis \(axis)")
            }
        }
        var shape = first.shape
        shape[axis] = try context.checkedSum(parts.map { $0.shape[axis] }, of: "axis \(axis)")
        guard try context.checkedCount(shape) > 0, let joined = TensorStorage.concatenated(parts.map(\.storage)) else {
            return [Tensor(zeros: first.dtype, shape: shape)]
        }
        // With a non-empty output every prefix product is at most the output count.
        let outer = shape[..<axis].reduce(1, *)
        var indices: [Int] = []
        indices.reserveCapacity(joined.count)
        for row in 0..<outer {
            var offset = 0
            for part in parts {
                let chunk = part.count / outer
                indices.append(contentsOf: (offset + row * chunk)..<(offset + (row + 1) * chunk))
                offset += part.count
            }
        }
        return [Tensor(shape: shape, storage: joined.gathered(flatIndices: indices))]
    }

    // MARK: - Split and Slice

    /// Split: cuts `axis` into the sizes of the `split` input, or into `num_outputs` (default: the
    /// node's output count) equal parts, the last one smaller.
    static func split(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        guard !data.shape.isEmpty else { throw context.error("cannot split a scalar") }
        let axis = try context.axis(try context.int("axis", 0), rank: data.shape.count)
        let size = data.shape[axis]
        let outputs = context.node.outputs.count
        let sizes: [Int]
        if let split = try context.intsInput(1) {
            guard split.count == outputs, split.allSatisfy({ $0 >= 0 }),
                  try context.checkedSum(split, of: "split") == size
            else {
                throw context.error("split \(split) does not cut size \(size) of axis \(axis) into \(outputs) outputs")
            }
            sizes = split
        } else {
            let parts = try context.int("num_outputs", outputs)
            guard parts == outputs, parts > 0 else {
                throw context.error("num_outputs \(parts) does not match \(outputs) outputs")
            }
            let chunk = size / parts + (size % parts == 0 ? 0 : 1)
            guard chunk == 0 || parts - 1 <= size / chunk else {
                throw context.error("cannot split size \(size) into \(parts) parts")
            }
            sizes = Array(repeating: chunk, count: parts - 1) + [size - chunk * (parts - 1)]
        }
        var (start, parts) = (0, [Tensor]())
        for length in sizes {
            var axes = data.shape.map(Selection.all)
            axes[axis] = .progression(start: start, step: 1, count: length)
            parts.append(try select(data, axes: axes, context))
            start += length
        }
        return parts
    }

    /// Slice: `starts`, `ends`, optional `axes` and `steps` inputs; negative values count from the
    /// end, out-of-range values clamp (so INT64 max/min mean "to the end"), negative steps walk backwards.
    static func slice(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        guard let starts = try context.intsInput(1), let ends = try context.intsInput(2) else {
            throw context.error("missing required starts or ends input")
        }
        let axes = try context.normalisedAxes(try context.intsInput(3) ?? Array(starts.indices), rank: data.shape.count)
        let steps = try context.intsInput(4) ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw context.error("starts, ends, axes and steps have different lengths")
        }
        var selections = data.shape.map(Selection.all)
        for (i, axis) in axes.enumerated() {
            let (step, size) = (steps[i], data.shape[axis])
            guard step != 0 else { throw context.error("step of axis \(axis) is 0") }
            let (low, high) = step > 0 ? (0, size) : (-1, size - 1)
            let start = min(max(starts[i] < 0 ? starts[i] + size : starts[i], 0), high)
            let end = min(max(ends[i] < 0 ? ends[i] + size : ends[i], low), high)
            // Both are clamped to [-1, size], so the span and every offset below fit in an Int.
            let span = step > 0 ? end - start : start - end
            let count = span > 0 ? Int((UInt(span) - 1) / step.magnitude) + 1 : 0
            selections[axis] = .progression(start: start, step: step, count: count)
        }
        return [try select(data, axes: selections, context)]
    }

    // MARK: - Gather

    /// Gather: takes the entries of `axis` (default 0) listed by the integer `indices` input;
    /// negative indices count from the end. The output shape is
    /// `data.shape[..<axis] + indices.shape + data.shape[(axis + 1)...]`.
    static func gather(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (data, indices) = (try context.input(0), try context.input(1))
        guard !data.shape.isEmpty else { throw context.error("cannot gather from a scalar") }
        let axis = try context.axis(try context.int("axis", 0), rank: data.shape.count)
        let positions = try validIndices(indices, size: data.shape[axis], allowNegative: true, context)
        return [try take(data, axis: axis, positions: positions, shape: indices.shape, context)]
    }

    /// `ai.onnx.ml:ArrayFeatureExtractor`: takes the entries of the last axis of X listed by Y.
    ///
    /// As in onnxruntime the output shape is `X.shape[..<last] + [Y.count]`, and a 1-D X gives
    /// `[1, Y.count]`; an empty Y and negative indices are errors.
    static func arrayFeatureExtractor(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (data, indices) = (try context.input(0), try context.input(1))
        guard let last = data.shape.indices.last else { throw context.error("X must have rank 1 or more") }
        guard indices.count > 0 else { throw context.error("Y has no indices") }
        let positions = try validIndices(indices, size: data.shape[last], allowNegative: false, context)
        let result = try take(data, axis: last, positions: positions, shape: [positions.count], context)
        return [last == 0 ? Tensor(shape: [1, positions.count], storage: result.storage) : result]
    }

    /// The integer `indices` as positions in `0..<size`, or an error naming the first bad index.
    private static func validIndices(
        _ indices: Tensor, size: Int, allowNegative: Bool, _ context: KernelContext
    ) throws(RuntimeError) -> [Int] {
        guard indices.dtype == .i64 || indices.dtype == .i32, let values = indices.int64s else {
            throw context.error("indices must be i32 or i64, got \(indices.dtype)")
        }
        var positions: [Int] = []
        positions.reserveCapacity(values.count)
        for value in values {
            let position = allowNegative && value < 0 ? Int(value) + size : Int(value)
            guard (0..<size).contains(position) else {
                throw context.error("index \(value) is out of range for size \(size)")
            }
            positions.append(position)
        }
        return positions
    }

    /// `data` with `axis` replaced by the entries at `positions`, laid out as `shape`.
    private static func take(
        _ data: Tensor, axis: Int, positions: [Int], shape: [Int], _ context: KernelContext
    ) throws(RuntimeError) -> Tensor {
        let outputShape = Array(data.shape[..<axis]) + shape + Array(data.shape[(axis + 1)...])
        _ = try context.checkedCount(outputShape)  // its dimensions come from two tensors: check them together
        var axes = data.shape.map(Selection.all)
        axes[axis] = .list(positions)
        return Tensor(shape: outputShape, storage: try select(data, axes: axes, context).storage)
    }

    // MARK: - Selection

    /// The input coordinates one axis of a selection reads, materialised only once the output is
    /// known to be non-empty (an empty tensor may have a huge dimension).
    private enum Selection {
        /// `count` coordinates from `start` in steps of `step`.
        case progression(start: Int, step: Int, count: Int)
        /// Listed coordinates (Gather).
        case list([Int])

        /// A whole axis of `size`.
        static func all(_ size: Int) -> Selection { .progression(start: 0, step: 1, count: size) }

        /// Number of coordinates.
        var count: Int {
            switch self {
            case .progression(_, _, let count): count
            case .list(let coordinates): coordinates.count
            }
        }

        /// The coordinates.
        var coordinates: [Int] {
            switch self {
            case .progression(let start, let step, let count): (0..<count).map { start + $0 * step }
            case .list(let coordinates): coordinates
            }
        }
    }

    /// The elements of `data` at the given (valid) coordinates of each input axis.
    private static func select(
        _ data: Tensor, axes: [Selection], _ context: KernelContext
    ) throws(RuntimeError) -> Tensor {
        let shape = axes.map(\.count)
        // Every selected coordinate is valid, so a non-empty result implies a non-empty input
        // whose strides cannot overflow.
        guard try context.checkedCount(shape) > 0 else { return Tensor(zeros: data.dtype, shape: shape) }
        let strides = Shapes.strides(data.shape)
        let maps = axes.indices.map { AxisMap(coordinates: axes[$0].coordinates, stride: strides[$0]) }
        return Tensor(shape: shape, storage: data.storage.gathered(flatIndices: AxisMap.flatIndices(maps)))
    }
}
