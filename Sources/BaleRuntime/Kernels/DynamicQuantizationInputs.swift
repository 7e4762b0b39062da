import BaleGraph

/// What the fused int8 operators (``DynamicQuantizedMatMul``, ``DynamicQuantizedConv``) read
/// besides X and W, at the same input positions in both: the dequantization scale (input 2), an
/// optional bias (3), X's static quantization parameters (4 and 5, or none for dynamic), and the
/// fused activation.
struct DynamicQuantizationInputs {
    /// The dequantization scale: W's scale (dynamic) or `x_scale · w_scale` (static), 1 or `n` values.
    var scales: [Float]
    /// One bias per output column, or `nil`.
    var bias: [Float]?
    /// The fused activation, if any.
    var activation: FusedActivation?

    /// Reads and checks the inputs of a node with `n` output columns (filters, for a Conv).
    init(_ context: KernelContext, outputs n: Int) throws(RuntimeError) {
        scales = try context.floatInput(2).asFloats
        guard [1, n].contains(scales.count) else {
            throw context.error("W scale must hold 1 or \(n) values, got \(scales.count)")
        }
        bias = context.optionalInput(3) == nil ? nil : try context.floatInput(3).asFloats
        if let bias, bias.count != n { throw context.error("bias must hold \(n) values, got \(bias.count)") }
        activation = try FusedActivation(context)
    }

    /// The dequantization of output columns `columns` (all of them, or one Conv group's filters).
    func dequantization(aScale: Float, columns: Range<Int>) -> QGemmDequantization {
        QGemmDequantization(
            aScale: aScale, bScales: scales.count == 1 ? scales : Array(scales[columns]),
            bias: bias.map { Array($0[columns]) })
    }

    /// `values` (the whole X) quantized to u8 per tensor, its zero point, and the factor the
    /// product's scale still lacks: x_scale when it is computed from `values` now, as
    /// DynamicQuantizeLinear does (dynamic), or 1 when the node gives it (static).
    static func quantize(
        _ values: [Float], _ context: KernelContext
    ) throws(RuntimeError) -> (quantized: [UInt8], zeroPoint: UInt8, aScale: Float) {
        let (scale, zeroPoint, aScale) = try activationParameters(values, context)
        let quantized = Quantization.quantizeDynamic(values, scale: scale, zeroPoint: zeroPoint, threads: context.threads)
        return (quantized, zeroPoint, aScale)
    }

    /// X's quantization scale and zero point, and the factor the product's scale still lacks.
    private static func activationParameters(
        _ values: [Float], _ context: KernelContext
    ) throws(RuntimeError) -> (scale: Float, zeroPoint: UInt8, aScale: Float) {
        guard context.optionalInput(4) != nil || context.optionalInput(5) != nil else {
            let (scale, zeroPoint) = Quantization.dynamicParameters(values, threads: context.threads)
            return (scale, zeroPoint, scale)
        }
        guard context.optionalInput(4) != nil, context.optionalInput(5) != nil else {
            throw context.error("x_scale and x_zero_point must be given together")
        }
        let scale = try context.quantizationScales(4, "x_scale")[0]
        let zeroPoint = try context.zeroPoints(5, "x_zero_point", types: [.u8])[0]
        return (scale, UInt8(zeroPoint), 1)
    }
}
