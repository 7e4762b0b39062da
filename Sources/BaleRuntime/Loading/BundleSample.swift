public import BaleGraph
import BaleBundle

/// The sample a built bundle carries for deploy self-tests (issue 8): one input per model input
/// under `samples/inputs/<name>.npy` and the output the bundle's own graph computed from it under
/// `samples/outputs/<name>.npy` (docs/bundle-format.md, "Samples").
///
/// Example:
/// ```swift
/// let files = try BundleSample.make(for: graph, threads: 1)   // bale build
/// let result = try BundleSample.check(model)                   // bale deploy
/// ```
public enum BundleSample {
    /// Where sample inputs live in a bundle.
    public static let inputDirectory = "samples/inputs/"
    /// Where expected sample outputs live in a bundle.
    public static let outputDirectory = "samples/outputs/"

    /// The outcome of a self-test.
    public enum Outcome: Sendable, Hashable {
        /// Every output matched within tolerance.
        case passed
        /// The bundle carries no sample (e.g. made by `bale pack`, or by an older `bale build`).
        case noSample
    }

    /// The sample files of `graph` (batch 1, inputs from ``BenchmarkInputs``), by bundle path.
    /// A sample is optional, so this is empty (rather than failing a build) when a value name is
    /// not a plain file name, the inputs cannot be generated, or the model does not run on them.
    /// - Parameter graph: the graph exactly as a device loads it (weights in stored precision).
    public static func make(for graph: Graph, threads: Int) -> [String: [UInt8]] {
        let names = graph.inputs.map(\.name) + graph.outputs.map(\.name)
        guard names.allSatisfy(isPlainName), let feeds = try? BenchmarkInputs.generate(for: graph, batch: 1),
            let outputs = try? Executor(graph: graph, threads: threads).run(feeds)
        else { return [:] }
        var files: [String: [UInt8]] = [:]
        for (name, tensor) in feeds { files[inputDirectory + name + ".npy"] = NPY.write(tensor) }
        for (name, tensor) in outputs { files[outputDirectory + name + ".npy"] = NPY.write(tensor) }
        return files
    }

    /// Runs `model`'s sample input and compares every output with the expected one:
    /// |actual − expected| ≤ 1e-4 + 1e-3·|expected| (kernels differ per ISA), exact shapes.
    /// - Throws: a ``RuntimeError`` naming the first output that differs, or a damaged sample.
    public static func check(_ model: BundledModel) throws(RuntimeError) -> Outcome {
        let files = model.sampleFiles
        guard !files.isEmpty else { return .noSample }
        var feeds: [String: Tensor] = [:]
        var expected: [String: Tensor] = [:]
        for (path, bytes) in files {
            let isInput = path.hasPrefix(inputDirectory)
            let name = String(path.dropFirst((isInput ? inputDirectory : outputDirectory).count).dropLast(".npy".count))
            let tensor: Tensor
            do { tensor = try NPY.read(bytes, name: path) } catch { throw RuntimeError("sample '\(path)': \(error)") }
            if isInput { feeds[name] = tensor } else { expected[name] = tensor }
        }
        let outputs = try model.executor.run(feeds)
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let got = outputs[name] else { throw RuntimeError("self-test: the model gives no output '\(name)'") }
            guard got.shape == want.shape else {
                throw RuntimeError("self-test: output '\(name)' has shape \(got.shape), the sample expects \(want.shape)")
            }
            for (index, (a, b)) in zip(got.asFloats, want.asFloats).enumerated() where !(abs(a - b) <= 1e-4 + 1e-3 * abs(b)) {
                throw RuntimeError("self-test: output '\(name)' element \(index) is \(a), the sample expects \(b)")
            }
        }
        return .passed
    }

    /// Whether `name` can be a file name inside the sample directories.
    private static func isPlainName(_ name: String) -> Bool {
        !name.contains("/") && BundlePath.problem(with: inputDirectory + name + ".npy") == nil
    }
}
