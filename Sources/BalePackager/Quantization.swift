public import BaleBundle

/// The precision `bale build --quantize` gives a bundle's weights.
public enum Quantization: String, Sendable, Hashable, CaseIterable {
    /// fp32 weights and compute.
    case none
    /// int8 weights (symmetric, per output channel) and int8 products with dynamic activation
    /// quantization (see ``Int8Quantizer``).
    case int8
    /// fp32 compute, with f32 weights stored in the bundle as IEEE half (round to nearest even,
    /// about half the bytes) and widened to f32 when the model loads. A tensor with a finite
    /// value beyond half's range (±65504) stays fp32, as it would otherwise turn into infinities.
    case fp16

    /// The precision a profile asks for: `int8` profiles (`edge-arm64`) get int8, others none.
    public static func `default`(for profile: TargetProfile) -> Quantization {
        profile.precision == "int8" ? .int8 : .none
    }

    /// The precision the manifest records: `fp32`, `int8` or `fp16`.
    public var precision: String {
        switch self {
        case .none: "fp32"
        case .int8: "int8"
        case .fp16: "fp16"
        }
    }
}
