import BaleBundle
import BaleGraph
import BalePlugins
import ClampPlugin

// Registers `clamp` next to a tiny JSON-to-tensor step and runs one request through a pipeline
// around a stand-in model (it doubles its input). A real host loads a bundle instead:
// `try PluginPipeline(model: BundledModel(path: "m.bale"), registry: registry)`, with
// `BuiltinPlugins.register(into: &registry)` for the built-ins.

/// Reads a bare JSON array of numbers into input `x`.
struct ParseArray: PreprocessPlugin {
    func preprocess(_ payload: Payload) throws -> Payload {
        guard case .json(.array(let items)) = payload else { throw PluginError(plugin: "parse", "wants a JSON array") }
        let values = items.compactMap { $0.numberValue.map(Float.init) }
        return .tensors(["x": Tensor(shape: [1, values.count], floats: values)])
    }
}

var registry = PluginRegistry()
registry.register(.preprocess("parse") { _ in ParseArray() })
ClampPlugin.register(into: &registry)

let x = ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(4)]))
let y = ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(4)]))
let plugins = try registry.resolve(
    [Manifest.Plugin(name: "parse", stage: "preprocess"), Manifest.Plugin(name: "clamp", stage: "preprocess", config: ["upper": .string("0.5")])],
    files: [:], inputs: [x], outputs: [y])
let pipeline = PluginPipeline(plugins: plugins) { feeds in
    ["y": Tensor(shape: feeds["x"]?.shape ?? [], floats: (feeds["x"]?.asFloats ?? []).map { $0 * 2 })]
}
let response = try pipeline.infer(.json([.number(-1), .number(0.25), .number(0.75), .number(3)]), postprocess: false)
guard case .tensors(let outputs) = response, let output = outputs["y"] else { fatalError("no output y") }
print("y = \(output.asFloats)")   // y = [0.0, 0.5, 1.0, 1.0]
