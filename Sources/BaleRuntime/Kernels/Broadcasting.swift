import BaleGraph

/// Multidirectional (NumPy) broadcasting: the output shape of several operands and a walk over
/// the output that yields, for every operand, the offset of the element it contributes.
///
/// Operand shapes are right-aligned; a dimension of 1 (or a missing leading one) repeats along the
/// output. The walk goes row by row over the output's last dimension, so inner loops are plain
/// strided loops:
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
    /// Elements of the last dimension: the length of one row of the walk.
    let rowLength: Int
    /// Dimensions walked (`shape`, or `[1]` for a scalar).
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
        guard let count = Shapes.count(shape) else { throw context.error("output shape \(shape) is too large") }
        let dims = shape.isEmpty ? [1] : shape
        self.shape = shape
        self.count = count
        self.dims = dims
        self.rowLength = dims[dims.count - 1]
        self.strides = operands.map { operand in
            let own = Shapes.strides(operand)
            let pad = dims.count - operand.count
            return dims.indices.map { d in d < pad || operand[d - pad] == 1 ? 0 : own[d - pad] }
        }
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

    // MARK: - Walking

    /// The step of operand `operand` along a row.
    func rowStride(_ operand: Int) -> Int { strides[operand][dims.count - 1] }

    /// Calls `body` once per output row (in row-major order) with each operand's offset of the
    /// row's first element; within a row, operand `i` advances by `rowStride(i)`.
    func forEachRow(_ body: ([Int]) -> Void) {
        guard count > 0 else { return }
        let outer = dims.dropLast()
        var index = [Int](repeating: 0, count: outer.count)
        var offsets = [Int](repeating: 0, count: strides.count)
        for _ in 0..<(count / rowLength) {
            body(offsets)
            var d = outer.count - 1
            while d >= 0 {
                index[d] += 1
                for k in offsets.indices { offsets[k] += strides[k][d] }
                if index[d] < dims[d] { break }
                for k in offsets.indices { offsets[k] -= strides[k][d] * dims[d] }
                index[d] = 0
                d -= 1
            }
        }
    }

    // MARK: - Mapping

    /// The elements of operand 0 repeated to the output shape.
    func expand<T>(_ values: [T]) -> [T] {
        if values.count == count { return values }
        var out: [T] = []
        out.reserveCapacity(count)
        let step = rowStride(0)
        forEachRow { offsets in
            var i = offsets[0]
            for _ in 0..<rowLength {
                out.append(values[i])
                i += step
            }
        }
        return out
    }

    /// `op` applied to the broadcast elements of operands 0 and 1.
    func map<A, B, R>(_ a: [A], _ b: [B], _ op: (A, B) -> R) -> [R] {
        if a.count == count, b.count == count { return a.indices.map { op(a[$0], b[$0]) } }
        if a.count == 1, b.count == count { return b.map { op(a[0], $0) } }
        if b.count == 1, a.count == count { return a.map { op($0, b[0]) } }
        var out: [R] = []
        out.reserveCapacity(count)
        let (sa, sb) = (rowStride(0), rowStride(1))
        forEachRow { offsets in
            var (i, j) = (offsets[0], offsets[1])
            for _ in 0..<rowLength {
                out.append(op(a[i], b[j]))
                i += sa
                j += sb
            }
        }
        return out
    }

    /// `op` applied to the broadcast elements of operands 0, 1 and 2.
    func map<A, B, C, R>(_ a: [A], _ b: [B], _ c: [C], _ op: (A, B, C) -> R) -> [R] {
        if a.count == count, b.count == count, c.count == count { return a.indices.map { op(a[$0], b[$0], c[$0]) } }
        var out: [R] = []
        out.reserveCapacity(count)
        let (sa, sb, sc) = (rowStride(0), rowStride(1), rowStride(2))
        forEachRow { offsets in
            var (i, j, k) = (offsets[0], offsets[1], offsets[2])
            for _ in 0..<rowLength {
                out.append(op(a[i], b[j], c[k]))
                i += sa
                j += sb
                k += sc
            }
        }
        return out
    }
}
