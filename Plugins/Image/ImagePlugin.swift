public import BalePlugins
import BaleGraph

/// `image`: decodes PNG or PGM/PPM request bytes, converts them to gray or RGB, resizes them
/// (bilinear) to the model's input size and hands float pixel values 0-255 to the next plugin
/// (usually `normalize`), as the model's only input.
///
/// Keys `width`, `height`, `channels` (1 or 3) and `layout` (`nchw`, `nhwc` or `flat`, the
/// latter interleaved row by row) default to what the model's input shape gives: `[N, C, H, W]`
/// with C 1 or 3 is NCHW, `[N, H, W, C]` NHWC, and `[N, K]` flat with one channel and a square
/// image of K pixels.
public struct ImagePlugin: PreprocessPlugin {
    /// The plugin's name in manifests and on the command line.
    public static let name = "image"

    /// The registry entry.
    public static let descriptor = PluginDescriptor.preprocess(name, keys: [
        "width": "width to resize to (default: from the model's input shape)",
        "height": "height to resize to (default: from the model's input shape)",
        "channels": "1 (gray) or 3 (RGB) (default: from the model's input shape, else 1)",
        "layout": "nchw, nhwc or flat (default: from the model's input shape)",
    ]) { try ImagePlugin($0) }

    /// How the pixels are laid out in the tensor.
    enum Layout: String, CaseIterable {
        case nchw, nhwc, flat
    }

    let plugin: String
    let input: String
    let width: Int
    let height: Int
    let channels: Int
    let layout: Layout

    /// Reads the config, filling what it leaves out from the model's input shape.
    public init(_ context: PluginContext) throws(PluginError) {
        let config = context.config
        let input = try context.singleInput()
        let dims = (input.type.shape ?? []).dropFirst().map { $0.value }
        let implied = Self.implied(by: dims)
        let layout = try config.choice("layout", from: Layout.allCases.map(\.rawValue)).flatMap(Layout.init) ?? implied.layout
        let channels = try config.int("channels", in: 1...3) ?? implied.channels ?? 1
        guard channels != 2 else { throw PluginError(plugin: context.name, key: "channels", "\"2\" must be 1 (gray) or 3 (RGB)") }
        var size = (width: try config.int("width", in: 1...16384), height: try config.int("height", in: 1...16384))
        if size.width == nil, size.height == nil {
            size = (implied.width, implied.height)
            if layout == .flat, size.width == nil, dims.count == 1, let count = dims[0], let side = Self.squareSide(count / channels) {
                size = (side, side)
            }
        }
        guard let layout, let width = size.width ?? size.height, let height = size.height ?? size.width else {
            throw PluginError(
                plugin: context.name, key: layout == nil ? "layout" : "width",
                "must be given: input '\(input.name)' has shape \(input.type.shape.map { "\($0)" } ?? "unknown"), which does not give the image \(layout == nil ? "layout" : "size")")
        }
        if let expected = dims.reduce(Optional(1), { total, dim in total.flatMap { t in dim.map { t * $0 } } }), !dims.isEmpty,
            expected != width * height * channels
        {
            throw PluginError(
                plugin: context.name,
                "\(width)×\(height)×\(channels) = \(width * height * channels) values do not fit input '\(input.name)' of shape \(input.type.shape.map { "\($0)" } ?? "") (\(expected) values a sample); check keys width, height, channels")
        }
        (self.plugin, self.input, self.width, self.height, self.channels, self.layout) = (context.name, input.name, width, height, channels, layout)
    }

    public func preprocess(_ payload: Payload) throws -> Payload {
        guard case .bytes(let bytes) = payload else {
            throw PluginError(plugin: plugin, "takes image bytes (PNG, PGM or PPM), not \(payload.kind); put it first in the chain")
        }
        let image: DecodedImage
        do { image = try DecodedImage.decode(bytes) } catch { throw PluginError(plugin: plugin, "the request \(error)") }
        let pixels = Resize.bilinear(
            image.floats(channels: channels), width: image.width, height: image.height, channels: channels, to: width, height)
        return .tensors([input: tensor(pixels)])
    }

    /// Interleaved pixels as a batch-of-one tensor in ``layout``.
    func tensor(_ pixels: [Float]) -> Tensor {
        switch layout {
        case .flat: return Tensor(shape: [1, width * height * channels], floats: pixels)
        case .nhwc: return Tensor(shape: [1, height, width, channels], floats: pixels)
        case .nchw:
            var planar = [Float](repeating: 0, count: pixels.count)
            let area = width * height
            for i in 0..<area {
                for c in 0..<channels { planar[c * area + i] = pixels[i * channels + c] }
            }
            return Tensor(shape: [1, channels, height, width], floats: planar)
        }
    }

    /// Layout, channels and size a model input's per-sample dimensions give, where they do.
    static func implied(by dims: [Int?]) -> (layout: Layout?, channels: Int?, width: Int?, height: Int?) {
        if dims.count == 3 {
            if let c = dims[0], c == 1 || c == 3 { return (.nchw, c, dims[2], dims[1]) }
            if let c = dims[2], c == 1 || c == 3 { return (.nhwc, c, dims[1], dims[0]) }
        }
        if dims.count == 1 { return (.flat, nil, nil, nil) }
        return (nil, nil, nil, nil)
    }

    /// The side of a square of `count` pixels, if it is one.
    static func squareSide(_ count: Int) -> Int? {
        let side = Int(Double(count).squareRoot().rounded())
        return side > 0 && side * side == count ? side : nil
    }
}
