import BaleBundle
import BaleGraph
import BaleONNX
import BalePackager
import BaleRuntime
import BaleTesting
import Foundation
import Testing

/// Quantized models and per-op cases (scripts/make-quantized-fixtures.py) run through the importer,
/// the optimiser and the runtime, compared with onnxruntime's outputs: integer outputs exactly,
/// f32 outputs within each case's tolerance (1e-4 where Bale computes what onnxruntime computes;
/// one step of the output's quantization scale for QDQ models, whose float reference rounds
/// differently from the fused integer kernels; see the script).
@Suite struct QuantizedModelTests {
    static let cases: [FixtureTests.Case] = {
        struct File: Decodable { var cases: [FixtureTests.Case] }
        let data = FileManager.default.contents(atPath: "\(FixtureTests.root)/quantized/cases.json")!
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static let dynamicModels = cases.filter { $0.dir.contains("/models/") && $0.dir.contains("_dynamic_") }
    static let staticModels = cases.filter { $0.dir.contains("/models/") && $0.dir.contains("_static_") }

    static func graph(_ testCase: FixtureTests.Case) throws -> Graph {
        try ONNXImporter().importModel(at: "\(FixtureTests.root)/\(testCase.dir)/model.onnx").graph
    }

    @Test(arguments: cases)
    func matchesOnnxRuntime(_ testCase: FixtureTests.Case) throws {
        let graph = try Self.graph(testCase)
        let feeds = try FixtureTests.feeds(testCase)
        try FixtureTests.check(try Executor(graph: graph).run(feeds), testCase, "as imported")
        try FixtureTests.check(try Executor(graph: try Optimizer.optimize(graph)).run(feeds), testCase, "optimised")
    }

    /// quantize_dynamic's products stay integer products on 8-bit weight initializers: ConvInteger,
    /// MatMulInteger, or, for int8 weights, the fused DynamicQuantizedConv and DynamicQuantizedMatMul.
    @Test(arguments: dynamicModels)
    func dynamicModelsRunIntegerProducts(_ testCase: FixtureTests.Case) throws {
        let optimised = try Optimizer.optimize(try Self.graph(testCase))
        let integerOps = optimised.nodes.filter {
            ["MatMulInteger", "ConvInteger", "DynamicQuantizedMatMul", "DynamicQuantizedConv"].contains($0.opType)
        }
        #expect(integerOps.count == (testCase.dir.contains("cnn") ? 3 : 2))
        let fused = optimised.nodes.filter { $0.domain == "ai.bale" }
        #expect(fused.count == (testCase.dir.contains("quint8") ? 0 : integerOps.count), "int8 weights fuse, uint8 weights do not")
        for node in integerOps {
            #expect([.i8, .u8].contains(optimised.initializers[node.inputs[1]]?.dtype), "\(node.name): weight")
        }
        #expect(!optimised.nodes.contains { ["MatMul", "Gemm", "Conv"].contains($0.opType) })
    }

    /// quantize_static's QDQ products become QLinearMatMul / QLinearConv on i8 weight initializers
    /// (none folded back to f32), with the int32 biases folded in.
    @Test(arguments: staticModels)
    func staticModelsFuseIntoIntegerOps(_ testCase: FixtureTests.Case) throws {
        let imported = try Self.graph(testCase)
        let optimised = try Optimizer.optimize(imported)
        let counts = optimised.opCounts
        if testCase.dir.contains("cnn") {
            #expect(counts["QLinearConv"] == 2 && counts["QLinearMatMul"] == 1, "\(counts)")
        } else {
            #expect(counts["QLinearMatMul"] == 2, "\(counts)")
        }
        #expect(!optimised.nodes.contains { ["MatMul", "Gemm", "Conv"].contains($0.opType) }, "\(counts)")
        for node in optimised.nodes where node.opType.hasPrefix("QLinear") {
            #expect(optimised.initializers[node.inputs[3]]?.dtype == .i8, "\(node.name): weight")
            if node.inputs.count > 8 { #expect(optimised.initializers[node.inputs[8]]?.dtype == .i32, "\(node.name): bias") }
        }
        // Weights stay 8-bit: the optimised graph holds no more weight bytes than the imported one.
        #expect(optimised.weightBytes <= imported.weightBytes)
    }

    /// `--quantize int8 --calibration DIR`: each fixture model, calibrated on its own inputs (one
    /// file per input, named after it), keeps onnxruntime's outputs within the int8 tolerance,
    /// every activation quantized with constants (QuantizeLinear, or the fused int8 MatMul's
    /// static inputs) and none at run time.
    @Test(arguments: FixtureTests.models)
    func calibratedInt8BundlesMatchOnnxRuntime(_ testCase: FixtureTests.Case) throws {
        let dir = TemporaryDirectory()
        let graph = try Self.graph(testCase)
        let feeds = try FixtureTests.feeds(testCase)
        for (name, tensor) in feeds { dir.write("calibration/\(name).npy", NPY.write(tensor)) }
        var options = ModelBuilder.Options(
            name: "fixture", version: "1.0", targets: [TargetProfile.builtIn["edge-arm64"]!], outputDirectory: dir.path,
            createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests")
        options.calibration = try ValidationSet.load(directory: dir.file("calibration"), inputs: graph.inputs, option: "--calibration")
        let built = try ModelBuilder(options).build(graph, source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
        let model = try BundledModel(path: built[0].path)
        let quantized = model.graph.nodes.filter { $0.opType == "QuantizeLinear" || $0.opType == "DynamicQuantizedMatMul" }
        #expect(!quantized.isEmpty)
        #expect(!model.graph.nodes.contains { $0.opType == "DynamicQuantizeLinear" })
        for node in quantized {
            let (scale, zeroPoint) = node.opType == "QuantizeLinear" ? (node.inputs[1], node.inputs[2]) : (node.inputs[4], node.inputs[5])
            #expect(model.graph.initializers[scale]?.count == 1 && model.graph.initializers[zeroPoint]?.dtype == .u8, "\(node.name)")
        }
        guard case .object(let record)? = model.info.manifest.metrics["quantization"] else {
            Issue.record("no quantization metrics")
            return
        }
        #expect(record["activations"] == .string("uint8, asymmetric, per tensor, static"))
        #expect(record["calibrationSamples"] == .number(Double(feeds.values.first!.shape[0])))
        try FixtureTests.check(try model.executor.run(feeds), testCase, "calibrated int8", tolerance: FixtureTests.int8Tolerance)
    }

    /// Constant folding leaves DequantizeLinear of a constant alone, so int8 weights are not
    /// turned back into f32 ones.
    @Test func constantFoldingKeepsQuantizedWeights() throws {
        let graph = Graph(
            name: "g", inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.fixed(1), .fixed(2)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: [
                Node(name: "dq", opType: "DequantizeLinear", inputs: ["w_q", "s", "z"], outputs: ["w"]),
                Node(name: "mm", opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]),
            ],
            initializers: [
                "w_q": Tensor(shape: [2, 2], storage: .i8([1, -2, 3, -4])), "s": Tensor(shape: [], floats: [0.5]),
                "z": Tensor(shape: [], storage: .i8([0])),
            ])
        let folded = try ConstantFolding.run(graph)
        #expect(folded.nodes.map(\.opType) == ["DequantizeLinear", "MatMul"])
        #expect(folded.initializers["w"] == nil && folded.initializers["w_q"]?.dtype == .i8)
    }
}
