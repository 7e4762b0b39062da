import BaleBundle
import BaleGraph
import BalePlugins
import Foundation
import ImagePlugin
import Testing

@Suite struct ImagePluginTests {
    /// A fixture's bytes (written by scripts/gen-plugin-fixtures.py).
    static func fixture(_ name: String) throws -> [UInt8] {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return Array(try Data(contentsOf: root.appendingPathComponent(name)))
    }

    /// Every fixture's pixels as RGB triples, rows of columns.
    static let expected: [String: [[[Double]]]] = {
        let bytes = (try? fixture("expected.json")) ?? []
        return (try? JSONDecoder().decode([String: [[[Double]]]].self, from: Data(bytes))) ?? [:]
    }()

    static func input(_ shape: [Dim]) -> [ValueInfo] { [ValueInfo(name: "pixels", type: TensorType(dtype: .f32, shape: shape))] }

    func plugin(_ config: [String: String] = [:], shape: [Dim]) throws -> ImagePlugin {
        try ImagePlugin(PluginContext(name: "image", config: PluginConfig(plugin: "image", values: config), inputs: Self.input(shape), outputs: []))
    }

    func tensor(_ plugin: ImagePlugin, _ fixture: String) throws -> Tensor {
        guard case .tensors(let tensors) = try plugin.preprocess(.bytes(Self.fixture(fixture))) else { throw PluginError("no tensors") }
        return try #require(tensors["pixels"])
    }

    @Test(arguments: ["gray.png", "rgb.png", "rgba.png", "palette.png", "filters.png", "gray.pgm", "rgb.ppm", "ascii.pgm"])
    func decodesEveryKindToRGB(fixture: String) throws {
        let pixels = try #require(Self.expected[fixture])
        let (height, width) = (pixels.count, pixels[0].count)
        let image = try plugin(["width": "\(width)", "height": "\(height)", "channels": "3", "layout": "nhwc"], shape: [.symbolic("N"), .fixed(height), .fixed(width), .fixed(3)])
        let out = try tensor(image, fixture)
        #expect(out.shape == [1, height, width, 3])
        #expect(out.floats == pixels.flatMap { $0.flatMap { $0.map(Float.init) } })
    }

    @Test func grayFromRGBUsesLumaWeights() throws {
        let image = try plugin(["layout": "flat", "channels": "1", "width": "2", "height": "2"], shape: [.symbolic("N"), .fixed(4)])
        let out = try tensor(image, "rgb.png")
        let expected: [Float] = [0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30]
        #expect(zip(try #require(out.floats), expected).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    @Test func nchwIsPlanarAndTakenFromTheModelShape() throws {
        let image = try plugin(shape: [.symbolic("N"), .fixed(3), .fixed(2), .fixed(2)])
        let out = try tensor(image, "rgb.ppm")
        #expect(out.shape == [1, 3, 2, 2])
        #expect(out.floats == [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30])
    }

    @Test func flatSquareDefaultsFromTheModelShape() throws {
        let image = try plugin(shape: [.symbolic("N"), .fixed(4)])
        let out = try tensor(image, "rgb.png")
        #expect(out.shape == [1, 4])
    }

    @Test func bilinearResizeUsesHalfPixelCentres() throws {
        // 3×2 gray [[0, 64, 128], [192, 255, 10]] to 6×2: x samples at -0.25 (clamped 0), 0.25, 0.75, 1.25, 1.75, 2.25 (clamped 2).
        let image = try plugin(["width": "6", "height": "2", "channels": "1", "layout": "nhwc"], shape: [.symbolic("N"), .fixed(2), .fixed(6), .fixed(1)])
        let out = try tensor(image, "gray.pgm")
        #expect(out.floats == [0, 16, 48, 80, 112, 128, 192, 207.75, 239.25, 193.75, 71.25, 10])
        // Down to 1×1: the centre of all six pixels (x 1, y 0.5).
        let one = try plugin(["width": "1", "height": "1", "channels": "1", "layout": "flat"], shape: [.symbolic("N"), .fixed(1)])
        #expect(try tensor(one, "gray.pgm").floats == [(64 + 255) / 2])
    }

    @Test(arguments: [
        ([:], [Dim.symbolic("N"), .fixed(3), .fixed(4), .fixed(5)], [1, 3, 4, 5]),
        ([:], [.fixed(1), .fixed(4), .fixed(5), .fixed(1)], [1, 4, 5, 1]),
        (["width": "3", "channels": "3"], [.symbolic("N"), .fixed(27)], [1, 27]),
        (["height": "2", "channels": "3"], [.symbolic("N"), .fixed(12)], [1, 12]),
        (["layout": "nhwc", "width": "6", "height": "2"], [.symbolic("N"), .symbolic("H"), .symbolic("W"), .fixed(1)], [1, 2, 6, 1]),
    ] as [([String: String], [Dim], [Int])])
    func geometryComesFromKeysAndTheInputShape(config: [String: String], shape: [Dim], expected: [Int]) throws {
        let out = try tensor(plugin(config, shape: shape), "rgb.png")
        #expect(out.shape == expected)
    }

    @Test func badBytesFailTheRequestNamingThePlugin() throws {
        let image = try plugin(shape: [.symbolic("N"), .fixed(4)])
        let unknown = #expect(throws: PluginError.self) { try image.preprocess(.bytes([1, 2, 3])) }
        #expect(unknown?.message == "plugin 'image': the request is neither PNG nor PGM/PPM (it starts with bytes 1 2 3)")
        var damaged = try Self.fixture("rgb.png")
        damaged.removeLast(20)
        let truncated = #expect(throws: PluginError.self) { try image.preprocess(.bytes(damaged)) }
        #expect(truncated?.message.hasPrefix("plugin 'image': the request PNG") == true)
        let short = #expect(throws: PluginError.self) { try image.preprocess(.bytes(Array("P5 4 4 255\n\u{1}".utf8))) }
        #expect(short?.message.hasPrefix("plugin 'image': the request Netpbm data is truncated") == true)
        // Found by scripts/fuzz image: an ASCII header claiming 43015 × 43015 samples made the
        // decoder reserve 7.6 GB before reading any sample.
        let huge = #expect(throws: PluginError.self) { try image.preprocess(.bytes(Array("P222215 43015 430".utf8))) }
        #expect(huge?.message.hasPrefix("plugin 'image': the request Netpbm data is truncated") == true)
        let json = #expect(throws: PluginError.self) { try image.preprocess(.json(.null)) }
        #expect(json?.message.hasPrefix("plugin 'image': takes image bytes") == true)
    }

    @Test func configThatDoesNotFitTheModelNamesTheKeys() {
        let size = #expect(throws: PluginError.self) { try plugin(["width": "3", "height": "3"], shape: [.symbolic("N"), .fixed(4)]) }
        #expect(size?.message.hasPrefix("plugin 'image': 3×3×1 = 9 values do not fit input 'pixels'") == true)
        let layout = #expect(throws: PluginError.self) { try plugin(["layout": "chw"], shape: [.symbolic("N"), .fixed(4)]) }
        #expect(layout?.message == "plugin 'image': key 'layout': \"chw\" must be one of nchw, nhwc, flat")
        let channels = #expect(throws: PluginError.self) { try plugin(["channels": "2"], shape: [.symbolic("N"), .fixed(4)]) }
        #expect(channels?.message.hasPrefix("plugin 'image': key 'channels'") == true)
        let unknown = #expect(throws: PluginError.self) { try plugin(shape: [.symbolic("N"), .fixed(5), .fixed(5), .fixed(5)]) }
        #expect(unknown?.message.hasPrefix("plugin 'image': key 'layout': must be given: input 'pixels' of shape") == true)
        let notSquare = #expect(throws: PluginError.self) { try plugin(shape: [.symbolic("N"), .fixed(6)]) }
        #expect(notSquare?.message.hasPrefix("plugin 'image': key 'width': must be given") == true)
    }
}
