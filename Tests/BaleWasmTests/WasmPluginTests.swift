import BaleBundle
import BaleGraph
import BalePlugins
import BaleTesting
@testable import BaleWasm
import BuiltinPlugins
import Foundation
import Testing

/// WebAssembly plugins against the native ones and the ABI (docs/wasm-plugins.md), with the
/// example modules of Examples/wasm-plugins (built C, committed).
@Suite struct WasmPluginTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/wasm-plugins").standardized

    static func example(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: examples.appendingPathComponent(name)))
    }

    static let image = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(1), .fixed(28), .fixed(28)]))]
    static let scores = [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(10)]))]

    /// The plugins `declarations` declare, made by the built-in registry (with the wasm loader).
    static func resolve(_ declarations: [Manifest.Plugin], files: [String: [UInt8]], inputs: [ValueInfo] = image) throws -> [ResolvedPlugin] {
        try BuiltinPlugins.registry.resolve(declarations, files: files, inputs: inputs, outputs: scores)
    }

    /// A pipeline of `plugins` around a model that returns its input `x` as `y`.
    static func pipeline(_ plugins: [ResolvedPlugin]) -> PluginPipeline {
        PluginPipeline(plugins: plugins) { feeds in ["y": feeds["x"] ?? Tensor(shape: [1, 10], floats: Array(repeating: 0, count: 10))] }
    }

    /// The preprocess plugin `declaration` declares, given `files`.
    static func preprocessor(_ declaration: Manifest.Plugin, files: [String: [UInt8]] = [:], inputs: [ValueInfo] = image) throws -> any PreprocessPlugin {
        guard case .preprocess(let plugin) = try resolve([declaration], files: files, inputs: inputs)[0].instance else {
            throw PluginError("not a preprocess plugin")
        }
        return plugin
    }

    static func wasmNormalize(_ config: [String: String], inputs: [ValueInfo] = image) throws -> any PreprocessPlugin {
        let declaration = Manifest.Plugin(name: "prep", stage: "preprocess", config: config.mapValues { .string($0) }, module: "plugins/prep/plugin.wasm")
        return try preprocessor(declaration, files: ["plugins/prep/plugin.wasm": try example("normalize.wasm")], inputs: inputs)
    }

    static func nativeNormalize(_ config: [String: String], inputs: [ValueInfo] = image) throws -> any PreprocessPlugin {
        try preprocessor(Manifest.Plugin(name: "normalize", stage: "preprocess", config: config.mapValues { .string($0) }), inputs: inputs)
    }

    static func bits(_ payload: Payload) -> [UInt32] {
        guard case .tensors(let tensors) = payload, let values = tensors.values.first?.floats else { return [] }
        return values.map(\.bitPattern)
    }

    @Test(arguments: [
        ["scale": "0.00392156862745098", "mean": "0.1307", "std": "0.3081"],
        ["scale": "0.00392156862745098"],
        ["mean": "127.5", "std": "-58.395"],
        ["scale": "3.1e-3", "mean": "1e-1", "std": "7"],
    ])
    func bytesNormalizeBitIdenticallyToTheNativePlugin(config: [String: String]) throws {
        var generator = SystemRandomNumberGenerator()
        let pixels = (0..<784).map { _ in UInt8.random(in: 0...255, using: &generator) } + [0, 255]
        let wasm = try Self.wasmNormalize(config)
        let native = try Self.nativeNormalize(config)
        let pixelsIn = Array(pixels.prefix(784))
        let fromWasm = try wasm.preprocess(.bytes(pixelsIn))
        let fromNative = try native.preprocess(.json(.object(["data": .array(pixelsIn.map { .number(Double($0)) })])))
        guard case .tensors(let tensors) = fromWasm else { Issue.record("not tensors: \(fromWasm.kind)"); return }
        #expect(tensors["x"]?.shape == [1, 1, 28, 28])
        #expect(Self.bits(fromWasm) == Self.bits(fromNative), "differ at \(zip(Self.bits(fromWasm), Self.bits(fromNative)).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset)" } ?? "length")")
        #expect(Self.bits(fromWasm).count == 784)
    }

    @Test func perChannelTensorsNormalizeBitIdentically() throws {
        let config = ["scale": "0.00392156862745098", "mean": "0.485/0.456/0.406", "std": "0.229/0.224/0.225"]
        let rgb = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(1), .fixed(3), .fixed(4), .fixed(4)]))]
        let wasm = try Self.wasmNormalize(config, inputs: rgb)
        let native = try Self.nativeNormalize(config, inputs: rgb)
        let input = Tensor(shape: [1, 3, 4, 4], floats: (0..<48).map { Float(($0 * 37) % 256) })
        let a = try wasm.preprocess(.tensors(["x": input]))
        let b = try native.preprocess(.tensors(["x": input]))
        #expect(Self.bits(a) == Self.bits(b))
        #expect(Self.bits(a) != input.floats!.map(\.bitPattern))
        #expect(Self.bits(a).count == 48)
    }

    @Test func concurrentCallsGiveTheSequentialResults() async throws {
        let wasm = try Self.wasmNormalize(["scale": "0.5", "mean": "1"])
        let inputs = (0..<32).map { i in (0..<784).map { UInt8(truncatingIfNeeded: $0 &* (i + 1)) } }
        let sequential = try inputs.map { Self.bits(try wasm.preprocess(.bytes($0))) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [UInt32]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, Self.bits(try wasm.preprocess(.bytes(input)))) }
            }
            var results = [[UInt32]](repeating: [], count: inputs.count)
            for try await (index, bits) in group { results[index] = bits }
            return results
        }
        #expect(concurrent == sequential)
    }

    @Test func configErrorsRefuseTheLoadNamingThePlugin() throws {
        #expect(throws: PluginError.self) { _ = try Self.wasmNormalize(["colour": "1"]) }
        do {
            _ = try Self.wasmNormalize(["std": "0"])
            Issue.record("a zero std loaded")
        } catch {
            #expect("\(error)".hasPrefix("plugin 'prep':"), "\(error)")
            #expect("\(error)".contains("std"), "\(error)")
        }
    }

    @Test func configKeysThatWouldBreakTheInitLinesAreRefused() {
        let error = #expect(throws: PluginError.self) { _ = try Self.wasmNormalize(["scale": "1\nmean=2"]) }
        #expect(error?.message.hasPrefix("plugin 'prep': key 'scale': keys of a WebAssembly plugin must not hold") == true, "\(String(describing: error))")
    }

    @Test func aRequestTheModuleRefusesFailsThatRequestOnly() throws {
        let wasm = try Self.wasmNormalize([:])
        let error = #expect(throws: PluginError.self) { _ = try wasm.preprocess(.json(.array([.number(1)]))) }
        #expect(error?.message.contains("send raw bytes or tensors") == true, "\(String(describing: error))")
        #expect(Self.bits(try wasm.preprocess(.bytes(Array(repeating: 2, count: 784)))).count == 784)
    }

    @Test func monitorSeesEveryInferenceAndLogsEveryN() throws {
        let capture = LogCapture()
        let loader = WasmPluginLoader(logger: capture.logger)
        var registry = BuiltinPlugins.registry
        registry.moduleLoader = loader
        let declaration = Manifest.Plugin(name: "mon", stage: "monitor", config: ["every": .string("3")], module: "plugins/mon/plugin.wasm")
        let plugins = try registry.resolve(
            [declaration], files: ["plugins/mon/plugin.wasm": try Self.example("argmax-monitor.wasm")], inputs: Self.image, outputs: Self.scores)
        let pipeline = Self.pipeline(plugins)
        for peak in [2, 2, 7] {
            var values = [Float](repeating: 0, count: 784)
            values[peak] = 1
            _ = try pipeline.infer(.tensors(["x": Tensor(shape: [1, 1, 28, 28], floats: values)]))
        }
        #expect(pipeline.monitorFailures == 0)
        #expect(capture.events.map(\.message) == ["inferences=3 failures=0 argmax=2:2,7:1"], "\(capture.events.map(\.message))")
    }
}
