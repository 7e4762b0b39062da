import BaleBundle
import BaleGraph
import BalePackager
import BaleRuntime
import BaleTesting
import Foundation
import Testing

/// Built bundles whose weights are stored shuffled, sparse or in half precision load into the
/// same model (docs/bundle-format.md §9).
@Suite struct EncodedBundleTests {
    /// Normal-ish values from a fixed seed (sum of uniforms), scaled.
    static func weights(_ count: Int, scale: Float, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            (0..<4).reduce(Float(-2)) { sum, _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return sum + Float(state >> 40) / Float(1 << 24)
            } * scale
        }
    }

    /// Gemm+Relu, Gemm, Add: `w1` magnitude-pruned to 60 % zeros (sparse), `w2` dense
    /// (shuffle), `c` kept as an initializer by the executor.
    static func model() -> Graph {
        var w1 = weights(64 * 128, scale: 0.2, seed: 1)
        let cut = w1.map(abs).sorted()[w1.count * 6 / 10]
        w1 = w1.map { abs($0) < cut ? 0 : $0 }
        let f32 = { (shape: [Dim]) in TensorType(dtype: .f32, shape: shape) }
        return Graph(
            name: "encoded",
            inputs: [ValueInfo(name: "x", type: f32([.symbolic("batch"), .fixed(64)]))],
            outputs: [ValueInfo(name: "y", type: f32([.symbolic("batch"), .fixed(32)]))],
            nodes: [
                Node(name: "fc1", opType: "Gemm", inputs: ["x", "w1", "b1"], outputs: ["h"]),
                Node(name: "relu", opType: "Relu", inputs: ["h"], outputs: ["r"]),
                Node(name: "fc2", opType: "Gemm", inputs: ["r", "w2", "b2"], outputs: ["z"]),
                Node(name: "shift", opType: "Add", inputs: ["z", "c"], outputs: ["y"]),
            ],
            initializers: [
                "w1": Tensor(shape: [64, 128], floats: w1),
                "b1": Tensor(shape: [128], floats: weights(128, scale: 0.05, seed: 2)),
                "w2": Tensor(shape: [128, 32], floats: weights(128 * 32, scale: 0.2, seed: 3)),
                "b2": Tensor(shape: [32], floats: weights(32, scale: 0.05, seed: 4)),
                "c": Tensor(shape: [32], floats: weights(32, scale: 3, seed: 5)),
            ],
            opsets: ["": 17])
    }

    static let input = ["x": Tensor(shape: [3, 64], floats: weights(3 * 64, scale: 1, seed: 6))]

    static func build(_ graph: Graph, in dir: TemporaryDirectory, quantization: Quantization = .none) throws -> [ModelBuilder.Built] {
        let options = ModelBuilder.Options(
            name: "encoded-\(quantization)", version: "1.0", targets: [TargetProfile.builtIn["cloud-x86_64"]!, TargetProfile.builtIn["edge-arm64"]!],
            outputDirectory: dir.path, createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", threads: 2, quantization: quantization)
        return try ModelBuilder(options).build(graph, source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))
    }

    /// The tensor files' encodings, by media type.
    static func encodings(_ built: ModelBuilder.Built) -> [String] {
        built.info.manifest.files.compactMap { TensorEncoding(mediaType: $0.mediaType)?.description }
    }

    @Test func shuffledAndSparseWeightsGiveIdenticalOutputs() throws {
        let dir = TemporaryDirectory()
        let graph = Self.model()
        for built in try Self.build(graph, in: dir) {
            #expect(Set(Self.encodings(built)).isSuperset(of: ["rot-sparse", "rot-shuffle"]), "\(built.profile.name): \(Self.encodings(built))")
            #expect(built.info.manifest.target.precision == "fp32")
            let model = try BundledModel(path: built.path)
            let reference = try Executor(graph: try Optimizer.optimize(graph), threads: model.executor.threads).run(Self.input)
            #expect(try model.executor.run(Self.input) == reference, "\(built.profile.name)")
        }
    }

    @Test func halfPrecisionWeightsWidenAndHalveTheBundle() throws {
        let dir = TemporaryDirectory()
        let graph = Self.model()
        let full = try Self.build(graph, in: dir)
        let half = try Self.build(graph, in: dir, quantization: .fp16)
        for (fp32, fp16) in zip(full, half) {
            #expect(fp16.info.manifest.target.precision == "fp16")
            #expect(Self.encodings(fp16).allSatisfy { $0.hasPrefix("f16") }, "\(Self.encodings(fp16))")
            let ratio = Double(fp16.info.compressedSize) / Double(fp32.info.compressedSize)
            // The deploy self-test sample (samples/, the same fp32 .npy files in both) adds a
            // fixed few hundred bytes that do not halve; without it the ratio is under 0.6.
            #expect(ratio < 0.65, "\(fp16.profile.name): fp16 bundle is \(ratio) of fp32")
            let model = try BundledModel(path: fp16.path)
            // The executor keeps `c` as stored: widened from half, exactly.
            let c = try #require(model.graph.initializers["c"]?.floats)
            #expect(c == graph.initializers["c"]!.floats!.map { Float(Float16($0)) })
            let expected = try BundledModel(path: fp32.path).executor.run(Self.input)["y"]!.floats!
            let actual = try #require(try model.executor.run(Self.input)["y"]?.floats)
            let error = zip(actual, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(error < 1e-2, "\(fp16.profile.name): relative error \(error)")
            #expect(actual != expected)
        }
    }

    @Test func aValueBeyondHalfRangeKeepsItsTensorInFullPrecision() throws {
        let dir = TemporaryDirectory()
        var graph = Self.model()
        graph.initializers["c"] = Tensor(shape: [32], floats: [70000] + Array(repeating: 1, count: 31))
        let built = try Self.build(graph, in: dir, quantization: .fp16)[0]
        let layout = try BundledGraph.layout(path: built.path)
        #expect(layout.initializers.first { $0.name == "c" }?.encoding.half == false)
        #expect(layout.initializers.first { $0.name == "w2" }?.encoding.half == true)
    }

    /// A bundle whose manifest and graph.json disagree on a tensor's encoding is refused, and
    /// the error names the tensor.
    @Test func manifestAndGraphMustAgreeOnEncodings() throws {
        let dir = TemporaryDirectory()
        let graph = Self.model()
        let (json, files) = GraphCoding.encode(graph, encodings: ["w2": TensorEncoding("shuffle")!])
        var payload = [PayloadFile(path: GraphCoding.graphPath, bytes: json, mediaType: GraphCoding.graphMediaType)]
        for file in files {
            // Every file claims to be raw in the manifest.
            payload.append(PayloadFile(path: file.path, bytes: file.encoding.encode(file.tensor), mediaType: TensorEncoding.raw.mediaType))
        }
        let manifest = Manifest(name: "mismatch", version: "1", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", target: .any)
        let path = dir.file("mismatch.bale")
        _ = try BundleWriter().write(manifest: manifest, payload: payload, to: path)
        for load in [{ _ = try BundledModel(path: path) }, { _ = try BundledGraph.layout(path: path) }] as [() throws -> Void] {
            let error = #expect(throws: RuntimeError.self) { try load() }
            #expect(error?.description.contains("tensor 'w2': graph.json says encoding 'shuffle'") == true, "\(String(describing: error))")
        }
    }
}
