import BaleBundle
import BaleGraph
import BalePlugins
import ClampPlugin
import Testing

@Suite struct ClampPluginTests {
    static let x = ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(3)]))

    func resolve(_ config: [String: String]) throws -> [ResolvedPlugin] {
        var registry = PluginRegistry()
        ClampPlugin.register(into: &registry)
        let declaration = Manifest.Plugin(name: "clamp", stage: "preprocess", config: config.mapValues { .string($0) })
        return try registry.resolve([declaration], files: [:], inputs: [Self.x], outputs: [])
    }

    @Test func clampsEveryValueOfTheInputTensors() throws {
        let plugin = try ClampPlugin(PluginContext(name: "clamp", config: PluginConfig(plugin: "clamp", values: ["lower": "-1", "upper": "2"]), inputs: [Self.x], outputs: []))
        let clamped = try plugin.preprocess(.tensors(["x": Tensor(shape: [1, 3], floats: [-5, 0.5, 9])]))
        #expect(clamped == .tensors(["x": Tensor(shape: [1, 3], floats: [-1, 0.5, 2])]))
    }

    @Test func registersUnderItsNameAndRefusesBadConfigAtLoad() throws {
        #expect(try resolve(["upper": "3"]).map(\.name) == ["clamp"])
        let unknown = #expect(throws: PluginError.self) { try resolve(["max": "3"]) }
        #expect(unknown?.message == "plugin 'clamp': key 'max': is not a known key (accepted: lower, upper)")
        let order = #expect(throws: PluginError.self) { try resolve(["lower": "2", "upper": "1"]) }
        #expect(order?.message == "plugin 'clamp': key 'upper': 1.0 is below lower (2.0)")
    }
}
