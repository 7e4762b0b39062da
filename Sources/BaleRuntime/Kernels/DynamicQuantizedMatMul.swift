import BaleGraph

extension KernelRegistry {
    /// Bale's fused int8 operators, by key.
    static let fusedQuantizationKernels: [String: KernelFunction] = [
        DynamicQuantizedMatMul.key: DynamicQuantizedMatMul.run,
        DynamicQuantizedConv.key: DynamicQuantizedConv.run,
    ]
}

/// `ai.bale:DynamicQuantizedMatMul`: what ``DynamicQuantizationFusion`` makes of onnxruntime's
/// dynamic quantization chain (DynamicQuantizeLinear → MatMulInteger → Cast → Mul by
/// `x_scale · w_scale` → Add bias), and of the static chain `bale build --calibration` writes
/// (QuantizeLinear with constant parameters in place of DynamicQuantizeLinear), run as one int8
/// product on the packed VNNI/AVX2/NEON kernels.
///
/// Inputs: X f32 `[..., K]`, W i8 `[K, N]` (symmetric: zero point 0), scale f32 (one value or
/// `N`), optional bias f32 `[N]`, optional x_scale f32 and x_zero_point u8 (one value each).
/// Output Y f32 `[..., N]`, then the fused `activation` if any.
///
/// - Dynamic (no x_scale): X is quantized per tensor exactly as DynamicQuantizeLinear does, and
///   Y is `Σ (xq - xz)·w · (x_scale · scale[n]) + bias[n]`: scale is W's scale.
/// - Static (x_scale and x_zero_point given): X is quantized with them as QuantizeLinear does,
///   and Y is `Σ (xq - xz)·w · scale[n] + bias[n]`: scale is the whole dequantization scale
///   `x_scale · w_scale`, the constant the static chain's Mul reads once folded.
///
/// Both use the same rounding as the unfused chain, so both give its result (NaN in X quantizes
/// to 0 here, to the zero point in QuantizeLinear).
enum DynamicQuantizedMatMul {
    /// The operator's domain.
    static let domain = "ai.bale"
    /// The operator's type.
    static let opType = "DynamicQuantizedMatMul"
    /// The registry key.
    static let key = KernelRegistry.key(domain: domain, opType: opType)

    /// Runs the node.
    static func run(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.floatInput(0)
        guard let k = x.shape.last, x.shape.count >= 1 else { throw context.error("X must have rank >= 1, got \(x.shape)") }
        let weights = try Weights(context)
        guard weights.k == k else { throw context.error("X \(x.shape) does not fit W [\(weights.k), \(weights.n)]") }
        let inputs = try DynamicQuantizationInputs(context, outputs: weights.n)
        let shape = Array(x.shape.dropLast()) + [weights.n]
        let count = try context.checkedCount(shape)
        let m = k > 0 ? x.count / k : Shapes.count(Array(x.shape.dropLast())) ?? 0

        let (quantized, zeroPoint, aScale) = try DynamicQuantizationInputs.quantize(x.asFloats, context)
        let dequantization = inputs.dequantization(aScale: aScale, columns: 0..<weights.n)
        var failed = false
        let y = context.output().make(count: count) { (out: UnsafeMutableBufferPointer<Float>) in
            out.initialize(repeating: 0)
            guard m > 0, let target = out.baseAddress else { return }
            quantized.withUnsafeBufferPointer { a in
                let activations = QGemmActivations(a.baseAddress, leading: k, zeroPoint: zeroPoint)
                failed = !QGemmKernel.multiply(
                    m: m, a: activations, packed: weights.packed, dequantization: dequantization, into: target,
                    ldy: weights.n, threads: context.threads)
            }
            inputs.activation?.apply(to: out)
        }
        guard !failed else { throw context.error("out of memory: the int8 product could not allocate its scratch") }
        return [Tensor(shape: shape, floats: y)]
    }

    /// Packs W once at load for the int8 kernel.
    static func prepare(_ node: Node, _ constants: inout [Tensor?]) -> (any Sendable)? {
        guard constants.count > 1, let w = constants[1], case .i8(let values) = w.storage, w.shape.count == 2 else { return nil }
        return PackedQGemmMatrix(values, k: w.shape[0], n: w.shape[1])
    }

    /// W: its packed form (always, when it was constant at load), or packed now.
    private struct Weights {
        var packed: PackedQGemmMatrix
        var k: Int { packed.rows }
        var n: Int { packed.columns }

        init(_ context: KernelContext) throws(RuntimeError) {
            if let packed = context.prepared as? PackedQGemmMatrix {
                self.packed = packed
                return
            }
            let w = try context.input(1)
            guard case .i8(let values) = w.storage, w.shape.count == 2 else {
                throw context.error("W must be a 2-D i8 tensor, got \(w.dtype)\(w.shape)")
            }
            guard let packed = PackedQGemmMatrix(values, k: w.shape[0], n: w.shape[1]) else {
                throw context.error("W \(w.shape) cannot be packed for the int8 kernel")
            }
            self.packed = packed
        }
    }
}

extension PackedQGemmMatrix: PreparedReplacement {
    /// The node input the packed weights replace: W.
    package var replacedInputs: [Int] { [1] }
}
