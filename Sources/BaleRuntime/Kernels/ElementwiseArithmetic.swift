import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A binary arithmetic operator of the elementwise kernels, applied with broadcasting.
///
/// f32 follows IEEE 754 (f16 is computed in f32 and rounded back); integers wrap on overflow and
/// divide truncating toward zero, as in C and ONNX (callers reject a zero integer divisor first). `max` and `min` propagate NaN, as
/// NumPy's `maximum` and `minimum` do.
enum ArithmeticOp: Sendable {
    case add, sub, mul, div, max, min

    /// Element types the arithmetic kernels take.
    static let types: [DType] = [.f32, .f16, .i8, .u8, .i32, .i64]

    /// The result over the broadcast elements of `a` and `b` (split over `threads` when large; f32
    /// results written to `output`), or `nil` unless both have the same type from ``types``.
    func apply(
        _ a: TensorStorage, _ b: TensorStorage, _ plan: BroadcastPlan, threads: Int, into output: OutputBuffer = .fresh
    ) -> TensorStorage? {
        switch (a, b) {
        case (.f32(let x), .f32(let y)): .f32(floats(x, y, plan, threads, output))
        case (.f16, .f16): .f16(floats(a.widenedHalves, b.widenedHalves, plan, threads, .fresh).map { Float16($0).bitPattern })
        case (.i8(let x), .i8(let y)): .i8(integers(x, y, plan, threads))
        case (.u8(let x), .u8(let y)): .u8(integers(x, y, plan, threads))
        case (.i32(let x), .i32(let y)): .i32(integers(x, y, plan, threads))
        case (.i64(let x), .i64(let y)): .i64(integers(x, y, plan, threads))
        default: nil
        }
    }

    // MARK: - Per element type

    // The switch stays outside the loops: each case hands `map` a closure it inlines.

    private func floats(_ x: [Float], _ y: [Float], _ plan: BroadcastPlan, _ threads: Int, _ output: OutputBuffer) -> [Float] {
        switch self {
        case .add: plan.map(x, y, threads: threads, into: output) { $0 + $1 }
        case .sub: plan.map(x, y, threads: threads, into: output) { $0 - $1 }
        case .mul: plan.map(x, y, threads: threads, into: output) { $0 * $1 }
        case .div: plan.map(x, y, threads: threads, into: output) { $0 / $1 }
        case .max: plan.map(x, y, threads: threads, into: output) { $0.isNaN || $0 > $1 ? $0 : $1 }
        case .min: plan.map(x, y, threads: threads, into: output) { $0.isNaN || $0 < $1 ? $0 : $1 }
        }
    }

    private func integers<T: FixedWidthInteger>(_ x: [T], _ y: [T], _ plan: BroadcastPlan, _ threads: Int) -> [T] {
        switch self {
        case .add: plan.map(x, y, threads: threads) { $0 &+ $1 }
        case .sub: plan.map(x, y, threads: threads) { $0 &- $1 }
        case .mul: plan.map(x, y, threads: threads) { $0 &* $1 }
        // Only `T.min / -1` overflows here; it wraps to `T.min` like two's-complement C.
        case .div: plan.map(x, y, threads: threads) { $0.dividedReportingOverflow(by: $1).partialValue }
        case .max: plan.map(x, y, threads: threads) { Swift.max($0, $1) }
        case .min: plan.map(x, y, threads: threads) { Swift.min($0, $1) }
        }
    }
}

// MARK: - Kernels

extension Elementwise {
    /// Add, Sub, Mul, Div (`variadic == false`: inputs A, B) or Sum, Max, Min (`variadic`: one
    /// or more inputs), all broadcasting, on f32, i32 or i64.
    static func arithmetic(_ op: ArithmeticOp, variadic: Bool) -> KernelFunction {
        { context throws(RuntimeError) in
            let operands = try variadic ? allInputs(context) : [context.input(0), context.input(1)]
            var result = operands[0]
            for next in operands.dropFirst() {
                guard next.dtype == result.dtype else {
                    throw context.error("inputs must have the same type, got \(result.dtype) and \(next.dtype)")
                }
                if op == .div, !next.dtype.isFloatingPoint, next.int64s?.contains(0) == true {
                    throw context.error("integer division by zero")
                }
                let shapes = [result.shape, next.shape]
                let plan = try context.plan(for: shapes) { () throws(RuntimeError) in try BroadcastPlan(shapes, context) }
                guard let storage = op.apply(result.storage, next.storage, plan, threads: context.threads, into: context.output())
                else {
                    throw context.error("inputs must be f32, f16, i8, u8, i32 or i64, got \(next.dtype)")
                }
                result = Tensor(shape: plan.shape, storage: storage)
            }
            guard ArithmeticOp.types.contains(result.dtype) else {
                throw context.error("inputs must be f32, f16, i8, u8, i32 or i64, got \(result.dtype)")
            }
            return [result]
        }
    }

    /// Pow: X (f32, i32 or i64) raised to Y (f32 or an integer type), broadcasting; the result
    /// has X's type (integer results computed in double precision and truncated, as ONNX does).
    static func pow(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        let y = try context.input(1)
        guard [.f32, .i8, .u8, .i32, .i64].contains(y.dtype) else {
            throw context.error("exponent must be f32 or an integer type, got \(y.dtype)")
        }
        let plan = try BroadcastPlan([x.shape, y.shape], context)
        switch x.storage {
        case .f32(let base):
            let powers = plan.map(base, y.asFloats, threads: context.threads) { powf($0, $1) }
            return [Tensor(shape: plan.shape, floats: powers)]
        case .i32, .i64:
            let exponents = y.int64s.map { $0.map(Double.init) } ?? y.asFloats.map(Double.init)
            let values = plan.map(x.int64s!.map(Double.init), exponents) { libmPow($0, $1) }
            let integers = values.map { $0.isFinite ? Int64(clamping: Int64(exactly: $0.rounded(.towardZero)) ?? 0) : 0 }
            let storage: TensorStorage = x.dtype == .i32 ? .i32(integers.map { Int32(truncatingIfNeeded: $0) }) : .i64(integers)
            return [Tensor(shape: plan.shape, storage: storage)]
        default:
            throw context.error("base must be f32, i32 or i64, got \(x.dtype)")
        }
    }

    /// Equal: A == B elementwise with broadcasting (any Bale type, both the same); the result is
    /// bool.
    static func equal(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let a = try context.input(0)
        let b = try context.input(1)
        let plan = try BroadcastPlan([a.shape, b.shape], context)
        let result: [Bool]
        switch (a.storage, b.storage) {
        case (.f32(let x), .f32(let y)): result = plan.map(x, y) { $0 == $1 }
        case (.i32(let x), .i32(let y)): result = plan.map(x, y) { $0 == $1 }
        case (.i64(let x), .i64(let y)): result = plan.map(x, y) { $0 == $1 }
        case (.i8(let x), .i8(let y)): result = plan.map(x, y) { $0 == $1 }
        case (.u8(let x), .u8(let y)): result = plan.map(x, y) { $0 == $1 }
        case (.f16, .f16): result = plan.map(a.storage.widenedHalves, b.storage.widenedHalves) { $0 == $1 }
        case (.bool(let x), .bool(let y)): result = plan.map(x, y) { $0 == $1 }
        default:
            throw context.error("inputs must both have the same type (f32, f16, i8, u8, i32, i64 or bool), got \(a.dtype) and \(b.dtype)")
        }
        return [Tensor(shape: plan.shape, storage: .bool(result))]
    }

    /// Every input of a variadic node, none omitted and at least one.
    private static func allInputs(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        guard !context.inputs.isEmpty else { throw context.error("needs at least one input") }
        var tensors: [Tensor] = []
        for index in context.inputs.indices { tensors.append(try context.input(index)) }
        return tensors
    }
}

extension TensorStorage {
    /// f16 elements widened to f32 (empty for other types).
    var widenedHalves: [Float] {
        if case .f16(let bits) = self { return bits.map { Float(Float16(bitPattern: $0)) } }
        return []
    }
}

/// The C library's `pow`, which ``Elementwise/pow(_:)`` hides inside the type.
private func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
