import BaleGraph

extension Quantization {
    // MARK: - ConvInteger

    /// ConvInteger: x (u8 or i8), w (u8 or i8), x_zero_point? (a scalar of x's type),
    /// w_zero_point? (a scalar or one per filter, of w's type) → int32 `[N, M, (oH,) oW]`, with
    /// Conv's attributes (1-D and 2-D). Padding reads the zero point, so it adds nothing.
    static func convInteger(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (x, w) = (try context.input(0), try context.input(1))
        let (sums, layout) = try convolutionSums(x, w, xZeroPointIndex: 2, wZeroPointIndex: 3, context)
        return [Tensor(shape: layout.outputShape, storage: .i32(sums))]
    }

    // MARK: - QLinearConv

    /// QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
    /// B? → y of y_zero_point's type: ConvInteger's sums plus the int32 bias B (one per filter, at
    /// scale `x_scale · w_scale`), requantized with `x_scale · w_scale / y_scale`, rounding half to
    /// even and saturating. w_scale and w_zero_point may hold one value per filter.
    static func qLinearConv(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let (x, w) = (try context.input(0), try context.input(3))
        let (sums, layout) = try convolutionSums(x, w, xZeroPointIndex: 2, wZeroPointIndex: 5, context)
        let xScale = try context.quantizationScales(1, "x_scale")[0]
        let wScales = try context.quantizationScales(4, "w_scale", count: layout.filters)
        let output = try Requantization(
            context, inputScale: xScale, weightScales: wScales, channels: layout.filters,
            inner: layout.geometry.outputPlane)
        let bias = try output.bias(context, index: 8)
        return [Tensor(shape: layout.outputShape, storage: output.apply(sums, bias: bias))]
    }

    /// The int32 sums of a quantized convolution of `x` by `w`, with the zero points at inputs
    /// `xZeroPointIndex` (scalar) and `wZeroPointIndex` (scalar or per filter), and its layout.
    private static func convolutionSums(
        _ x: Tensor, _ w: Tensor, xZeroPointIndex: Int, wZeroPointIndex: Int, _ context: KernelContext
    ) throws(RuntimeError) -> ([Int32], ConvLayout) {
        let layout = try ConvLayout(context, x: x.shape, w: w.shape)
        let count = try context.checkedCount(layout.outputShape)
        let depth = layout.channels * layout.geometry.height.kernel * layout.geometry.width.kernel
        _ = try context.checkedCount([layout.geometry.outputPlane, depth], of: "im2col")
        let sums = try pairing(x, w, context) { () throws(RuntimeError) in
            let xZeroPoint = try context.zeroPoints(xZeroPointIndex, "x_zero_point", types: [x.dtype])[0]
            var wZeroPoints = try context.zeroPoints(
                wZeroPointIndex, "w_zero_point", types: [w.dtype], count: layout.filters)
            if wZeroPoints.count != layout.filters { wZeroPoints = Array(repeating: wZeroPoints[0], count: layout.filters) }
            return ConvProducts(layout: layout, count: count, depth: depth, xZeroPoint: xZeroPoint, wZeroPoints: wZeroPoints)
        }
        return (sums, layout)
    }
}

/// The int32 sums of a quantized convolution, per batch item and group: the input windows
/// unrolled one per row (im2col transposed, padding holding the x zero point) times the group's
/// filters transposed to one per column, through ``IntegerGemm``.
private struct ConvProducts: QuantizedPair {
    /// The checked shapes.
    var layout: ConvLayout
    /// Output elements.
    var count: Int
    /// Taps per window over the group's channels (`C/group · kH · kW`).
    var depth: Int
    /// X's zero point.
    var xZeroPoint: Int32
    /// W's zero point per filter.
    var wZeroPoints: [Int32]

    func run<X: QuantizedElement, W: QuantizedElement>(_ x: [X], _ w: [W]) -> [Int32] {
        let geometry = layout.geometry
        let (plane, filters) = (geometry.outputPlane, layout.filters / layout.groups)
        var sums = [Int32](repeating: 0, count: count)
        guard count > 0, depth > 0, !x.isEmpty else { return sums }  // no taps, or only padding: every sum is 0
        // B per group: the group's filters as columns of a [depth, filters] matrix.
        var columns = [W](repeating: 0, count: w.count)
        for group in 0..<layout.groups {
            for filter in 0..<filters {
                for tap in 0..<depth {
                    columns[(group * depth + tap) * filters + filter] = w[(group * filters + filter) * depth + tap]
                }
            }
        }
        // A: one row of taps per window; cells reading padding keep the zero point.
        var rows = [X](repeating: X(truncatingIfNeeded: xZeroPoint), count: plane * depth)
        var products = [Int32](repeating: 0, count: plane * filters)
        x.withUnsafeBufferPointer { x in
            rows.withUnsafeMutableBufferPointer { rows in
                columns.withUnsafeBufferPointer { columns in
                    wZeroPoints.withUnsafeBufferPointer { zeroPoints in
                        products.withUnsafeMutableBufferPointer { products in
                            for item in 0..<layout.batch {
                                for group in 0..<layout.groups {
                                    let image = item * layout.groups + group
                                    geometry.unroll(
                                        x.baseAddress! + image * layout.channels * geometry.inputPlane,
                                        channels: layout.channels, into: rows.baseAddress!, rowStride: 1,
                                        positionStride: depth)
                                    IntegerGemm.multiply(
                                        m: plane, n: filters, k: depth, a: rows.baseAddress!, aZeroPoint: xZeroPoint,
                                        b: columns.baseAddress! + group * depth * filters,
                                        bZeroPoints: zeroPoints.baseAddress! + group * filters, c: products.baseAddress!)
                                    for filter in 0..<filters {
                                        for position in 0..<plane {
                                            sums[(image * filters + filter) * plane + position] = products[position * filters + filter]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return sums
    }
}
