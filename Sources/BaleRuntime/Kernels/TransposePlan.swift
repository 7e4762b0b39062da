import BaleGraph

/// Transpose as nested strided loops: the output is written in order while the input is read at
/// strides, with no per-element index array.
///
/// Size-1 axes are dropped and input axes that stay neighbours in the output are merged, so e.g.
/// `[B, T, H, D]` with perm `[0, 2, 3, 1]` becomes `[B, T, H·D] → [B, H·D, T]`. The last two merged
/// axes form planes copied row by row when rows are contiguous in the input, else in square tiles
/// (the swap of the last two axes), so reads and writes both stay within a few cache lines.
struct TransposePlan: ElementRearrangement {
    /// Output dimensions after merging (fewer than two only for an identity permutation).
    private let dims: [Int]
    /// Input element stride of each of `dims`.
    private let sourceStrides: [Int]
    /// Threads a large transpose may use.
    private let threads: Int
    /// Where f32 results go.
    private let output: OutputBuffer

    /// Side of the square tiles of a plane whose rows are strided in the input.
    private static let tile = 16

    /// The plan for permuting the axes of `shape` by `perm` (a valid permutation), writing f32
    /// results to `output`.
    init(shape: [Int], perm: [Int], threads: Int, into output: OutputBuffer = .fresh) {
        let strides = Shapes.strides(shape)
        var dims: [Int] = []
        var sourceStrides: [Int] = []
        var previous: Int?
        for axis in perm where shape[axis] != 1 {
            if let previous, axis > previous, shape[(previous + 1)..<axis].allSatisfy({ $0 == 1 }) {
                dims[dims.count - 1] *= shape[axis]
                sourceStrides[sourceStrides.count - 1] = strides[axis]
            } else {
                dims.append(shape[axis])
                sourceStrides.append(strides[axis])
            }
            previous = axis
        }
        self.dims = dims
        self.sourceStrides = sourceStrides
        self.threads = threads
        self.output = output
    }

    /// The elements of `values` (laid out as `shape`) in the permuted order.
    func callAsFunction<Element>(_ values: [Element]) -> [Element] {
        guard dims.count >= 2 else { return values }  // identity: only the shape changes
        let (rows, columns) = (dims[dims.count - 2], dims[dims.count - 1])
        let count = values.count
        guard count > 0 else { return [] }
        return values.withUnsafeBufferPointer { source in
            output.make(count: count) { out in
                Parallel.forEachChunk(of: count / columns, work: count, threads: threads) { chunk in
                    var row = chunk.lowerBound
                    while row < chunk.upperBound {
                        let (plane, first) = row.quotientAndRemainder(dividingBy: rows)
                        let end = Swift.min(rows, first + chunk.upperBound - row)
                        copyPlane(
                            source.baseAddress! + planeOffset(plane), rows: first..<end,
                            into: out.baseAddress! + plane * rows * columns)
                        row += end - first
                    }
                }
            }
        }
    }

    /// The input offset of the first element of output plane `plane`.
    private func planeOffset(_ plane: Int) -> Int {
        var (rest, offset) = (plane, 0)
        for d in stride(from: dims.count - 3, through: 0, by: -1) {
            let (quotient, index) = rest.quotientAndRemainder(dividingBy: dims[d])
            offset += index * sourceStrides[d]
            rest = quotient
        }
        return offset
    }

    /// Writes rows `rows` of the plane whose input starts at `source` to the plane at `target`.
    private func copyPlane<Element>(
        _ source: UnsafePointer<Element>, rows: Range<Int>, into target: UnsafeMutablePointer<Element>
    ) {
        let columns = dims[dims.count - 1]
        let (rowStride, columnStride) = (sourceStrides[dims.count - 2], sourceStrides[dims.count - 1])
        if columnStride == 1 {
            for i in rows { (target + i * columns).initialize(from: source + i * rowStride, count: columns) }
            return
        }
        for top in stride(from: rows.lowerBound, to: rows.upperBound, by: Self.tile) {
            let bottom = Swift.min(top + Self.tile, rows.upperBound)
            for left in stride(from: 0, to: columns, by: Self.tile) {
                let right = Swift.min(left + Self.tile, columns)
                for i in top..<bottom {
                    let (from, to) = (source + i * rowStride, target + i * columns)
                    for j in left..<right { (to + j).initialize(to: from[j * columnStride]) }
                }
            }
        }
    }
}
