import BaleGraph
import Foundation

extension Elementwise {
    // MARK: - Building unary f32 kernels

    /// A kernel applying `function` to every element of its f32 input 0.
    static func unary(_ function: @escaping @Sendable (Float) -> Float) -> KernelFunction {
        unary(reading: { _ throws(RuntimeError) in function })
    }

    /// A kernel applying `activation` (the same math the fused forms use) to its f32 input 0.
    static func unary(_ activation: FusedActivation) -> KernelFunction {
        unary { activation.apply($0) }
    }

    /// A kernel applying to its f32 input 0 the function `make` builds from the node's
    /// attributes (read once per run, before the loop).
    static func unary(
        reading make: @escaping @Sendable (KernelContext) throws(RuntimeError) -> (Float) -> Float
    ) -> KernelFunction {
        { context throws(RuntimeError) in
            let function = try make(context)
            let x = try context.floatInput(0)
            return [Tensor(shape: x.shape, floats: x.asFloats.map(function))]
        }
    }

    // MARK: - Attribute-driven functions

    /// LeakyRelu: `x` for `x >= 0`, else `alpha * x` (attribute `alpha`, default 0.01).
    static func leakyRelu(_ context: KernelContext) throws(RuntimeError) -> (Float) -> Float {
        let activation = FusedActivation.leakyRelu(alpha: try context.float("alpha", 0.01))
        return { activation.apply($0) }
    }

    /// Gelu: `x * Φ(x)` exactly (`approximate` = `none`) or with the tanh approximation (`tanh`).
    static func gelu(_ context: KernelContext) throws(RuntimeError) -> (Float) -> Float {
        let approximate = try context.string("approximate", "none")
        switch approximate {
        case "none":
            let invSqrt2 = Float(0.5).squareRoot()
            return { x in 0.5 * x * (1 + Foundation.erf(x * invSqrt2)) }
        case "tanh":
            let sqrt2OverPi = (2 / Float.pi).squareRoot()
            return { x in 0.5 * x * (1 + Foundation.tanh(sqrt2OverPi * (x + 0.044715 * x * x * x))) }
        default:
            throw context.error("approximate must be 'none' or 'tanh', got '\(approximate)'")
        }
    }

    // MARK: - Clip

    /// Clip: `min(max(x, lo), hi)` with optional scalar inputs `min` (1) and `max` (2) of X's
    /// type; f32 or an integer type. When `lo > hi` every element becomes `hi`, as in ONNX.
    static func clip(_ context: KernelContext) throws(RuntimeError) -> [Tensor] {
        let x = try context.input(0)
        let lo = context.optionalInput(1)
        let hi = context.optionalInput(2)
        for (index, bound) in [(1, lo), (2, hi)] {
            guard let bound else { continue }
            guard bound.dtype == x.dtype, bound.count == 1 else {
                throw context.error(
                    "input \(index) must be a single \(x.dtype) value, got \(bound.dtype)\(bound.shape)")
            }
        }
        let storage: TensorStorage
        switch x.storage {
        case .f32(let v):
            storage = .f32(clamp(v, lo?.asFloats.first ?? -.infinity, hi?.asFloats.first ?? .infinity))
        case .i8(let v): storage = .i8(clamp(v, lo, hi))
        case .u8(let v): storage = .u8(clamp(v, lo, hi))
        case .i32(let v): storage = .i32(clamp(v, lo, hi))
        case .i64(let v): storage = .i64(clamp(v, lo, hi))
        case .f16, .bool: throw context.error("input must be f32 or an integer type, got \(x.dtype)")
        }
        return [Tensor(shape: x.shape, storage: storage)]
    }

    /// Integer clamping with bounds read from same-typed single-element tensors.
    private static func clamp<T: FixedWidthInteger>(_ values: [T], _ lo: Tensor?, _ hi: Tensor?) -> [T] {
        func bound(_ tensor: Tensor?, _ fallback: T) -> T {
            tensor?.int64s?.first.map { T(truncatingIfNeeded: $0) } ?? fallback
        }
        return clamp(values, bound(lo, .min), bound(hi, .max))
    }

    private static func clamp<T: Comparable>(_ values: [T], _ lo: T, _ hi: T) -> [T] {
        values.map { Swift.min(Swift.max($0, lo), hi) }
    }
}
