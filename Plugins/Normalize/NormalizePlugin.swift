public import BalePlugins
import BaleBundle
import BaleGraph
import BaleRuntime

/// `normalize`: `x * scale`, then `(x - mean) / std`, per tensor or per channel, reshaping a flat
/// list to the model's input shape.
///
/// Takes the tensors of a previous plugin (e.g. `image`), or, first in the chain, a JSON request
/// `{"data": [...]}` or a bare array (nested arrays are flattened) for the model's only input.
/// Each key holds one number (per tensor) or one per channel separated by `/`
/// (`mean=0.485/0.456/0.406`); the channel axis is axis 1 when its size matches (NCHW), else the
/// last axis (NHWC, or interleaved values of a flat input).
public struct NormalizePlugin: PreprocessPlugin {
    /// The plugin's name in manifests and on the command line.
    public static let name = "normalize"

    /// The registry entry.
    public static let descriptor = PluginDescriptor.preprocess(name, keys: [
        "scale": "multiply every value first, e.g. 0.00392156862745098 (1/255); one number or one per channel (default 1)",
        "mean": "then subtract, e.g. 0.485/0.456/0.406 (default 0)",
        "std": "then divide, non-zero (default 1)",
    ]) { try NormalizePlugin($0) }

    let context: PluginContext
    let scale: [Float]
    let mean: [Float]
    let std: [Float]
    /// Channels the lists describe (1 when every list holds one number).
    let channels: Int

    /// Reads and checks the config.
    public init(_ context: PluginContext) throws(PluginError) {
        self.context = context
        let config = context.config
        let lists = [
            ("scale", try config.numbers("scale") ?? [1]), ("mean", try config.numbers("mean") ?? [0]),
            ("std", try config.numbers("std") ?? [1]),
        ]
        let channels = lists.map(\.1.count).max() ?? 1
        for (key, list) in lists where list.count != 1 && list.count != channels {
            throw PluginError(plugin: context.name, key: key, "has \(list.count) values, but another key has \(channels); give one value or one per channel")
        }
        if let zero = lists[2].1.firstIndex(of: 0) {
            throw PluginError(plugin: context.name, key: "std", "value \(zero + 1) is 0; a standard deviation must not be zero")
        }
        self.channels = channels
        (scale, mean, std) = (lists[0].1.map(Float.init), lists[1].1.map(Float.init), lists[2].1.map(Float.init))
    }

    public func preprocess(_ payload: Payload) throws -> Payload {
        switch payload {
        case .json(let value):
            let input = try context.singleInput()
            let values = try Self.values(in: value, plugin: context.name)
            let shape = try context.shape(of: input, holding: values.count)
            return .tensors([input.name: try normalized(Tensor(shape: shape, floats: values), name: input.name)])
        case .tensors(let tensors):
            var result: [String: Tensor] = [:]
            for (name, tensor) in tensors {
                var tensor = tensor
                if let input = context.inputs.first(where: { $0.name == name }) {
                    tensor = Tensor(shape: try context.shape(of: input, holding: tensor.count), storage: tensor.storage)
                }
                result[name] = try normalized(tensor, name: name)
            }
            return .tensors(result)
        case .bytes(let bytes):
            throw PluginError(plugin: context.name, "takes JSON ({\"data\": [...]} or an array) or tensors, not \(bytes.count) bytes; put 'image' before it for images")
        }
    }

    /// The numbers of `{"data": [...]}` or of a bare (nested) array, flattened.
    static func values(in value: JSONValue, plugin: String) throws(PluginError) -> [Float] {
        var array = value
        if case .object(let object) = value {
            guard let data = object["data"], case .array = data else {
                throw PluginError(plugin: plugin, "a JSON request must be {\"data\": [...]} or an array of numbers")
            }
            array = data
        }
        guard case .array = array else { throw PluginError(plugin: plugin, "a JSON request must be {\"data\": [...]} or an array of numbers") }
        do {
            return try JSONTensor.decode(array, dtype: .f32, name: "data").asFloats
        } catch {
            throw PluginError(plugin: plugin, "\(error)")
        }
    }

    /// `tensor` with every value scaled and standardised by its channel's numbers.
    func normalized(_ tensor: Tensor, name: String) throws(PluginError) -> Tensor {
        guard let values = tensor.floats else {
            throw PluginError(plugin: context.name, "tensor '\(name)' is \(tensor.dtype); normalize works on f32")
        }
        let stride = try channelStride(of: tensor.shape, name: name)
        var out = values
        for i in out.indices {
            let c = channels == 1 ? 0 : (i / stride) % channels
            let x = out[i] * scale[scale.count == 1 ? 0 : c]
            out[i] = (x - mean[mean.count == 1 ? 0 : c]) / std[std.count == 1 ? 0 : c]
        }
        return Tensor(shape: tensor.shape, floats: out)
    }

    /// Elements between two values of consecutive channels: axis 1 when its size is the channel
    /// count (NCHW), else the last axis (NHWC or interleaved flat values).
    func channelStride(of shape: [Int], name: String) throws(PluginError) -> Int {
        guard channels > 1 else { return 1 }
        if shape.count >= 3, shape[1] == channels { return shape.dropFirst(2).reduce(1, *) }
        if let last = shape.last, last % channels == 0 { return 1 }
        throw PluginError(plugin: context.name, "tensor '\(name)' of shape \(shape) has no axis of \(channels) channels for the per-channel values")
    }
}
