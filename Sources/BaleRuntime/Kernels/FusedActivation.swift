public import BaleGraph
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An activation fused into a Gemm, MatMul or Conv node by the optimiser.
///
/// Stored on the node as attributes (a Bale IR extension, see docs/bundle-format.md):
/// `activation` = `Relu` | `LeakyRelu` | `Sigmoid` | `Tanh` | `Clip`, with `activation_alpha`
/// (LeakyRelu slope) or `activation_min` / `activation_max` (Clip bounds).
public enum FusedActivation: Sendable, Hashable {
    case relu
    case leakyRelu(alpha: Float)
    case sigmoid
    case tanh
    case clip(min: Float, max: Float)

    /// The activation recorded on the context's node, or `nil` when there is none.
    public init?(_ context: KernelContext) throws(RuntimeError) {
        let name = try context.string("activation", "")
        switch name {
        case "": return nil
        case "Relu": self = .relu
        case "LeakyRelu": self = .leakyRelu(alpha: try context.float("activation_alpha", 0.01))
        case "Sigmoid": self = .sigmoid
        case "Tanh": self = .tanh
        case "Clip":
            self = .clip(min: try context.float("activation_min", -.infinity), max: try context.float("activation_max", .infinity))
        default: throw context.error("unknown fused activation '\(name)'")
        }
    }

    /// The node attributes that record this activation.
    public var attributes: [String: Attribute] {
        switch self {
        case .relu: ["activation": .string("Relu")]
        case .leakyRelu(let alpha): ["activation": .string("LeakyRelu"), "activation_alpha": .float(alpha)]
        case .sigmoid: ["activation": .string("Sigmoid")]
        case .tanh: ["activation": .string("Tanh")]
        case .clip(let lo, let hi): ["activation": .string("Clip"), "activation_min": .float(lo), "activation_max": .float(hi)]
        }
    }

    /// Applies the activation to one value.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: x > 0 ? x : 0
        case .leakyRelu(let alpha): x >= 0 ? x : alpha * x
        case .sigmoid: 1 / (1 + exp(-x))
        case .tanh: tanhf(x)
        case .clip(let lo, let hi): Swift.min(Swift.max(x, lo), hi)
        }
    }

    /// Applies the activation to every element of `values`.
    public func apply(to values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { apply(to: $0) }
    }

    /// Applies the activation to every element of `values`, choosing the operation once so the
    /// loop over elements is plain arithmetic the compiler vectorises.
    public func apply(to values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .relu:
            for i in values.indices { values[i] = values[i] > 0 ? values[i] : 0 }
        case .leakyRelu(let alpha):
            for i in values.indices { values[i] = values[i] >= 0 ? values[i] : alpha * values[i] }
        case .clip(let lo, let hi):
            for i in values.indices { values[i] = Swift.min(Swift.max(values[i], lo), hi) }
        case .sigmoid, .tanh:
            for i in values.indices { values[i] = apply(values[i]) }
        }
    }
}
