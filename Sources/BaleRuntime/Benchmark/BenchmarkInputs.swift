public import BaleGraph

/// Inputs for a benchmark, made from the model's declared input types.
///
/// A symbolic first dimension takes the batch size; any other symbolic dimension takes its
/// size from `dims` by name, else 1. Floating-point inputs hold deterministic pseudo-random
/// values in [-1, 1] (SplitMix64, one stream per input); integer and bool inputs hold zeros.
///
/// Example:
/// ```swift
/// let feeds = try BenchmarkInputs.generate(for: model.graph, batch: 64)
/// ```
public enum BenchmarkInputs {
    /// One tensor per graph input.
    /// - Parameters:
    ///   - batch: size for each input's symbolic first dimension (at least 1).
    ///   - dims: sizes for other symbolic dimensions, by name.
    ///   - seed: seeds the pseudo-random values; the same seed gives the same tensors.
    /// - Throws: a ``RuntimeError`` when an input's rank is unknown, or when `batch` is not 1
    ///   but no input has a symbolic first dimension to take it.
    public static func generate(
        for graph: Graph, batch: Int = 1, dims: [String: Int] = [:], seed: UInt64 = 0
    ) throws(RuntimeError) -> [String: Tensor] {
        if batch != 1, !graph.inputs.contains(where: { $0.type.shape?.first.map(isSymbolic) ?? false }) {
            throw RuntimeError("batch \(batch) cannot be applied: no model input has a symbolic first dimension (\(graph.inputs.map { "\($0.name) \($0.type)" }.joined(separator: ", ")))")
        }
        var feeds: [String: Tensor] = [:]
        for (index, input) in graph.inputs.enumerated() {
            guard let declared = input.type.shape else {
                throw RuntimeError("input '\(input.name)' has an unknown rank; give it with --input \(input.name)=FILE.npy")
            }
            let shape = declared.enumerated().map { axis, dim in
                switch dim {
                case .fixed(let size): size
                case .symbolic where axis == 0: batch
                case .symbolic(let name): dims[name] ?? 1
                }
            }
            var random = SplitMix64(seed: seed &+ UInt64(index))
            feeds[input.name] = tensor(input.type.dtype, shape: shape, random: &random)
        }
        return feeds
    }

    /// The batch a set of feeds carries: the first dimension of the first input whose declared
    /// first dimension is symbolic, else 1.
    public static func batch(of feeds: [String: Tensor], for graph: Graph) -> Int {
        for input in graph.inputs where input.type.shape?.first.map(isSymbolic) ?? false {
            if let size = feeds[input.name]?.shape.first { return size }
        }
        return 1
    }

    private static func isSymbolic(_ dim: Dim) -> Bool { dim.value == nil }

    private static func tensor(_ dtype: DType, shape: [Int], random: inout SplitMix64) -> Tensor {
        let count = Shapes.count(shape) ?? 0
        switch dtype {
        case .f32: return Tensor(shape: shape, floats: (0..<count).map { _ in random.nextUnitSigned() })
        case .f16: return Tensor(shape: shape, storage: .f16((0..<count).map { _ in Float16(random.nextUnitSigned()).bitPattern }))
        default: return Tensor(zeros: dtype, shape: shape)
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [-1, 1]: 24 random bits, exact in `Float`.
    mutating func nextUnitSigned() -> Float {
        Float(next() >> 40) / Float((1 << 24) - 1) * 2 - 1
    }
}
