import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A unary f32 function of the elementwise kernels. ``apply(_:to:)`` switches once per buffer,
/// so each case is a plain loop (vectorised where the function is arithmetic).
enum UnaryFunction: Sendable {
    case sqrt, exp, erf
    /// The same math (and loops) the fused forms use.
    case activation(FusedActivation)
    /// Gelu, exactly `x · Φ(x)`.
    case gelu
    /// Gelu with the tanh approximation.
    case geluTanh

    /// Writes `f(x[i])` to `y[i]` for every element of `x`; `y` may be uninitialised.
    func apply(_ x: UnsafeBufferPointer<Float>, to y: UnsafeMutablePointer<Float>) {
        switch self {
        case .sqrt: Self.each(x, y) { $0.squareRoot() }
        case .exp: Self.each(x, y) { expf($0) }
        case .erf: Self.each(x, y, FastMath.erf)
        case .gelu:
            let invSqrt2 = Float(0.5).squareRoot()
            Self.each(x, y) { x in 0.5 * x * (1 + FastMath.erf(x * invSqrt2)) }
        case .geluTanh:
            let sqrt2OverPi = (2 / Float.pi).squareRoot()
            Self.each(x, y) { x in 0.5 * x * (1 + tanhf(sqrt2OverPi * (x + 0.044715 * x * x * x))) }
        case .activation(let activation):
            guard let source = x.baseAddress else { return }
            y.initialize(from: source, count: x.count)
            activation.apply(to: UnsafeMutableBufferPointer(start: y, count: x.count))
        }
    }

    @inline(__always)
    private static func each(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: (Float) -> Float) {
        for i in x.indices { (y + i).initialize(to: f(x[i])) }
    }
}

extension Elementwise {
    // MARK: - Building unary f32 kernels

    /// A kernel applying `function` to every element of its f32 input 0.
    static func unary(_ function: UnaryFunction) -> KernelFunction {
        unary(reading: { _ throws(RuntimeError) in function })
    }

    /// A kernel applying to its f32 input 0 the function `make` picks from the node's attributes
    /// (read once per run); large inputs are split over the context's threads.
    static func unary(
        reading make: @escaping @Sendable (KernelContext) throws(RuntimeError) -> UnaryFunction
    ) -> KernelFunction {
        { context throws(RuntimeError) in
            let function = try make(context)
            let x = try context.floatInput(0)
            let count = x.count
            let y = x.asFloats.withUnsafeBufferPointer { source in
                context.output().make(count: count) { out in
                    Parallel.forEachChunk(of: count, work: count, threads: context.threads) { chunk in
                        function.apply(UnsafeBufferPointer(rebasing: source[chunk]), to: out.baseAddress! + chunk.lowerBound)
                    }
                }
            }
            return [Tensor(shape: x.shape, floats: y)]
        }
    }

    // MARK: - Attribute-driven functions

    /// LeakyRelu: `x` for `x >= 0`, else `alpha * x` (attribute `alpha`, default 0.01).
    static func leakyRelu(_ context: KernelContext) throws(RuntimeError) -> UnaryFunction {
        .activation(.leakyRelu(alpha: try context.float("alpha", 0.01)))
    }

    /// Gelu: `x * Φ(x)` exactly (`approximate` = `none`) or with the tanh approximation (`tanh`).
    static func gelu(_ context: KernelContext) throws(RuntimeError) -> UnaryFunction {
        let approximate = try context.string("approximate", "none")
        switch approximate {
        case "none": return .gelu
        case "tanh": return .geluTanh
        default: throw context.error("approximate must be 'none' or 'tanh', got '\(approximate)'")
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
