import BaleBundle
import BaleGraph
import BalePlugins
import Logging

/// A model signature of one f32 input `x` [batch, 2] and one f32 output `y` [batch, 2].
let inputs = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)]))]
let outputs = [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(2)]))]

/// Reads `{"data": [...]}` into input `x`; fails on demand.
struct JSONToTensor: PreprocessPlugin {
    func preprocess(_ payload: Payload) throws -> Payload {
        guard case .json(.array(let items)) = payload else { throw PluginError(plugin: "parse", "wants an array") }
        let values = items.compactMap { if case .number(let n) = $0 { Float(n) } else { nil } }
        return .tensors(["x": Tensor(shape: [1, values.count], floats: values)])
    }
}

/// Adds `offset` to `y` and answers `{"sum": ...}`.
struct Summing: PostprocessPlugin {
    func postprocess(_ payload: Payload) throws -> Payload {
        guard case .tensors(let tensors) = payload, let y = tensors["y"] else { throw PluginError(plugin: "sum", "no y") }
        return .json(.object(["sum": .number(Double(y.asFloats.reduce(0, +)))]))
    }
}

/// Always throws.
struct Failing: PreprocessPlugin, PostprocessPlugin, MonitorPlugin {
    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
    func preprocess(_ payload: Payload) throws -> Payload { throw Boom() }
    func postprocess(_ payload: Payload) throws -> Payload { throw Boom() }
    func observe(_ record: InferenceRecord) throws { throw Boom() }
}

/// Keeps every record it sees.
final class Recording: MonitorPlugin, @unchecked Sendable {
    var records: [InferenceRecord] = []
    func observe(_ record: InferenceRecord) throws { records.append(record) }
}

/// A registry of the test plugins: `parse`, `sum`, `fail-pre`, `fail-post`, `fail-monitor`,
/// `record` (handing out `recorder`), and `scaled` with a required numeric key `factor`.
func testRegistry(recorder: Recording = Recording()) -> PluginRegistry {
    var registry = PluginRegistry()
    registry.register(.preprocess("parse") { _ in JSONToTensor() })
    registry.register(.postprocess("sum") { _ in Summing() })
    registry.register(.preprocess("fail-pre") { _ in Failing() })
    registry.register(.postprocess("fail-post") { _ in Failing() })
    registry.register(.monitor("fail-monitor") { _ in Failing() })
    registry.register(.monitor("record") { _ in recorder })
    registry.register(.postprocess("scaled", keys: ["factor": "a number"]) { context in
        _ = try context.config.numbers("factor")
        return Summing()
    })
    return registry
}

/// A pipeline over a model that doubles `x` into `y`.
func pipeline(_ names: [String], registry: PluginRegistry = testRegistry(), logger: Logger = Logger(label: "bale.plugins")) throws -> PluginPipeline {
    let declarations = try names.map { name in
        Manifest.Plugin(name: name, stage: try registry.descriptor(named: name).stage.rawValue)
    }
    let plugins = try registry.resolve(declarations, files: [:], inputs: inputs, outputs: outputs)
    return PluginPipeline(plugins: plugins, logger: logger) { feeds in
        guard let x = feeds["x"] else { throw PluginError("no x") }
        return ["y": Tensor(shape: x.shape, floats: x.asFloats.map { $0 * 2 })]
    }
}
