import BalePlugins
import BaleGraph

/// The tensor an image becomes: size, channels and layout, from the `image` plugin's keys and,
/// where they are left out, the model input's shape.
struct ImageGeometry: Sendable, Hashable {
    /// How the pixels are laid out in the tensor.
    enum Layout: String, CaseIterable, Sendable {
        case nchw, nhwc, flat
    }

    var width: Int
    var height: Int
    /// 1 (gray) or 3 (RGB).
    var channels: Int
    var layout: Layout

    /// Reads keys `width`, `height`, `channels`, `layout`, filling what they leave out from
    /// `input`'s per-sample dimensions: `[C, H, W]` with C 1 or 3 is NCHW, `[H, W, C]` NHWC,
    /// `[K]` flat with a square image of K / C pixels. One of `width`, `height` given alone
    /// sets both.
    /// - Throws: a ``PluginError`` naming the key that is bad or must be given, or the keys
    ///   whose product does not fit the input.
    init(config: PluginConfig, input: ValueInfo) throws(PluginError) {
        let dims = (input.type.shape ?? []).dropFirst().map(\.value)
        let implied = Self.implied(by: dims)
        let layout = try config.choice("layout", from: Layout.allCases.map(\.rawValue)).flatMap(Layout.init)
            ?? implied?.layout ?? (dims.count == 1 ? .flat : nil)
        let channels = try config.int("channels", in: 1...3) ?? implied?.channels ?? 1
        guard channels != 2 else { throw PluginError(plugin: config.plugin, key: "channels", "\"2\" must be 1 (gray) or 3 (RGB)") }
        let width = try config.int("width", in: 1...16384), height = try config.int("height", in: 1...16384)
        var size = width.map { ($0, height ?? $0) } ?? height.map { ($0, $0) }
        if size == nil, let implied { size = (implied.width, implied.height) }
        if size == nil, layout == .flat, dims.count == 1, let count = dims[0], let side = Self.squareSide(count / channels) {
            size = (side, side)
        }
        let shape = input.type.shape.map { "\($0)" } ?? "unknown"
        guard let layout else {
            throw PluginError(plugin: config.plugin, key: "layout", "must be given: input '\(input.name)' of shape \(shape) does not give it")
        }
        guard let size else {
            throw PluginError(plugin: config.plugin, key: "width", "must be given: input '\(input.name)' of shape \(shape) does not give the image size")
        }
        (self.width, self.height, self.channels, self.layout) = (size.0, size.1, channels, layout)
        let perSample = dims.reduce(Optional(1)) { total, dim in total.flatMap { t in dim.map { t * $0 } } }
        if let perSample, !dims.isEmpty, perSample != valueCount {
            throw PluginError(
                plugin: config.plugin,
                "\(self.width)×\(self.height)×\(channels) = \(valueCount) values do not fit input '\(input.name)' of shape \(shape) (\(perSample) values a sample); check keys width, height, channels")
        }
    }

    /// Values in one image: width × height × channels.
    var valueCount: Int { width * height * channels }

    /// Layout, channels and size that per-sample dimensions `[C, H, W]` or `[H, W, C]` (C 1
    /// or 3) give; for `[K]`, the flat layout alone.
    static func implied(by dims: [Int?]) -> (layout: Layout, channels: Int?, width: Int, height: Int)? {
        if dims.count == 3 {
            if let c = dims[0], c == 1 || c == 3, let h = dims[1], let w = dims[2] { return (.nchw, c, w, h) }
            if let c = dims[2], c == 1 || c == 3, let h = dims[0], let w = dims[1] { return (.nhwc, c, w, h) }
        }
        return nil
    }

    /// The side of a square of `count` pixels, if it is one.
    static func squareSide(_ count: Int) -> Int? {
        let side = Int(Double(count).squareRoot().rounded())
        return side > 0 && side * side == count ? side : nil
    }
}
