import BaleGraph

extension KernelRegistry {
    /// Linear kernels, by operator key.
    static let linearKernels: [String: KernelFunction] = [
        "Gemm": Linear.gemm,
        "MatMul": Linear.matMul,
    ]
}

extension Linear {
    // MARK: - Gemm

    /// Gemm: `alpha · A' · B' + beta · C` on f32, where `A'` is A (`M × K`) or its transpose
    /// (`transA`), `B'` likewise (`transB`), and optional C broadcasts to `M × N`; then the
    /// fused `activation`, if any.
    static func gemm(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let a = try context.floatInput(0)
        let transA = try context.int("transA", 0) != 0
        let transB = try context.int("transB", 0) != 0
        let b = try RightOperand(context, transposed: transB)
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw context.error("A and B must be 2-D, got \(a.shape) and \(b.shape)")
        }
        let alpha = try context.float("alpha", 1)
        let beta = try context.float("beta", 1)
        let activation = try FusedActivation(context)
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (depth, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == depth else {
            throw context.error(
                "inner dimensions differ: A is \(a.shape) (transA \(transA)), B is \(b.shape) (transB \(transB))")
        }
        var y: [Float]
        var bias: [Float]?
        if let c = context.optionalInput(2) {
            guard c.dtype == .f32 else { throw context.error("input 2 must be f32, got \(c.dtype)") }
            let plan = try BroadcastPlan(operands: [c.shape], into: [m, n], context)
            if c.count == n, (c.shape.last ?? 1) == n {  // one row for every row: the epilogue adds it
                bias = beta == 1 ? c.asFloats : c.asFloats.map { beta * $0 }
                y = try zeros(m, n, context)
            } else {
                y = plan.expand(c.asFloats).map { beta * $0 }
            }
        } else {
            y = try zeros(m, n, context)
        }
        if let packed = b.packed, packed.rows == k, packed.columns == n {
            try multiply(
                a.asFloats, rows: m, k: k, transposed: transA, alpha: alpha, packed: packed, into: &y,
                bias: bias, activation: activation, context)
        } else {
            multiply(
                a.asFloats, try b.values(context), into: &y, m: m, n: n, k: k, alpha: alpha, transA: transA, transB: transB,
                threads: context.threads)
            finish(&y, columns: n, bias: bias, activation: activation, threads: context.threads)
        }
        return [Tensor(shape: [m, n], floats: y)]
    }

    /// B of Gemm or MatMul: the stored tensor, or its packed form when that replaced it.
    private struct RightOperand {
        /// B as stored, when the executor passed it.
        var tensor: Tensor?
        /// B packed at load time for the micro-kernel, when the node was prepared.
        var packed: PackedGemmMatrix?
        /// B's shape as stored (taken from the packed form when the tensor was dropped).
        var shape: [Int]

        /// Reads input 1 and the prepared form; `transposed` is Gemm's `transB` (B stored `n × k`).
        init(_ context: KernelContext, transposed: Bool) throws(RuntimeError) {
            packed = context.prepared as? PackedGemmMatrix
            if context.optionalInput(1) != nil {
                let tensor = try context.floatInput(1)
                (self.tensor, shape) = (tensor, tensor.shape)
            } else if let packed {
                shape = transposed ? [packed.columns, packed.rows] : [packed.rows, packed.columns]
            } else {
                throw context.error("missing required input 1")
            }
        }

        /// B's elements; only a packed B whose shape does not fit the product lacks them.
        func values(_ context: KernelContext) throws(RuntimeError) -> [Float] {
            guard let tensor else { throw context.error("the packed B \(shape) does not fit this product") }
            return tensor.asFloats
        }
    }

    /// Packs Gemm's B once when it is a constant 2-D f32 tensor.
    static func prepareGemm(_ node: Node, _ constants: inout [Tensor?]) -> (any Sendable)? {
        // The shape is read without binding B, so `packConstant` can hold its only reference.
        guard constants.count > 1, constants[1]?.dtype == .f32, let shape = constants[1]?.shape, shape.count == 2 else { return nil }
        let transB = node.attributes["transB"] == .int(1)
        let (k, n) = transB ? (shape[1], shape[0]) : (shape[0], shape[1])
        return packConstant(&constants[1], k: k, n: n, transposed: transB)
    }

    /// Packs MatMul's B once when it is a constant 2-D f32 tensor (a weight matrix).
    static func prepareMatMul(_ node: Node, _ constants: inout [Tensor?]) -> (any Sendable)? {
        guard constants.count > 1, constants[1]?.dtype == .f32, let shape = constants[1]?.shape, shape.count == 2 else { return nil }
        return packConstant(&constants[1], k: shape[0], n: shape[1], transposed: false)
    }

    /// Packs the f32 matrix `b`: in its own storage, taking it (`b` becomes `nil`), when the
    /// layout allows, so the weights are never held twice; otherwise into a new buffer.
    private static func packConstant(_ b: inout Tensor?, k: Int, n: Int, transposed: Bool) -> PackedGemmMatrix? {
        guard var tensor = b.take(), case .f32(var values) = tensor.storage else { return nil }
        tensor.storage = .f32([])  // `values` is then the storage's only reference (when `b` was)
        if let packed = PackedGemmMatrix(taking: &values, k: k, n: n, transposed: transposed) { return packed }
        tensor.storage = .f32(values)
        b = tensor
        return PackedGemmMatrix(values, k: k, n: n, transposed: transposed)
    }

    /// A zero `m × n` output, or an error when its size overflows.
    private static func zeros(_ m: Int, _ n: Int, _ context: KernelContext) throws(RuntimeError) -> [Float] {
        zeros(try context.checkedCount([m, n]), context)
    }

    /// A zero output of `count` elements, in the node's planned output buffer when there is one.
    private static func zeros(_ count: Int, _ context: KernelContext) -> [Float] {
        context.output().make(count: count) { $0.initialize(repeating: 0) }
    }

    /// `y += alpha · op(A) · B` with B pre-packed, A holding `rows` rows of `k` (or its transpose),
    /// then `bias` (one value per column) and `activation` on each block of rows as it is finished.
    /// - Throws: when the micro-kernel could not allocate its scratch memory.
    private static func multiply(
        _ a: [Float], rows: Int, k: Int, transposed: Bool, alpha: Float = 1, packed: PackedGemmMatrix,
        into y: inout [Float], bias: [Float]?, activation: FusedActivation?, _ context: KernelContext
    ) throws(RuntimeError) {
        guard rows > 0, k > 0, a.count == rows * k, y.count == rows * packed.columns else { return }
        let columns = packed.columns
        let done = a.withUnsafeBufferPointer { a in
            y.withUnsafeMutableBufferPointer { y in
                withOptionalPointer(bias) { bias in
                    guard let a = a.baseAddress, let y = y.baseAddress else { return true }
                    return GemmKernel.multiply(
                        m: rows, alpha: alpha, a: GemmOperand(a, leading: transposed ? rows : k, transposed: transposed),
                        packed: packed, accumulate: true, into: y, ldc: columns, threads: context.threads
                    ) { block in
                        finish(rows: block, of: y, columns: columns, bias: bias, activation: activation)
                    }
                }
            }
        }
        guard done else { throw context.error("out of memory: the matrix product could not allocate its scratch") }
    }

    // MARK: - MatMul

    /// MatMul with NumPy `matmul` semantics on f32: a 1-D A gains (and loses) a leading 1, a 1-D
    /// B a trailing 1, and batch dimensions broadcast. Bale extension: optional input 2 is a 1-D
    /// bias of length N added to the last dimension, before the fused `activation`, if any.
    static func matMul(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let a = try context.floatInput(0)
        let b = try RightOperand(context, transposed: false)
        let product = try context.plan(for: [a.shape, b.shape]) { () throws(RuntimeError) in
            try MatMulShape(a.shape, b.shape, context)
        }
        let (m, k, n) = (product.m, product.k, product.n)
        let bias = try matMulBias(context, n: n)
        let activation = try FusedActivation(context)

        var y = zeros(product.count, context)
        if let packed = b.packed, b.shape.count == 2, packed.rows == k, packed.columns == n {
            // A constant weight matrix: every batch row of A goes through one packed product.
            try multiply(
                a.asFloats, rows: product.aMatrices * m, k: k, transposed: false, packed: packed, into: &y,
                bias: bias, activation: activation, context)
        } else {
            multiply(
                a.asFloats, try b.values(context), into: &y, m: m, n: n, k: k, batches: product.pairs,
                threads: context.threads)
            finish(&y, columns: n, bias: bias, activation: activation, threads: context.threads)
        }
        return [Tensor(shape: product.shape, floats: y)]
    }

    /// MatMul's optional bias (input 2): 1-D f32 of length `n`.
    private static func matMulBias(_ context: KernelContext, n: Int) throws(RuntimeError) -> [Float]? {
        guard let bias = context.optionalInput(2) else { return nil }
        guard bias.dtype == .f32, bias.shape == [n] else {
            throw context.error("bias must be f32 of shape [\(n)], got \(bias.dtype)\(bias.shape)")
        }
        return bias.asFloats
    }
}

/// The shapes of a NumPy `matmul` (MatMul, MatMulInteger, QLinearMatMul): a 1-D A gains (and
/// the output loses) a leading 1, a 1-D B a trailing 1, and batch dimensions broadcast.
struct MatMulShape {
    /// Rows of each product.
    let m: Int
    /// The shared inner dimension.
    let k: Int
    /// Columns of each product.
    let n: Int
    /// Matrices A holds (the product of its batch dimensions).
    let aMatrices: Int
    /// For each output matrix in order, the matrices of A and of B multiplied into it.
    let pairs: [(Int, Int)]
    /// The output shape.
    let shape: [Int]
    /// Elements of the output.
    let count: Int

    /// The product of A of shape `a` and B of shape `b`, or an error naming the shapes that do not fit.
    init(_ a: [Int], _ b: [Int], _ context: KernelContext) throws(RuntimeError) {
        guard !a.isEmpty, !b.isEmpty else { throw context.error("A and B must have rank >= 1, got \(a) and \(b)") }
        let aShape = a.count == 1 ? [1] + a : a
        let bShape = b.count == 1 ? b + [1] : b
        (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
        guard k == bShape[bShape.count - 2] else { throw context.error("inner dimensions differ: A is \(a), B is \(b)") }
        let (aBatch, bBatch) = (Array(aShape.dropLast(2)), Array(bShape.dropLast(2)))
        let batch = try BroadcastPlan([aBatch, bBatch], context)
        guard let aCount = Shapes.count(aBatch), let bCount = Shapes.count(bBatch) else {
            throw context.error("shapes \(a) and \(b) are too large")
        }
        let total = try context.checkedCount(batch.shape + [m, n])
        aMatrices = aCount
        pairs = batch.map(Array(0..<aCount), Array(0..<bCount)) { ($0, $1) }
        count = total
        var shape = batch.shape + [m, n]
        if b.count == 1 { shape.removeLast() }
        if a.count == 1 { shape.remove(at: shape.count - (b.count == 1 ? 1 : 2)) }
        self.shape = shape
    }
}
