import BaleGraph

extension Quantization {
    // MARK: - MatMulInteger

    /// MatMulInteger: A (u8 or i8), B (u8 or i8), a_zero_point? (a scalar of A's type),
    /// b_zero_point? (a scalar or one per column of B, of B's type) → int32
    /// `Σ (A - a_zero_point) · (B - b_zero_point)`, with MatMul's shapes. Per-row zero points of A
    /// are refused (onnxruntime refuses them too).
    static func matMulInteger(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (a, b) = (try context.input(0), try context.input(1))
        let product = try MatMulShape(a.shape, b.shape, context)
        let sums = try integerProducts(a, b, aZeroPointIndex: 2, bZeroPointIndex: 3, product, context)
        return [Tensor(shape: product.shape, storage: .i32(sums))]
    }

    // MARK: - QLinearMatMul

    /// QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point →
    /// y of y_zero_point's type (u8 or i8): the int32 product of MatMulInteger requantized with
    /// `a_scale · b_scale / y_scale`, rounding half to even and saturating. b_scale and
    /// b_zero_point may hold one value per column of B. **Bale extension**: optional input 8 is an
    /// int32 bias of one value per column at scale `a_scale · b_scale`, added to the sums (what
    /// the optimiser folds from a QDQ Gemm's bias).
    static func qLinearMatMul(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (a, b) = (try context.input(0), try context.input(3))
        let product = try MatMulShape(a.shape, b.shape, context)
        let sums = try integerProducts(a, b, aZeroPointIndex: 2, bZeroPointIndex: 5, product, context)
        let aScale = try context.quantizationScales(1, "a_scale")[0]
        let bScales = try context.quantizationScales(4, "b_scale", count: product.n)
        let output = try Requantization(context, inputScale: aScale, weightScales: bScales, channels: product.n, inner: 1)
        let bias = try output.bias(context, index: 8)
        return [Tensor(shape: product.shape, storage: output.apply(sums, bias: bias))]
    }

    // MARK: - Shared

    /// The int32 sums of a quantized matrix product of `a` and `b` (u8 or i8 each), with the
    /// zero points at inputs `aZeroPointIndex` (scalar) and `bZeroPointIndex` (scalar or per column).
    private static func integerProducts(
        _ a: Tensor, _ b: Tensor, aZeroPointIndex: Int, bZeroPointIndex: Int, _ product: MatMulShape,
        _ context: KernelContext
    ) throws(RuntimeError) -> [Int32] {
        try pairing(a, b, context) { () throws(RuntimeError) in
            let aZeroPoint = try context.zeroPoints(aZeroPointIndex, "a_zero_point", types: [a.dtype])[0]
            var bZeroPoints = try context.zeroPoints(bZeroPointIndex, "b_zero_point", types: [b.dtype], count: product.n)
            if bZeroPoints.count != product.n { bZeroPoints = Array(repeating: bZeroPoints[0], count: product.n) }
            return MatMulProducts(aZeroPoint: aZeroPoint, bZeroPoints: bZeroPoints, product: product)
        }
    }

    /// Runs the work `body` makes on the elements of `a` and `b`, which must each be u8 or i8
    /// (checked first, so `body` may read the zero points by the operands' types).
    static func pairing<Body: QuantizedPair>(
        _ a: Tensor, _ b: Tensor, _ context: KernelContext, _ body: () throws(RuntimeError) -> Body
    ) throws(RuntimeError) -> Body.Result {
        switch (a.storage, b.storage) {
        case (.u8(let x), .u8(let y)): return try body().run(x, y)
        case (.u8(let x), .i8(let y)): return try body().run(x, y)
        case (.i8(let x), .u8(let y)): return try body().run(x, y)
        case (.i8(let x), .i8(let y)): return try body().run(x, y)
        default: throw context.error("the integer operands must be u8 or i8, got \(a.dtype) and \(b.dtype)")
        }
    }
}

/// Work on two 8-bit operands of any combination of u8 and i8 (see ``Quantization/pairing(_:_:_:_:)``).
protocol QuantizedPair {
    /// What the work produces.
    associatedtype Result
    /// Does the work on the two operands' elements.
    func run<A: QuantizedElement, B: QuantizedElement>(_ a: [A], _ b: [B]) -> Result
}

/// The int32 sums of a quantized matrix product: every matrix pair through ``IntegerGemm``.
private struct MatMulProducts: QuantizedPair {
    /// A's zero point.
    var aZeroPoint: Int32
    /// B's zero point per column.
    var bZeroPoints: [Int32]
    /// The product's shapes.
    var product: MatMulShape

    func run<A: QuantizedElement, B: QuantizedElement>(_ a: [A], _ b: [B]) -> [Int32] {
        let (m, k, n) = (product.m, product.k, product.n)
        var sums = [Int32](repeating: 0, count: product.count)
        guard m > 0, n > 0, k > 0 else { return sums }  // an empty sum is 0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                bZeroPoints.withUnsafeBufferPointer { zeroPoints in
                    sums.withUnsafeMutableBufferPointer { c in
                        for (t, (ia, ib)) in product.pairs.enumerated() {
                            IntegerGemm.multiply(
                                m: m, n: n, k: k, a: a.baseAddress! + ia * m * k, aZeroPoint: aZeroPoint,
                                b: b.baseAddress! + ib * k * n, bZeroPoints: zeroPoints.baseAddress!,
                                c: c.baseAddress! + t * m * n)
                        }
                    }
                }
            }
        }
        return sums
    }
}

// MARK: - Requantization

/// How QLinearMatMul and QLinearConv turn int32 sums into their 8-bit output:
/// `y = saturate(round((sum + bias) · input_scale · weight_scale / y_scale) + y_zero_point)`,
/// rounding half to even, with one weight scale per output channel or one for all.
struct Requantization {
    /// `input_scale · weight_scale / y_scale` per channel (one value for all channels).
    var multipliers: [Float]
    /// Output channels (columns of a product, filters of a convolution).
    var channels: Int
    /// Consecutive output elements of one channel (1 for a product, the output plane for a convolution).
    var inner: Int
    /// The output zero point.
    var zeroPoint: Int32
    /// The output type (u8 or i8).
    var dtype: DType

    /// Reads y_scale (input 6) and y_zero_point (input 7) of a QLinear node.
    init(
        _ context: KernelContext, inputScale: Float, weightScales: [Float], channels: Int, inner: Int
    ) throws(RuntimeError) {
        let outputScale = try context.quantizationScales(6, "y_scale")[0]
        guard let point = context.optionalInput(7) else { throw context.error("missing required input 7 (y_zero_point)") }
        guard point.dtype == .u8 || point.dtype == .i8 else {
            throw context.error("y_zero_point must be u8 or i8, got \(point.dtype)")
        }
        zeroPoint = try context.zeroPoints(7, "y_zero_point", types: [point.dtype])[0]
        dtype = point.dtype
        multipliers = weightScales.map { inputScale * $0 / outputScale }
        self.channels = channels
        self.inner = inner
    }

    /// The optional int32 bias at input `index`: one value per output channel.
    func bias(_ context: KernelContext, index: Int) throws(RuntimeError) -> [Int32]? {
        guard let bias = context.optionalInput(index) else { return nil }
        guard bias.dtype == .i32, bias.shape == [channels], case .i32(let values) = bias.storage else {
            throw context.error("bias must be i32 of shape [\(channels)], got \(bias.dtype)\(bias.shape)")
        }
        return values
    }

    /// `sums` (plus `bias`, one value per channel) requantized to ``dtype``.
    func apply(_ sums: [Int32], bias: [Int32]?) -> TensorStorage {
        func requantize<T: QuantizedElement>(_: T.Type) -> TensorStorage {
            T.storage(sums.indices.map { i in
                let channel = (i / inner) % channels
                let sum = sums[i] &+ (bias?[channel] ?? 0)
                let scaled = (Float(sum) * multipliers[multipliers.count == 1 ? 0 : channel]).rounded(.toNearestOrEven)
                return T.saturating(scaled + Float(zeroPoint))
            })
        }
        return dtype == .u8 ? requantize(UInt8.self) : requantize(Int8.self)
    }
}
