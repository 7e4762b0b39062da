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

    let plugin: String
    let input: String
    let geometry: ImageGeometry

    /// Reads the config, filling what it leaves out from the model's input shape.
    public init(_ context: PluginContext) throws(PluginError) {
        let input = try context.singleInput()
        plugin = context.name
        self.input = input.name
        geometry = try ImageGeometry(config: context.config, input: input)
    }

    public func preprocess(_ payload: Payload) throws -> Payload {
        guard case .bytes(let bytes) = payload else {
            throw PluginError(plugin: plugin, "takes image bytes (PNG, PGM or PPM), not \(payload.kind); put it first in the chain")
        }
        let image: DecodedImage
        do { image = try DecodedImage.decode(bytes) } catch { throw PluginError(plugin: plugin, "the request \(error)") }
        let (width, height, channels) = (geometry.width, geometry.height, geometry.channels)
        let pixels = Resize.bilinear(
            image.floats(channels: channels), width: image.width, height: image.height, channels: channels, to: width, height)
        return .tensors([input: tensor(pixels)])
    }

    /// Interleaved pixels as a batch-of-one tensor in the geometry's layout.
    func tensor(_ pixels: [Float]) -> Tensor {
        let (width, height, channels) = (geometry.width, geometry.height, geometry.channels)
        switch geometry.layout {
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
}
