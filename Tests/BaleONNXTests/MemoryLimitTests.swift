import BaleBundle
import BaleGraph
import BaleONNX
import BalePackager
import BaleRuntime
import BaleTesting
import Foundation
import Testing

@Suite struct MemoryLimitTests {
    static func build(_ dir: TemporaryDirectory) throws -> String {
        let path = "\(FixtureTests.root)/models/cnn/model.onnx"
        let graph = try ONNXImporter().importModel(at: path).graph
        let options = ModelBuilder.Options(
            name: "cnn", version: "1.0", targets: [TargetProfile.builtIn["edge-arm64"]!], outputDirectory: dir.path,
            createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests")
        return try ModelBuilder(options).build(graph, source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))[0].path
    }

    @Test func plannedMemoryIsRecordedAndChecked() throws {
        let dir = TemporaryDirectory()
        let path = try Self.build(dir)
        let model = try BundledModel(path: path)
        let plan = try model.memoryPlan()
        #expect(plan.peakActivationBytes > 0 && plan.peakActivationBytes < plan.unplannedBytes)
        #expect(model.info.manifest.metrics["activationBytes"] == .number(Double(plan.peakActivationBytes)))
        #expect(try model.memoryPlan(batch: 4).peakActivationBytes > plan.peakActivationBytes)
        let layoutPlan = try BundledGraph.memoryPlan(BundledGraph.layout(path: path), batch: 1)
        #expect(layoutPlan.peakActivationBytes == plan.peakActivationBytes && layoutPlan.weightBytes == plan.weightBytes)
    }

    @Test func aModelOverTheLimitIsRefusedWithBothNumbers() throws {
        let dir = TemporaryDirectory()
        let path = try Self.build(dir)
        let plan = try BundledModel(path: path).memoryPlan()
        let limit = UInt64(plan.weightBytes + plan.peakActivationBytes / 2)  // the weights fit, not the activations
        let error = #expect(throws: RuntimeError.self) { try BundledModel(path: path, memoryLimit: limit) }
        #expect(error?.message.contains("over the memory limit of \(formatBytes(limit)) of profile 'edge-arm64'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("model needs") == true)
    }

    /// Weights that cannot fit are refused when graph.json arrives, before any tensor file is
    /// decoded: a sparse or zero-filled file can be tiny in the bundle and huge in memory.
    @Test func weightsOverTheLimitAreRefusedBeforeDecoding() throws {
        let dir = TemporaryDirectory()
        let path = try Self.build(dir)
        let error = #expect(throws: RuntimeError.self) { try BundledModel(path: path, memoryLimit: 1024) }  // weights: 1.8 KiB
        #expect(error?.message.contains("graph.json: the weights decode to more than the memory limit of 1 KiB (at tensor '") == true, "\(String(describing: error))")
    }
}
