import BaleBundle
import BaleGraph
import BalePlugins
import BaleRuntime
import BaleTesting
import DriftPlugin
import Logging
import MetricsPlugin
import Testing

/// A deterministic generator of roughly normal values (a sum of uniforms), for samples.
struct Samples {
    var state: UInt64

    mutating func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }

    /// `count` samples of `features` values around `mean` (standard deviation about `spread`).
    mutating func make(_ count: Int, features: Int, mean: Float, spread: Float = 1) -> [Float] {
        (0..<(count * features)).map { _ in mean + spread * ((0..<12).reduce(Float(0)) { s, _ in s + uniform() } - 6) }
    }
}

@Suite struct DriftPluginTests {
    static let inputs = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(4)]))]
    let export = MetricsExport()
    let capture = LogCapture()

    /// The warnings logged so far, with the input they name.
    var warnings: [String] {
        capture.events.filter { $0.level == .warning }.map { "\($0.message) input=\($0.metadata["input"] ?? "")" }
    }

    func registry() -> PluginRegistry {
        var registry = PluginRegistry()
        registry.register(DriftPlugin.descriptor(exportingTo: export, logger: capture.logger))
        return registry
    }

    /// Builds the reference asset from `reference` as `bale build` does, then loads the plugin.
    func plugin(reference: [Float], config: [String: String] = ["window": "200"]) throws -> DriftPlugin {
        let declaration = Manifest.Plugin(name: "drift", stage: "monitor", config: config.mapValues { .string($0) })
        let npy = NPY.write(Tensor(shape: [reference.count / 4, 4], floats: reference))
        let assets = try registry().prepareAssets(declaration, assets: ["ref/x.npy": npy, "ref/labels.npy": [1]], inputs: Self.inputs, outputs: [])
        #expect(assets.keys.sorted() == ["reference.json"])
        let files = assets.reduce(into: [:]) { $0["plugins/drift/" + $1.key] = $1.value }
        let resolved = try registry().resolve(
            [declaration], files: files, inputs: Self.inputs, outputs: [], model: ModelIdentity(name: "m", version: "1"))
        #expect(resolved.map(\.name) == ["drift"])
        return try DriftPlugin(
            PluginContext(name: "drift", config: PluginConfig(plugin: "drift", values: config), assets: assets, inputs: Self.inputs, outputs: [],
                          model: ModelIdentity(name: "m", version: "1")),
            exportingTo: export, logger: capture.logger)
    }

    func feed(_ drift: DriftPlugin, _ values: [Float], batch: Int = 1) {
        for start in stride(from: 0, to: values.count, by: 4 * batch) {
            let rows = values[start..<min(start + 4 * batch, values.count)]
            drift.observe(InferenceRecord(request: .bytes([]), inputs: ["x": Tensor(shape: [rows.count / 4, 4], floats: Array(rows))]))
        }
    }

    @Test func psiStaysLowInDistributionAndRisesAboveTheThresholdOnShiftedInputs() throws {
        var generator = Samples(state: 42)
        let drift = try plugin(reference: generator.make(2000, features: 4, mean: 0))
        feed(drift, generator.make(199, features: 4, mean: 0))
        #expect(drift.psi.isEmpty)  // not reported before the window is full
        feed(drift, generator.make(201, features: 4, mean: 0), batch: 3)
        let inDistribution = try #require(drift.psi["x"])
        #expect(inDistribution < 0.1)
        #expect(warnings.isEmpty)
        #expect(export.prometheusText().contains(#"bale_drift_psi{model="m",version="1",input="x"} \#(inDistribution)"#))

        feed(drift, generator.make(200, features: 4, mean: 1))
        let shifted = try #require(drift.psi["x"])
        #expect(shifted > 0.2)
        // One warning when PSI crosses the threshold, not one an inference above it.
        #expect(warnings == ["input drift: PSI crossed the threshold input=x"])
        #expect(export.prometheusText().contains(#"bale_drift_psi{model="m",version="1",input="x"} \#(shifted)"#))

        feed(drift, generator.make(200, features: 4, mean: 0))
        #expect(try #require(drift.psi["x"]) < 0.1)
        feed(drift, generator.make(200, features: 4, mean: 0, spread: 3))
        #expect(try #require(drift.psi["x"]) > 0.2)
        #expect(warnings.count == 2)
    }

    @Test func theReferenceAssetRecordsMeanStdAndHistogramPerFeature() throws {
        let declaration = Manifest.Plugin(name: "drift", stage: "monitor", config: ["bins": .string("4")])
        // Feature 0 takes 0, 1, 2, 3; feature 1 is always 5 (its bins are centred on it).
        let npy = NPY.write(Tensor(shape: [4, 2], floats: [0, 5, 1, 5, 2, 5, 3, 5]))
        let inputs = [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("N"), .fixed(2)]))]
        let assets = try registry().prepareAssets(declaration, assets: ["x.npy": npy], inputs: inputs, outputs: [])
        let stored = try JSONParser().parse(try #require(assets["reference.json"]))
        let x = try #require(stored["inputs"]?["x"])
        #expect(x["count"] == .number(4))
        #expect(x["mean"] == .array([.number(1.5), .number(5)]))
        #expect(x["std"] == .array([.number(1.25.squareRoot()), .number(0)]))
        #expect(x["histogram"] == .array([1, 1, 1, 1, 0, 0, 4, 0].map { .number($0) }))
    }

    @Test func missingOrMismatchedReferencesFailNamingThePlugin() throws {
        let declaration = Manifest.Plugin(name: "drift", stage: "monitor")
        let none = #expect(throws: PluginError.self) { try registry().resolve([declaration], files: [:], inputs: Self.inputs, outputs: []) }
        #expect(none?.message.hasPrefix("plugin 'drift': has no reference statistics (plugins/drift/reference.json)") == true)
        let empty = #expect(throws: PluginError.self) { try registry().prepareAssets(declaration, assets: ["notes.txt": [1]], inputs: Self.inputs, outputs: []) }
        #expect(empty?.message == "plugin 'drift': needs reference inputs: --plugin-asset drift=DIR, a directory with one .npy file per model input")
        let wide = NPY.write(Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))
        let assets = try registry().prepareAssets(declaration, assets: ["x.npy": wide], inputs: Self.inputs, outputs: [])
        let files = assets.reduce(into: [:]) { $0["plugins/drift/" + $1.key] = $1.value }
        let mismatch = #expect(throws: PluginError.self) { try registry().resolve([declaration], files: files, inputs: Self.inputs, outputs: []) }
        #expect(mismatch?.message == "plugin 'drift': the reference statistics of input 'x' have 3 features a sample, the model's input 4")
        let threshold = #expect(throws: PluginError.self) {
            try registry().resolve([Manifest.Plugin(name: "drift", stage: "monitor", config: ["threshold": .string("high")])], files: files, inputs: Self.inputs, outputs: [])
        }
        #expect(threshold?.message.hasPrefix("plugin 'drift': key 'threshold': \"high\" must be a number") == true)
    }
}
