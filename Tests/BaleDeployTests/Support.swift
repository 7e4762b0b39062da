import BaleBundle
import BaleDeploy
import BaleGraph
import BalePackager
import BaleTesting

/// Bundles and devices for the deploy tests.
enum DeployFixtures {
    /// The key every test bundle is signed with.
    static let key = BundleSigningKey()

    /// A reader requiring `key`'s signature.
    static let reader = BundleReader(publicKey: key.publicKey, requireSignature: true)

    /// A two-layer model `x` [batch, 4] → `y` [batch, 3]; `last` changes only the last layer's
    /// weights (a fine-tune of the head).
    static func graph(last: Float) -> Graph {
        let w1 = (0..<32).map { Float(($0 * 5) % 13) / 13 - 0.5 }
        let w2 = (0..<24).map { Float(($0 * 7) % 11) / 11 * last - 0.4 }
        return Graph(
            name: "clf",
            inputs: [ValueInfo(name: "x", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(4)]))],
            outputs: [ValueInfo(name: "y", type: TensorType(dtype: .f32, shape: [.symbolic("batch"), .fixed(3)]))],
            nodes: [
                Node(name: "fc1", opType: "Gemm", inputs: ["x", "w1"], outputs: ["h"]),
                Node(name: "relu", opType: "Relu", inputs: ["h"], outputs: ["r"]),
                Node(name: "fc2", opType: "Gemm", inputs: ["r", "w2"], outputs: ["y"]),
            ],
            initializers: ["w1": Tensor(shape: [4, 8], floats: w1), "w2": Tensor(shape: [8, 3], floats: w2)])
    }

    /// Builds version `version` (last layer scaled by `last`) into `directory`, signed by `signer`.
    static func bundle(
        in directory: TemporaryDirectory, version: String, last: Float, signer: BundleSigningKey? = key
    ) throws -> String {
        let options = ModelBuilder.Options(
            name: "clf", version: version, targets: [TargetProfile.builtIn["cloud-x86_64"]!], outputDirectory: directory.path,
            createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", signingKey: signer)
        return try ModelBuilder(options).build(graph(last: last), source: Manifest.Source(format: "onnx", sha256: String(repeating: "0", count: 64)))[0].path
    }

    /// A signed copy of `bundle` whose expected sample output is `other`'s: it loads and
    /// verifies, but its self-test fails.
    static func wrongSample(_ bundle: String, from other: String, in directory: TemporaryDirectory) throws -> String {
        try BrokenSample.copy(of: bundle, samplesFrom: other, version: "9.9", to: directory.file("bad.bale"), key: key)
    }
}
