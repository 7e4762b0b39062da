import BaleGraph

/// Multidirectional (NumPy) broadcasting: the output shape of several operands and a walk over
/// the output that yields, for every operand, the offset of the element it contributes.
///
/// Operand shapes are right-aligned; a dimension of 1 (or a missing leading one) repeats along the
/// output. The walk goes row by row, a row being the output's trailing dimensions that every
/// operand steps through alike (merged), so inner loops are long plain loops in which each operand
/// either advances by one element or repeats one:
///
/// ```swift
/// let plan = try BroadcastPlan([a.shape, b.shape], context)
/// let sums = plan.map(x, y, +)
/// ```
struct BroadcastPlan {
    /// The output (iteration) shape.
    let shape: [Int]
    /// Elements of `shape`.
    let count: Int
    /// Elements of one row of the walk.
    private let rowLength: Int
    /// Dimensions walked: `shape` without its 1s and with neighbouring dimensions merged where
    /// every operand walks them as one (`[1]` when nothing remains).
    private let dims: [Int]
    /// Per operand, element strides aligned to `dims`; 0 where the operand repeats.
    private let strides: [[Int]]

    // MARK: - Creating a plan

    /// Broadcasts `shapes` against each other, or throws naming the shapes that do not fit.
    init(_ shapes: [[Int]], _ context: KernelContext) throws(RuntimeError) {
        var result: [Int] = []
        for shape in shapes {
            guard let next = Self.broadcast(result, shape) else {
                throw context.error("cannot broadcast shapes \(result) and \(shape)")
            }
            result = next
        }
        try self.init(operands: shapes, into: result, context)
    }

    /// Walks `shape`, repeating each operand along it; every operand must broadcast to `shape`
    /// exactly (unidirectional broadcasting, as for Gemm's C or a reduction's kept shape).
    init(operands: [[Int]], into shape: [Int], _ context: KernelContext) throws(RuntimeError) {
        for operand in operands where Self.broadcast(operand, shape) != shape {
            throw context.error("cannot broadcast shape \(operand) to \(shape)")
        }
        let count = try context.checkedCount(shape)
        let aligned = operands.map { operand in
            let own = Shapes.strides(operand)
            let pad = shape.count - operand.count
            return shape.indices.map { d in d < pad || operand[d - pad] == 1 ? 0 : own[d - pad] }
        }
        self.shape = shape
        self.count = count
        (dims, strides) = Self.merged(shape, aligned)
        rowLength = dims[dims.count - 1]
    }

    /// The NumPy broadcast of two shapes, or `nil` when a dimension pair differs and neither is 1.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for d in 0..<rank {
            let x = d < rank - a.count ? 1 : a[d - (rank - a.count)]
            let y = d < rank - b.count ? 1 : b[d - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            result[d] = x == 1 ? y : x
        }
        return result
    }

    /// `shape` and the operands' `strides` along it with the 1s dropped and each dimension merged
    /// into the previous one when every operand's stride there is the next one's times its size
    /// (both contiguous, or both repeating).
    private static func merged(_ shape: [Int], _ strides: [[Int]]) -> (dims: [Int], strides: [[Int]]) {
        var dims: [Int] = []
        var merged = strides.map { _ in [Int]() }
        for d in shape.indices where shape[d] != 1 {
            let last = dims.count - 1
            if last >= 0, strides.indices.allSatisfy({ merged[$0][last] == strides[$0][d] * shape[d] }) {
                dims[last] *= shape[d]
                for k in merged.indices { merged[k][last] = strides[k][d] }
            } else {
                dims.append(shape[d])
                for k in merged.indices { merged[k].append(strides[k][d]) }
            }
        }
        return dims.isEmpty ? ([1], strides.map { _ in [0] }) : (dims, merged)
    }

    // MARK: - Walking

    /// The step of operand `operand` along a row: 1 (contiguous) or 0 (repeated), except for a
    /// row of one element.
    func rowStride(_ operand: Int) -> Int { strides[operand][dims.count - 1] }

    /// Calls `body(start, length, offsets)` for every run of the output elements in `range` that
    /// lies within one row, in row-major order: the run is output elements `start..<start + length`,
    /// and operand `i` contributes to output `start + j` its element `offsets[i] + j * rowStride(i)`.
    @inline(__always)  // so callers' loop bodies, and the closures they call, inline
    func forEachRun(in range: Range<Int>, _ body: (_ start: Int, _ length: Int, _ offsets: [Int]) -> Void) {
        guard !range.isEmpty else { return }
        let last = dims.count - 1
        var index = [Int](repeating: 0, count: last)
        var offsets = [Int](repeating: 0, count: strides.count)
        var row = range.lowerBound / rowLength
        for d in stride(from: last - 1, through: 0, by: -1) {
            index[d] = row % dims[d]
            row /= dims[d]
            for k in offsets.indices { offsets[k] += index[d] * strides[k][d] }
        }
        var start = range.lowerBound
        let column = start % rowLength
        if column > 0 {
            // The range starts inside a row: run to that row's end first.
            let length = min(rowLength - column, range.count)
            body(start, length, offsets.indices.map { offsets[$0] + column * strides[$0][last] })
            start += length
            advance(&index, &offsets)
        }
        while start < range.upperBound {
            let length = min(rowLength, range.upperBound - start)
            body(start, length, offsets)
            start += length
            advance(&index, &offsets)
        }
    }

    /// Moves `index` (over the dimensions before the last) and `offsets` to the next row.
    private func advance(_ index: inout [Int], _ offsets: inout [Int]) {
        var d = index.count - 1
        while d >= 0 {
            index[d] += 1
            for k in offsets.indices { offsets[k] += strides[k][d] }
            if index[d] < dims[d] { return }
            for k in offsets.indices { offsets[k] -= strides[k][d] * dims[d] }
            index[d] = 0
            d -= 1
        }
    }

    // MARK: - Mapping

    /// The elements of operand 0 repeated to the output shape.
    func expand<T>(_ values: [T]) -> [T] {
        if values.count == count { return values }
        let step = rowStride(0)
        return values.withUnsafeBufferPointer { source in
            .uninitialized(count: count) { out in
                forEachRun(in: 0..<count) { start, length, offsets in
                    let target = out.baseAddress! + start
                    if step == 1 {
                        target.initialize(from: source.baseAddress! + offsets[0], count: length)
                    } else {
                        target.initialize(repeating: source[offsets[0]], count: length)
                    }
                }
            }
        }
    }

    /// `op` applied to the broadcast elements of operands 0 and 1, split over `threads` when the
    /// output is large, written to `output`.
    ///
    /// Within a row each operand is contiguous or repeats one element, so the loops below are
    /// plain and vectorise once `op` is inlined.
    @inline(__always)
    func map<A, B, R>(
        _ a: [A], _ b: [B], threads: Int = 1, into output: OutputBuffer = .fresh, _ op: (A, B) -> R
    ) -> [R] {
        let (sa, sb) = (rowStride(0), rowStride(1))
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                output.make(count: count) { out in
                    Parallel.forEachChunk(of: count, work: count, threads: threads) { chunk in
                        forEachRun(in: chunk) { start, length, offsets in
                            let (x, y, z) = (a.baseAddress! + offsets[0], b.baseAddress! + offsets[1], out.baseAddress! + start)
                            switch (sa, sb) {
                            case (1, 1): for j in 0..<length { (z + j).initialize(to: op(x[j], y[j])) }
                            case (0, 1):
                                let first = x[0]
                                for j in 0..<length { (z + j).initialize(to: op(first, y[j])) }
                            case (1, 0):
                                let second = y[0]
                                for j in 0..<length { (z + j).initialize(to: op(x[j], second)) }
                            default: for j in 0..<length { (z + j).initialize(to: op(x[j * sa], y[j * sb])) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `op` applied to the broadcast elements of operands 0, 1 and 2.
    func map<A, B, C, R>(_ a: [A], _ b: [B], _ c: [C], _ op: (A, B, C) -> R) -> [R] {
        let (sa, sb, sc) = (rowStride(0), rowStride(1), rowStride(2))
        return .uninitialized(count: count) { out in
            forEachRun(in: 0..<count) { start, length, offsets in
                for j in 0..<length {
                    (out.baseAddress! + start + j).initialize(
                        to: op(a[offsets[0] + j * sa], b[offsets[1] + j * sb], c[offsets[2] + j * sc]))
                }
            }
        }
    }
}
