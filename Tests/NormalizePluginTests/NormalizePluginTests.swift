import BaleBundle
import BaleGraph
import BalePlugins
import NormalizePlugin
import Testing

@Suite struct NormalizePluginTests {
    static func input(_ shape: [Dim]) -> [ValueInfo] { [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: shape))] }

    func plugin(_ config: [String: String], shape: [Dim] = [.symbolic("N"), .fixed(4)]) throws -> NormalizePlugin {
        try NormalizePlugin(PluginContext(name: "normalize", config: PluginConfig(plugin: "normalize", values: config), inputs: Self.input(shape), outputs: []))
    }

    func floats(_ payload: Payload, _ name: String = "x") throws -> Tensor {
        guard case .tensors(let tensors) = payload else { throw PluginError("expected tensors, got \(payload.kind)") }
        return try #require(tensors[name])
    }

    @Test func perTensorScaleThenMeanAndStd() throws {
        let out = try plugin(["scale": "0.5", "mean": "1", "std": "2"]).preprocess(.json(.array([2, 4, 6, 8].map { .number($0) })))
        // x * 0.5 = 1, 2, 3, 4; (x - 1) / 2
        #expect(try floats(out) == Tensor(shape: [1, 4], floats: [0, 0.5, 1, 1.5]))
    }

    @Test func dataObjectAndNestedArraysAreReshapedToTheInput() throws {
        let normalize = try plugin([:], shape: [.symbolic("N"), .fixed(2), .fixed(2)])
        let object = JSONValue.object(["data": .array([1, 2, 3, 4, 5, 6, 7, 8].map { .number($0) })])
        #expect(try floats(normalize.preprocess(.json(object))).shape == [2, 2, 2])
        let nested = JSONValue.array([.array([.number(1), .number(2)]), .array([.number(3), .number(4)])])
        #expect(try floats(normalize.preprocess(.json(nested))) == Tensor(shape: [1, 2, 2], floats: [1, 2, 3, 4]))
    }

    @Test func perChannelOnNCHW() throws {
        let normalize = try plugin(["mean": "1/10", "std": "1/2"], shape: [.fixed(1), .fixed(2), .fixed(1), .fixed(2)])
        let x = Tensor(shape: [1, 2, 1, 2], floats: [1, 2, 10, 12])
        #expect(try floats(normalize.preprocess(.tensors(["x": x]))) == Tensor(shape: [1, 2, 1, 2], floats: [0, 1, 0, 1]))
    }

    @Test func perChannelOnNHWCAndInterleavedFlatValues() throws {
        let nhwc = try plugin(["mean": "1/10/100"], shape: [.fixed(1), .fixed(1), .fixed(2), .fixed(3)])
        let x = Tensor(shape: [1, 1, 2, 3], floats: [1, 10, 100, 2, 11, 101])
        #expect(try floats(nhwc.preprocess(.tensors(["x": x]))).floats == [0, 0, 0, 1, 1, 1])
        let flat = try plugin(["scale": "2/3"], shape: [.symbolic("N"), .fixed(4)])
        #expect(try floats(flat.preprocess(.json(.array([1, 1, 1, 1].map { .number($0) })))).floats == [2, 3, 2, 3])
    }

    @Test func imageTensorsAreReshapedToTheModelInput() throws {
        let normalize = try plugin(["scale": "0.5"], shape: [.symbolic("N"), .fixed(4)])
        let image = Tensor(shape: [1, 2, 2, 1], floats: [2, 4, 6, 8])
        #expect(try floats(normalize.preprocess(.tensors(["x": image]))) == Tensor(shape: [1, 4], floats: [1, 2, 3, 4]))
    }

    @Test(arguments: [
        (["mean": "a/b"], "plugin 'normalize': key 'mean': \"a/b\" must be a number or numbers separated by '/', e.g. 0.485/0.456/0.406"),
        (["std": "1/0/1"], "plugin 'normalize': key 'std': value 2 is 0; a standard deviation must not be zero"),
        (["mean": "1/2/3", "std": "1/2"], "plugin 'normalize': key 'std': has 2 values, but another key has 3; give one value or one per channel"),
    ])
    func badConfigNamesTheKey(config: [String: String], message: String) {
        let error = #expect(throws: PluginError.self) { try plugin(config) }
        #expect(error?.message == message)
    }

    @Test func wrongRequestsFailNamingThePlugin() throws {
        let normalize = try plugin([:])
        let bytes = #expect(throws: PluginError.self) { try normalize.preprocess(.bytes([1, 2, 3])) }
        #expect(bytes?.message.hasPrefix("plugin 'normalize': takes JSON") == true)
        let count = #expect(throws: PluginError.self) { try normalize.preprocess(.json(.array([.number(1), .number(2), .number(3)]))) }
        #expect(count?.message.contains("3 values do not fill input 'x'") == true)
        let object = #expect(throws: PluginError.self) { try normalize.preprocess(.json(.object(["values": .array([])]))) }
        #expect(object?.message == "plugin 'normalize': a JSON request must be {\"data\": [...]} or an array of numbers")
    }
}
