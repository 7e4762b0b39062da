import BaleBundle
import BaleGraph
import BaleONNX
import BalePackager
import BaleRuntime
import BaleTesting
import Foundation
import Testing

/// Every ONNX fixture (scripts/make-onnx-fixtures.py) run through the importer, the optimiser
/// and the runtime, compared with onnxruntime's outputs.
@Suite struct FixtureTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var dir: String
        var inputs: [String]
        var outputs: [String]
        var tolerance: Double
        var testDescription: String { dir }
    }

    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static let cases: [Case] = {
        struct File: Decodable { var cases: [Case] }
        let data = FileManager.default.contents(atPath: "\(root)/cases.json")!
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static let models = cases.filter { $0.dir.hasPrefix("models/") }

    static func feeds(_ testCase: Case) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (index, name) in testCase.inputs.enumerated() {
            feeds[name] = try NPY.read(contentsOf: "\(root)/\(testCase.dir)/input_\(index).npy")
        }
        return feeds
    }

    /// Checks `outputs` against the case's onnxruntime outputs: same dtype and shape, values
    /// within the tolerance (exact for integers and bools).
    static func check(_ outputs: [String: Tensor], _ testCase: Case, _ label: String, tolerance: Double? = nil) throws {
        for (index, name) in testCase.outputs.enumerated() {
            let expected = try NPY.read(contentsOf: "\(root)/\(testCase.dir)/output_\(index).npy")
            guard let actual = outputs[name] else {
                Issue.record("\(label): output '\(name)' missing")
                continue
            }
            #expect(actual.dtype == expected.dtype, "\(label) \(name): dtype")
            #expect(actual.shape == expected.shape, "\(label) \(name): shape \(actual.shape) vs \(expected.shape)")
            guard actual.shape == expected.shape else { continue }
            if expected.dtype.isFloatingPoint {
                let diff = zip(actual.asFloats, expected.asFloats).map { a, e in a == e ? 0 : Double(abs(a - e)) }.max() ?? 0
                #expect(diff <= tolerance ?? testCase.tolerance, "\(label) \(name): max abs error \(diff)")
            } else {
                #expect(actual.storage == expected.storage, "\(label) \(name): values differ")
            }
        }
    }

    @Test(arguments: cases)
    func matchesOnnxRuntime(_ testCase: Case) throws {
        let graph = try ONNXImporter().importModel(at: "\(Self.root)/\(testCase.dir)/model.onnx").graph
        let feeds = try Self.feeds(testCase)
        try Self.check(try Executor(graph: graph).run(feeds), testCase, "as imported")
        try Self.check(try Executor(graph: try Optimizer.optimize(graph)).run(feeds), testCase, "optimised")
    }

    @Test(arguments: models)
    func bundlesForBothProfilesMatchOnnxRuntime(_ testCase: Case) throws {
        let dir = TemporaryDirectory()
        let path = "\(Self.root)/\(testCase.dir)/model.onnx"
        let graph = try ONNXImporter().importModel(at: path).graph
        let options = ModelBuilder.Options(
            name: "fixture", version: "1.0", targets: [TargetProfile.builtIn["cloud-x86_64"]!, TargetProfile.builtIn["edge-arm64"]!],
            outputDirectory: dir.path, createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", threads: 2)
        let built = try ModelBuilder(options).build(graph, source: Manifest.Source(format: "onnx", sha256: SHA256Digest.hex(of: readBytes(path))))
        #expect(built.map(\.profile.name) == ["cloud-x86_64", "edge-arm64"])
        for bundle in built {
            let model = try BundledModel(path: bundle.path)
            let edge = bundle.profile.name == "edge-arm64"
            #expect(model.executor.threads == (edge ? 1 : ProcessInfo.processInfo.activeProcessorCount))
            // The edge profile quantizes to int8 by default: its outputs are close, not equal.
            #expect(model.info.manifest.target.precision == (edge ? "int8" : "fp32"))
            try Self.check(
                try model.executor.run(try Self.feeds(testCase)), testCase, bundle.profile.name, tolerance: edge ? Self.int8Tolerance : nil)
        }
    }

    /// Largest output difference allowed for int8 bundles of the fixture models (outputs of
    /// magnitude about 1; dynamic per-tensor activation and per-channel weight quantization).
    static let int8Tolerance = 0.05

    @Test(arguments: models)
    func quantizeNoneKeepsTheEdgeBundleExact(_ testCase: Case) throws {
        let dir = TemporaryDirectory()
        let path = "\(Self.root)/\(testCase.dir)/model.onnx"
        let graph = try ONNXImporter().importModel(at: path).graph
        var options = ModelBuilder.Options(
            name: "fixture", version: "1.0", targets: [TargetProfile.builtIn["edge-arm64"]!],
            outputDirectory: dir.path, createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests")
        options.quantization = Quantization.none
        let built = try ModelBuilder(options).build(graph, source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
        let model = try BundledModel(path: built[0].path)
        #expect(model.info.manifest.target.precision == "fp32")
        try Self.check(try model.executor.run(try Self.feeds(testCase)), testCase, "edge, --quantize none")
    }
}
