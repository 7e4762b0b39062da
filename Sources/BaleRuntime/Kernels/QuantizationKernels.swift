private import CBaleKernels
import BaleGraph

extension KernelRegistry {
    /// Quantization kernels, by operator key: conversions between f32 and 8-bit integers, and
    /// the integer matrix products and convolutions.
    static let quantizationKernels: [String: KernelFunction] = [
        "QuantizeLinear": Quantization.quantizeLinear,
        "DequantizeLinear": Quantization.dequantizeLinear,
        "DynamicQuantizeLinear": Quantization.dynamicQuantizeLinear,
        "MatMulInteger": Quantization.matMulInteger,
        "QLinearMatMul": Quantization.qLinearMatMul,
        "ConvInteger": Quantization.convInteger,
        "QLinearConv": Quantization.qLinearConv,
    ]
}

/// ONNX linear quantization: `q = saturate(round(x / scale) + zero_point)` and
/// `x = (q - zero_point) · scale`, rounding half to even, on i8 and u8 (and i32 for dequantizing
/// biases).
enum Quantization {
    // MARK: - DynamicQuantizeLinear parameters

    /// DynamicQuantizeLinear's scale and zero point for `values` (see ``QuantizationRange``).
    static func dynamicParameters(_ values: [Float], threads: Int = 1) -> (scale: Float, zeroPoint: UInt8) {
        var range = QuantizationRange()
        range.include(values, threads: threads)
        return range.parameters
    }

    /// `saturate(round_half_even(x / scale) + zeroPoint)` into `0...255` for every value (NaN → 0),
    /// on the C loop the compiler vectorises, split over `threads` for large inputs.
    static func quantizeDynamic(_ values: [Float], scale: Float, zeroPoint: UInt8, threads: Int = 1) -> [UInt8] {
        [UInt8].uninitialized(count: values.count) { out in
            values.withUnsafeBufferPointer { x in
                guard let source = x.baseAddress, let target = out.baseAddress else { return }
                Parallel.forEachChunk(of: x.count, work: x.count, threads: threads, quantum: 64) { chunk in
                    bale_quantize_u8(source + chunk.lowerBound, chunk.count, scale, zeroPoint, target + chunk.lowerBound)
                }
            }
        }
    }

    // MARK: - QuantizeLinear

    /// QuantizeLinear: x (f32), y_scale, y_zero_point? → y of the zero point's type (u8 when it is
    /// omitted, or `output_dtype`). Per tensor, or per slice along `axis` (default 1) with 1-D
    /// scale and zero point of `x.shape[axis]` values. NaN quantizes to the zero point.
    static func quantizeLinear(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        let zeroPoint = context.optionalInput(2)
        var dtype = zeroPoint?.dtype ?? .u8
        if let code = try context.optionalInt("output_dtype"), code != 0 {
            let declared: DType? = code == 2 ? .u8 : code == 3 ? .i8 : nil
            guard let declared, zeroPoint == nil || declared == dtype else {
                throw context.error("output_dtype \(code) must be 2 (u8) or 3 (i8) and match the zero point's type")
            }
            dtype = declared
        }
        let parameters = try AxisParameters(context, shape: x.shape, zeroPointTypes: [.u8, .i8])
        let values = x.asFloats
        func quantize<T: QuantizedElement>(_: T.Type) -> TensorStorage {
            T.storage(values.indices.map { i in
                let c = parameters.channel(of: i)
                let steps = (values[i] / parameters.scales[c]).rounded(.toNearestOrEven)
                return T.saturating((steps.isNaN ? 0 : steps) + Float(parameters.zeroPoints[c]))
            })
        }
        return [Tensor(shape: x.shape, storage: dtype == .u8 ? quantize(UInt8.self) : quantize(Int8.self))]
    }

    // MARK: - DequantizeLinear

    /// DequantizeLinear: x (i8, u8 or i32), x_scale, x_zero_point? (x's type) → f32
    /// `(x - zero_point) · scale`, per tensor or per slice along `axis` (default 1).
    static func dequantizeLinear(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        guard [.i8, .u8, .i32].contains(x.dtype), let values = x.int64s else {
            throw context.error("x must be i8, u8 or i32, got \(x.dtype)")
        }
        let parameters = try AxisParameters(context, shape: x.shape, zeroPointTypes: [x.dtype])
        let y = values.indices.map { i in
            let c = parameters.channel(of: i)
            return Float(values[i] - Int64(parameters.zeroPoints[c])) * parameters.scales[c]
        }
        return [Tensor(shape: x.shape, floats: y)]
    }

    // MARK: - DynamicQuantizeLinear

    /// DynamicQuantizeLinear: x (f32) → y (u8), y_scale, y_zero_point, as ONNX specifies: the range
    /// `[min(0, min x), max(0, max x)]` maps onto 0...255, `scale = (max - min) / 255`, the zero
    /// point is `round(saturate(-min / scale))`, and y is x quantized with them. An all-zero x gets
    /// scale 1 (as onnxruntime does), so no division by zero; NaNs are skipped when finding the range.
    static func dynamicQuantizeLinear(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        let values = x.asFloats
        let (scale, zeroPoint) = dynamicParameters(values, threads: context.threads)
        let y = quantizeDynamic(values, scale: scale, zeroPoint: zeroPoint, threads: context.threads)
        return [
            Tensor(shape: x.shape, storage: .u8(y)), Tensor(shape: [], floats: [scale]),
            Tensor(shape: [], storage: .u8([zeroPoint])),
        ]
    }

    // MARK: - Parameters

    /// The scales and zero points of a QuantizeLinear or DequantizeLinear node (inputs 1 and 2):
    /// one pair for the whole tensor, or one per slice along `axis`.
    private struct AxisParameters {
        /// One scale per channel (one for per-tensor quantization).
        var scales: [Float]
        /// One zero point per channel (0 when the input is omitted).
        var zeroPoints: [Int32]
        /// Elements after the quantization axis (1 for per-tensor quantization).
        var inner = 1

        /// Reads and checks the node's scale, zero point, `axis` and `block_size` for an input of
        /// `shape`; the zero point must have one of `zeroPointTypes`.
        init(_ context: KernelContext, shape: [Int], zeroPointTypes: [DType]) throws(RuntimeError) {
            guard try context.int("block_size", 0) == 0 else {
                throw context.error("blocked quantization (block_size) is not supported")
            }
            let scale = try context.floatInput(1)
            if scale.count == 1, scale.shape.count <= 1 {
                scales = scale.asFloats
            } else {
                guard !shape.isEmpty else { throw context.error("a scalar input needs a single scale, got \(scale.shape)") }
                let axis = try context.axis(try context.int("axis", 1), rank: shape.count)
                scales = try context.quantizationScales(1, "scale (axis \(axis) of input \(shape))", count: shape[axis])
                inner = Shapes.count(Array(shape[(axis + 1)...])) ?? 1
            }
            let perChannel = scales.count > 1 ? scales.count : nil
            zeroPoints = try context.zeroPoints(2, "zero point", types: zeroPointTypes, count: perChannel)
            if context.optionalInput(2) == nil { zeroPoints = Array(repeating: 0, count: scales.count) }
            guard zeroPoints.count == scales.count else {
                throw context.error("zero point must have as many values as the scale (\(scales.count))")
            }
        }

        /// The channel of element `index`.
        func channel(of index: Int) -> Int {
            scales.count == 1 ? 0 : (index / inner) % scales.count
        }
    }
}

/// A value range `[low, high]` that always includes 0, and the uint8 scale and zero point that
/// map it onto `0...255`: the per-tensor activation quantization of DynamicQuantizeLinear, and
/// of the constant QuantizeLinear parameters `bale build --calibration` computes from the ranges
/// seen on samples, so static and dynamic quantization share one rounding.
///
/// Example:
/// ```swift
/// var range = QuantizationRange()
/// range.include([-0.5, 2])            // low -0.5, high 2
/// let (scale, zeroPoint) = range.parameters  // 2.5 / 255, 51
/// ```
package struct QuantizationRange: Sendable, Hashable {
    /// The smallest value seen, or 0.
    package private(set) var low: Float = 0
    /// The largest value seen, or 0.
    package private(set) var high: Float = 0

    /// The range `[0, 0]`.
    package init() {}

    /// Widens the range to cover `values`; NaN is ignored. Large inputs are scanned in chunks
    /// over `threads`.
    package mutating func include(_ values: [Float], threads: Int = 1) {
        let parts = values.count < Parallel.minimumWork ? 1 : max(1, threads)
        var bounds = [(low: Float, high: Float)](repeating: (0, 0), count: parts)
        values.withUnsafeBufferPointer { x in
            bounds.withUnsafeMutableBufferPointer { bounds in
                Parallel.run(parts: parts) { part in
                    let chunk = Parallel.range(of: part, parts: parts, count: x.count, quantum: 16)
                    var (low, high): (Float, Float) = (0, 0)
                    if let base = x.baseAddress, !chunk.isEmpty {
                        bale_range_with_zero(base + chunk.lowerBound, chunk.count, &low, &high)
                    }
                    bounds[part] = (low, high)
                }
            }
        }
        low = Swift.min(low, bounds.map(\.low).min() ?? 0)
        high = Swift.max(high, bounds.map(\.high).max() ?? 0)
    }

    /// The scale `(high - low) / 255` (1 for an all-zero range, as onnxruntime) and the zero
    /// point `round(saturate(-low / scale))`.
    package var parameters: (scale: Float, zeroPoint: UInt8) {
        let scale = high == low ? 1 : (high - low) / 255
        return (scale, UInt8.saturating(Swift.max(0, Swift.min(255, -low / scale))))
    }
}

extension KernelContext {
    /// The scale at input `index` (f32, or f16 widened to f32): one value (a scalar or a 1-element tensor), or `count` values
    /// in a 1-D tensor when `count` is given (per channel); `what` names it in errors.
    func quantizationScales(_ index: Int, _ what: String, count: Int? = nil) throws(RuntimeError) -> [Float] {
        let scale = try input(index)
        guard scale.dtype == .f32 || scale.dtype == .f16 else { throw error("\(what) must be f32 or f16, got \(scale.dtype)") }
        guard (scale.count == 1 && scale.shape.count <= 1) || (count != nil && scale.shape == [count!]) else {
            let allowed = count.map { "a scalar or [\($0)]" } ?? "a scalar"
            throw error("\(what) must be \(allowed), got shape \(scale.shape)")
        }
        return scale.asFloats
    }

    /// The zero point at input `index` as int32 values: `[0]` when omitted, else one value or
    /// `count` values (a 1-D tensor, per channel) of one of `types`; `what` names it in errors.
    func zeroPoints(_ index: Int, _ what: String, types: [DType], count: Int? = nil) throws(RuntimeError) -> [Int32] {
        guard let point = optionalInput(index) else { return [0] }
        guard types.contains(point.dtype), let values = point.int64s else {
            throw error("\(what) must be \(types.map(\.rawValue).joined(separator: " or ")), got \(point.dtype)")
        }
        guard (point.count == 1 && point.shape.count <= 1) || (count != nil && point.shape == [count!]) else {
            let allowed = count.map { "a scalar or [\($0)]" } ?? "a scalar"
            throw error("\(what) must be \(allowed), got shape \(point.shape)")
        }
        return values.map { Int32(truncatingIfNeeded: $0) }
    }
}
