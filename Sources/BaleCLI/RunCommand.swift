public import ArgumentParser
import BaleBundle
import BaleGraph
import BaleRuntime
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `bale run`: one inference from a bundle.
public struct Run: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Run a built bundle on NumPy (.npy) or JSON inputs.",
        discussion: """
            Verifies the bundle while loading it, then runs one inference on the CPU with the \
            threads of the bundle's target profile (override with --threads).

            Inputs: --input NAME=FILE.npy per model input (C order; f32, f16, i8, u8, i32, i64, \
            bool), or --json '{"inputs": {"NAME": [[...]]}}' for small inputs (nested arrays, or \
            {"shape": [...], "data": [...]}).

            Outputs: with --output-dir, one DIR/<output>.npy per model output (bytes outside \
            A-Z a-z 0-9 . _ - are written as %XX, so 'out/0' becomes 'out%2F0.npy'); with --json, \
            a JSON object on stdout; otherwise a short summary on stdout.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @Option(name: .customLong("input"), help: ArgumentHelp("A model input from a .npy file, repeatable.", valueName: "name=file.npy"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Inputs as JSON: {\"inputs\": {\"NAME\": ...}}. Prints outputs as JSON.", valueName: "json"))
    var json: String?

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Write one .npy per output here (created if missing).", valueName: "dir"))
    var outputDirectory: String?

    @Option(help: ArgumentHelp("Threads (default: the bundle's target profile).", valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Refuse models needing more than this for weights plus activations at batch 1, e.g. 256M (default: the profile's limit, 64M for edge-arm64).", valueName: "size"))
    var memoryLimit: ByteCount?

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if inputs.isEmpty == (json == nil) { throw ValidationError("give the inputs with --input NAME=FILE.npy or with --json, not both") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
    }

    public func run() throws {
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let model = try BundledModel(path: bundle, reader: reader, threads: threads, memoryLimit: memoryLimit?.bytes)
        let feeds = try json.map { try jsonFeeds($0, graph: model.graph) } ?? readInputFiles(inputs)
        let outputs = try model.executor.run(feeds)
        let ordered = model.graph.outputs.compactMap { info in outputs[info.name].map { (info.name, $0) } }

        if let outputDirectory {
            do {
                try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            } catch {
                throw RuntimeError("--output-dir '\(outputDirectory)': cannot create the directory: \(SystemErrorReason.describe(error))")
            }
            for (name, tensor) in ordered {
                let path = "\(outputDirectory)/\(OutputFileName.forOutput(name))"
                try NPY.write(tensor, to: path)
                if json == nil { print("wrote \(path) (\(tensor.dtype)\(tensor.shape))") }
            }
        }
        if json != nil {
            let object = JSONValue.object(["outputs": .object(Dictionary(uniqueKeysWithValues: ordered.map { ($0.0, JSONTensor.encode($0.1)) }))])
            print(String(decoding: object.canonicalBytes, as: UTF8.self))
        } else if outputDirectory == nil {
            for (name, tensor) in ordered {
                let preview = tensor.asFloats.prefix(8).map { String(printf: "%.6g", Double($0)) }.joined(separator: ", ")
                print("\(name) \(tensor.dtype)\(tensor.shape): [\(preview)\(tensor.count > 8 ? ", …" : "")]")
            }
        }
    }

    private func jsonFeeds(_ text: String, graph: Graph) throws -> [String: Tensor] {
        let value: JSONValue
        do {
            value = try JSONParser().parse(Array(text.utf8))
        } catch {
            throw ValidationError("--json is not valid JSON: \(error)")
        }
        guard case .object(let inputs)? = value["inputs"] else { throw ValidationError("--json must be an object with an \"inputs\" object") }
        var feeds: [String: Tensor] = [:]
        for (name, tensorValue) in inputs {
            guard let info = graph.inputs.first(where: { $0.name == name }) else {
                throw RuntimeError("unknown input '\(name)'; the model's inputs are: \(graph.inputs.map(\.name).joined(separator: ", "))")
            }
            feeds[name] = try JSONTensor.decode(tensorValue, dtype: info.type.dtype, name: name)
        }
        return feeds
    }
}
