import BaleGraph
public import BalePlugins

/// `clamp`: a preprocess plugin clamping every value of the model's input tensors to
/// `lower...upper` (keys `lower`, default 0, and `upper`, default 1).
///
/// Put it after a plugin that makes tensors (`normalize`, `image`), e.g.
/// `bale build m.onnx --plugin normalize --plugin clamp:upper=0.5` with a `bale` that has it
/// registered (see `clamp-demo`).
public struct ClampPlugin: PreprocessPlugin {
    /// The plugin's name in manifests.
    public static let name = "clamp"

    /// The registry entry: its stage, the keys it accepts, and its factory.
    public static let descriptor = PluginDescriptor.preprocess(name, keys: [
        "lower": "the smallest value (default 0)",
        "upper": "the largest value (default 1)",
    ]) { try ClampPlugin($0) }

    /// Adds `clamp` to `registry`.
    public static func register(into registry: inout PluginRegistry) {
        registry.register(descriptor)
    }

    let lower: Float
    let upper: Float

    /// Reads and checks the config: a bad value fails the model's load, naming the key.
    public init(_ context: PluginContext) throws(PluginError) {
        lower = Float(try context.config.number("lower", default: 0, in: -1e30...1e30))
        upper = Float(try context.config.number("upper", default: 1, in: -1e30...1e30))
        guard lower <= upper else {
            throw PluginError(plugin: context.name, key: "upper", "\(upper) is below lower (\(lower))")
        }
    }

    public func preprocess(_ payload: Payload) throws -> Payload {
        guard case .tensors(let tensors) = payload else {
            throw PluginError(plugin: Self.name, "needs tensors (put it after normalize or image), got \(payload.kind)")
        }
        return .tensors(tensors.mapValues { tensor in
            Tensor(shape: tensor.shape, floats: tensor.asFloats.map { min(max($0, lower), upper) })
        })
    }
}
