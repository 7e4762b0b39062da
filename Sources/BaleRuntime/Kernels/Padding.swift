import BaleGraph

/// The Pad kernel: any element type, modes `constant`, `reflect`, `edge` and `wrap`.
enum PadKernel {
    /// The modes Pad knows.
    private static let modes: Set<String> = ["constant", "reflect", "edge", "wrap"]

    // MARK: - Kernel

    /// Pad: data, pads (`[begin per axis…, end per axis…]`), optional constant_value (one element of
    /// data's type, default 0) and axes. Negative pads crop; `reflect` and `wrap` repeat as NumPy does
    /// when a pad is longer than the axis.
    static func pad(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let data = try context.input(0)
        let rank = data.shape.count
        let mode = try context.string("mode", "constant")
        guard modes.contains(mode) else { throw context.error("unknown mode '\(mode)'") }
        guard let pads = try context.intsInput(1) else { throw context.error("missing required input 1 (pads)") }
        let axes = try context.normalisedAxes(try context.intsInput(3) ?? Array(0..<rank), rank: rank)
        guard pads.count == 2 * axes.count else {
            throw context.error("pads \(pads) must have 2 values for each of \(axes.count) axes")
        }
        var (begin, end) = (Array(repeating: 0, count: rank), Array(repeating: 0, count: rank))
        for (i, axis) in axes.enumerated() { (begin[axis], end[axis]) = (pads[i], pads[axes.count + i]) }

        let fill = context.optionalInput(2) ?? Tensor(zeros: data.dtype, shape: [1])
        guard fill.dtype == data.dtype, fill.count == 1 else {
            throw context.error("constant_value must be one \(data.dtype) element, got \(fill.dtype) \(fill.shape)")
        }
        var (shape, kept): ([Int], [Int]) = ([], [])
        for axis in 0..<rank {
            let size = data.shape[axis]
            shape.append(try context.checkedSum([size, begin[axis], end[axis]], of: "padded axis \(axis)"))
            kept.append(try context.checkedSum([size, min(0, begin[axis]), min(0, end[axis])], of: "cropped axis \(axis)"))
            guard kept[axis] >= 0 else {
                throw context.error("pads \(pads) crop more than the size \(size) of axis \(axis)")
            }
        }
        let count = try context.checkedCount(shape)
        guard count > 0 else { return [Tensor(zeros: data.dtype, shape: shape)] }

        var coordinates: [[Int]] = []
        for axis in 0..<rank {
            let (low, lead, kept) = (max(0, -begin[axis]), max(0, begin[axis]), kept[axis])
            guard kept > 0 || mode == "constant" else {
                throw context.error("cannot pad empty axis \(axis) in \(mode) mode")
            }
            coordinates.append((0..<shape[axis]).map { position in
                let i = position - lead
                if (0..<kept).contains(i) { return low + i }
                return switch mode {
                case "edge": low + min(max(i, 0), kept - 1)
                case "reflect": low + reflected(i, kept)
                case "wrap": low + (i % kept + kept) % kept
                default: -1
                }
            })
        }
        // The constant is appended after the data, and positions outside the input read it.
        guard data.count > 0, let source = TensorStorage.concatenated([data.storage, fill.storage]) else {
            // Only constant mode gets here: every position of an empty input is outside it.
            return [Tensor(shape: shape, storage: fill.storage.repeated(count))]
        }
        let strides = Shapes.strides(data.shape)
        let maps = (0..<rank).map { AxisMap(coordinates: coordinates[$0], stride: strides[$0]) }
        return [Tensor(shape: shape, storage: source.gathered(flatIndices: AxisMap.flatIndices(maps, outside: data.count)))]
    }

    // MARK: - Reflection

    /// Position `i` (any integer) of an axis of `size` reflected about its ends without repeating
    /// the edge, as NumPy's `reflect` mode: `-1 → 1`, `size → size - 2`.
    private static func reflected(_ i: Int, _ size: Int) -> Int {
        guard size > 1 else { return 0 }
        let period = 2 * (size - 1)
        let j = (i % period + period) % period
        return j < size ? j : period - j
    }
}
