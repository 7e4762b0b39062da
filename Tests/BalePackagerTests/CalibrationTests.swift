import BaleBundle
import BaleGraph
import BalePackager
import BaleRuntime
import BaleTesting
import Foundation
import Testing

/// `bale build --quantize int8 --calibration DIR`: activations quantized with constants measured
/// on samples (QuantizeLinear) instead of at run time (DynamicQuantizeLinear).
@Suite struct CalibrationTests {
    static let (inputs, hidden, classes) = (6, 16, 3)

    /// x [batch, 6] → Gemm(w1, b1) → Relu → MatMul(w2) → y [batch, 3].
    static func graph(layers: Int = 2) -> Graph {
        let w1 = (0..<(inputs * hidden)).map { Float(($0 * 37) % 23) / 23 - 0.5 }
        let w2 = (0..<(hidden * classes)).map { Float(($0 * 17) % 19) / 19 - 0.45 }
        var nodes = [
            Node(name: "fc1", opType: "Gemm", inputs: ["x", "w1", "b1"], outputs: [layers == 1 ? "y" : "h"]),
            Node(name: "relu", opType: "Relu", inputs: ["h"], outputs: ["r"]),
            Node(name: "fc2", opType: "MatMul", inputs: ["r", "w2"], outputs: ["y"]),
        ]
        if layers == 1 { nodes.removeLast(2) }
        return Graph(
            name: "mlp",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(inputs)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: nil))],
            nodes: nodes,
            initializers: [
                "w1": Tensor(shape: [inputs, hidden], floats: w1),
                "b1": Tensor(shape: [hidden], floats: (0..<hidden).map { Float($0 % 4) * 0.05 }),
                "w2": Tensor(shape: [hidden, classes], floats: w2),
            ])
    }

    /// `rows` samples in 0...1.
    static func samples(_ rows: Int, seed: Int = 0) -> Tensor {
        Tensor(shape: [rows, inputs], floats: (0..<(rows * inputs)).map { Float(($0 * 31 + seed * 7) % 101) / 100 })
    }

    /// The optimised fp32 graph int8-quantized, statically when `calibration` is given.
    static func quantized(_ reference: Graph, calibration: ValidationSet?) throws -> Graph {
        var graph = reference
        let measured = try calibration.map { try ActivationCalibration.measure(reference, on: $0) }
        _ = Int8Quantizer.quantize(&graph, calibration: measured)
        return graph
    }

    @Test func calibratedGraphQuantizesWithConstants() throws {
        let reference = try Optimizer.optimize(Self.graph())
        let set = ValidationSet(inputs: ["x": Self.samples(100)], labels: nil, count: 100)
        let graph = try Self.quantized(reference, calibration: set)
        let quantizers = graph.nodes.filter { $0.opType == "QuantizeLinear" }
        #expect(quantizers.count == 2)
        #expect(!graph.nodes.contains { $0.opType == "DynamicQuantizeLinear" })
        for node in quantizers {
            #expect(graph.initializers[node.inputs[1]]?.dtype == .f32 && graph.initializers[node.inputs[1]]?.count == 1)
            #expect(graph.initializers[node.inputs[2]]?.dtype == .u8 && graph.initializers[node.inputs[2]]?.count == 1)
        }
        // Optimised, both products run on the fused int8 kernel with the constants as inputs.
        let optimised = try Optimizer.optimize(graph)
        let fused = optimised.nodes.filter { $0.opType == "DynamicQuantizedMatMul" }
        #expect(fused.count == 2 && fused.allSatisfy { $0.inputs.count == 6 }, "\(optimised.nodes.map(\.opType))")
        // Close to fp32 on samples it was not calibrated on, fused or not.
        let x = Self.samples(20, seed: 3)
        let expected = try #require(try Executor(graph: reference).run(["x": x])["y"]?.floats)
        for candidate in [graph, optimised] {
            let actual = try #require(try Executor(graph: candidate).run(["x": x])["y"]?.floats)
            let error = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 0.05, "max abs error \(error)")
        }
        #expect(try Executor(graph: optimised).run(["x": x]) == Executor(graph: graph).run(["x": x]))
    }

    /// Calibrated on the very batch it then runs, a single layer gets the parameters dynamic
    /// quantization computes: the same arithmetic, so the same outputs.
    @Test func calibrationOnTheRunBatchEqualsDynamic() throws {
        let reference = try Optimizer.optimize(Self.graph(layers: 1))
        let x = Self.samples(30)
        let dynamic = try Optimizer.optimize(Self.quantized(reference, calibration: nil))
        let calibrated = try Optimizer.optimize(Self.quantized(reference, calibration: ValidationSet(inputs: ["x": x], labels: nil, count: 30)))
        #expect(dynamic.nodes.map(\.opType) == ["DynamicQuantizedMatMul"] && calibrated.nodes.map(\.opType) == ["DynamicQuantizedMatMul"])
        #expect(try Executor(graph: calibrated).run(["x": x]) == Executor(graph: dynamic).run(["x": x]))
    }

    @Test func manifestRecordsStaticActivations() throws {
        let dir = TemporaryDirectory()
        var options = ModelBuilder.Options(
            name: "mlp", version: "1.0", targets: [TargetProfile.builtIn["cloud-x86_64"]!, TargetProfile.builtIn["edge-arm64"]!],
            outputDirectory: dir.path, createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests")
        options.calibration = ValidationSet(inputs: ["x": Self.samples(40)], labels: nil, count: 40)
        let built = try ModelBuilder(options).build(Self.graph(), source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
        // Only the int8 (edge) bundle is calibrated.
        #expect(built[0].info.manifest.metrics["quantization"] == nil)
        let record = built[1].info.manifest.metrics["quantization"]
        #expect(record == .object([
            "weights": .string("int8, symmetric, per output channel"), "activations": .string("uint8, asymmetric, per tensor, static"),
            "calibrationSamples": .number(40), "quantizedNodes": .number(2), "fp32Nodes": .array([]),
        ]))
        let model = try BundledModel(path: built[1].path)
        #expect(model.graph.nodes.filter { $0.opType == "DynamicQuantizedMatMul" }.count == 2)
    }

    @Test func calibrationWithoutAnInt8BundleIsRefused() throws {
        var options = ModelBuilder.Options(
            name: "mlp", version: "1.0", targets: [TargetProfile.builtIn["edge-arm64"]!], outputDirectory: TemporaryDirectory().path,
            createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", quantization: Quantization.none)
        options.calibration = ValidationSet(inputs: ["x": Self.samples(4)], labels: nil, count: 4)
        #expect(throws: PackagerError("--calibration needs --quantize int8 or an int8 target profile (edge-arm64)")) {
            try ModelBuilder(options).build(Self.graph(), source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
        }
    }

    struct BadDirectory: CustomTestStringConvertible, Sendable {
        var name: String
        /// Files to write (name, tensor); `nil` leaves the directory out.
        var files: [(String, Tensor)]?
        var message: String
        var testDescription: String { name }
    }

    static let badDirectories: [BadDirectory] = [
        BadDirectory(name: "missing directory", files: nil, message: "--calibration 'DIR': no such directory"),
        BadDirectory(
            name: "no .npy files", files: [],
            message: "--calibration 'DIR': no .npy sample files (expected one per model input: x.npy)"),
        BadDirectory(
            name: "file named after no input", files: [("x.npy", samples(2)), ("z.npy", samples(2))],
            message: "--calibration 'DIR/z.npy': matches no model input (inputs: x)"),
        BadDirectory(
            name: "wrong dtype", files: [("x.npy", Tensor(shape: [2, 6], storage: .i64(Array(repeating: 1, count: 12))))],
            message: "--calibration 'DIR/x.npy': model input 'x' is f32[batch, 6], expected its samples stacked along the first dimension, got i64[2, 6]"),
        BadDirectory(
            name: "wrong shape", files: [("x.npy", Tensor(shape: [2, 5], floats: Array(repeating: 0, count: 10)))],
            message: "--calibration 'DIR/x.npy': model input 'x' is f32[batch, 6], expected its samples stacked along the first dimension, got f32[2, 5]"),
    ]

    @Test(arguments: badDirectories)
    func badDirectoriesGiveOneLineErrors(_ bad: BadDirectory) throws {
        let temporary = TemporaryDirectory()
        let dir = temporary.file("calibration")
        if let files = bad.files {
            temporary.write("calibration/.keep", [])
            for (name, tensor) in files { temporary.write("calibration/\(name)", NPY.write(tensor)) }
        }
        #expect(throws: PackagerError(bad.message.replacingOccurrences(of: "DIR", with: dir))) {
            try ValidationSet.load(directory: dir, inputs: Self.graph().inputs, option: "--calibration")
        }
    }
}
