import BaleGraph
import BaleRuntime
import Testing

/// Quantization kernels on hand-checked values, and their refusals of bad operands (the
/// onnxruntime comparisons are in BaleONNXTests/QuantizedModelTests).
@Suite struct QuantizationKernelTests {
    static func u8(_ shape: [Int], _ values: [UInt8]) -> Tensor { Tensor(shape: shape, storage: .u8(values)) }
    static func i8(_ shape: [Int], _ values: [Int8]) -> Tensor { Tensor(shape: shape, storage: .i8(values)) }
    static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], floats: [value]) }

    @Test func quantizeRoundsHalfToEvenAndSaturates() throws {
        let x = Tensor(shape: [6], floats: [0.25, 0.75, -0.25, 1000, -1000, .nan])
        let y = try KernelHarness.run("QuantizeLinear", [x, Self.scalar(0.5), Self.i8([], [1])])
        #expect(y[0].storage == .i8([1, 3, 1, 127, -128, 1]))
    }

    @Test func dynamicQuantizeOfZerosUsesScaleOne() throws {
        let y = try KernelHarness.run("DynamicQuantizeLinear", [Tensor(shape: [3], floats: [0, 0, 0])], outputs: 3)
        #expect(y[0].storage == .u8([0, 0, 0]) && y[1].floats == [1] && y[2].storage == .u8([0]))
    }

    @Test func matMulIntegerSubtractsZeroPoints() throws {
        // (A - 1) = [[1, 2], [3, 4]], (B - [0, 2]) = [[1, 1], [-1, 0]] → [[-1, 1], [-1, 3]].
        let y = try KernelHarness.run(
            "MatMulInteger", [Self.u8([2, 2], [2, 3, 4, 5]), Self.i8([2, 2], [1, 3, -1, 2]), Self.u8([], [1]), Self.i8([2], [0, 2])])
        #expect(y[0].shape == [2, 2] && y[0].storage == .i32([-1, 1, -1, 3]))
    }

    @Test func convIntegerPaddingReadsTheZeroPoint() throws {
        // 1×1×1×2 input [5, 7] with zero point 5, kernel [1, 1] padded by one on each side.
        let y = try KernelHarness.run(
            "ConvInteger", [Self.u8([1, 1, 1, 2], [5, 7]), Self.u8([1, 1, 1, 2], [1, 1]), Self.u8([], [5])],
            ["pads": .ints([0, 1, 0, 1])])
        #expect(y[0].shape == [1, 1, 1, 3] && y[0].storage == .i32([0, 2, 2]))
    }

    @Test func refusesBadQuantizationParameters() {
        let a = Self.u8([2, 2], [1, 2, 3, 4])
        let perRow = KernelHarness.failure("MatMulInteger", [a, a, Self.u8([2], [1, 2])])
        #expect(perRow?.contains("node 'n' (MatMulInteger): a_zero_point must be a scalar") == true, "\(perRow ?? "")")
        let mixed = KernelHarness.failure("MatMulInteger", [a, a, Self.i8([], [0])])
        #expect(mixed?.contains("a_zero_point must be u8") == true, "\(mixed ?? "")")
        let x = Self.u8([1, 1, 2, 2], [1, 2, 3, 4])
        let scale = Self.scalar(0.1)
        let zero = Self.u8([], [0])
        let badScale = KernelHarness.failure(
            "QLinearConv", [x, scale, zero, x, Tensor(shape: [3], floats: [1, 1, 1]), zero, scale, zero])
        #expect(badScale?.contains("(QLinearConv): w_scale must be a scalar or [1]") == true, "\(badScale ?? "")")
        let badBias = KernelHarness.failure(
            "QLinearConv", [x, scale, zero, x, scale, zero, scale, zero, Tensor(shape: [2], storage: .i32([1, 2]))])
        #expect(badBias?.contains("bias must be i32 of shape [1]") == true, "\(badBias ?? "")")
        let badAxis = KernelHarness.failure("DequantizeLinear", [x, Tensor(shape: [3], floats: [1, 1, 1])])
        #expect(badAxis?.contains("(DequantizeLinear): scale") == true, "\(badAxis ?? "")")
        let float = KernelHarness.failure("DequantizeLinear", [Tensor(shape: [1], floats: [1]), scale])
        #expect(float?.contains("x must be i8, u8 or i32") == true, "\(float ?? "")")
    }
}

@Suite struct DynamicQuantizationRoundingTests {
    /// The vectorised quantization loop rounds half to even and saturates exactly like the
    /// per-value definition: on a range whose scale makes many exact .5 ties, and on non-finite
    /// and huge values.
    static let inputs: [[Float]] = {
        let halves: [Float] = (0..<510).map { Float($0) * 0.5 }
        let quarters: [Float] = (0..<2000).map { Float($0) * 0.25 - 250 }
        let odd: [Float] = [.nan, 0, -0.0, .leastNonzeroMagnitude]
        return [halves, quarters + odd, [1e30, -1e30, 3, .nan, -7.5], [.infinity, -.infinity, 1, 0]]
    }()

    @Test(arguments: inputs)
    func matchesTheDefinition(_ values: [Float]) throws {
        let node = Node(name: "q", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["y", "s", "z"])
        let outputs = try KernelRegistry.all["DynamicQuantizeLinear"]!(
            KernelContext(node: node, inputs: [Tensor(shape: [values.count], floats: values)]))
        let (scale, zeroPoint) = (outputs[1].asFloats[0], Float(outputs[2].int64s![0]))
        let expected = values.map { value -> Int64 in
            let v = (value / scale).rounded(.toNearestOrEven) + zeroPoint
            return v.isNaN ? 0 : Int64(min(255, max(0, v)))
        }
        #expect(outputs[0].int64s == expected)
    }

    /// Large inputs are scanned and quantized in chunks over the threads; the result does not
    /// depend on the thread count.
    @Test func threadsGiveTheSameResult() throws {
        let values = (0..<100_003).map { Float(($0 * 7919) % 1013) / 97 - 5 } + [.nan]
        let node = Node(name: "q", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["y", "s", "z"])
        let x = Tensor(shape: [values.count], floats: values)
        let one = try KernelRegistry.all["DynamicQuantizeLinear"]!(KernelContext(node: node, inputs: [x], threads: 1))
        for threads in [2, 3] {
            let many = try KernelRegistry.all["DynamicQuantizeLinear"]!(KernelContext(node: node, inputs: [x], threads: threads))
            #expect(many == one, "\(threads) threads")
        }
    }
}
