public import ArgumentParser
import BaleBundle
import BaleGraph
import BalePlugins
import BaleRuntime
import BuiltinPlugins
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `bale run`: one inference from a bundle.
public struct Run: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Run a built bundle on a raw request (with its plugins), NumPy (.npy) or JSON inputs.",
        discussion: """
            Verifies the bundle and resolves its plugins while loading it, then runs one \
            inference on the CPU with the threads of the bundle's target profile (override with \
            --threads).

            Raw requests: --raw FILE (or - for stdin) hands the bytes, or the JSON value when \
            they parse as JSON, to the bundle's preprocess plugins (e.g. image, normalize), runs \
            the model and its postprocess plugins (e.g. topk), and prints the response as JSON \
            on stdout, e.g. bale run digits.bale --raw digit.png.

            Inputs: --input NAME=FILE.npy per model input (C order; f32, f16, i8, u8, i32, i64, \
            bool), or --json '{"inputs": {"NAME": [[...]]}}' for small inputs (nested arrays, or \
            {"shape": [...], "data": [...]}). These skip the preprocess plugins; postprocess \
            plugins still run, and print their response as JSON, unless --no-postprocess.

            Feedback: --feedback LABEL gives the true label of this very request to the bundle's \
            feedback monitors (the quality plugin) right after the inference, and prints their \
            figures as a second JSON line, {"feedback": {"quality": {...}}}. One process is one \
            inference, so the figures cover this request only; a long-running host (the sidecar) \
            joins feedback arriving later through PluginPipeline.feedback(requestID:label:).

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

    @Option(help: ArgumentHelp("A raw request for the preprocess plugins: a file (PNG, JSON, ...) or - for stdin. Prints the response as JSON.", valueName: "file"))
    var raw: String?

    @Option(help: ArgumentHelp("The true label of this request, a class index or label, for the quality plugin. Prints its figures.", valueName: "label"))
    var feedback: String?

    @Flag(name: .customLong("no-postprocess"), help: "Skip the bundle's postprocess plugins and print the output tensors (with --input or --json).")
    var noPostprocess = false

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Write one .npy per output here (created if missing).", valueName: "dir"))
    var outputDirectory: String?

    @Option(help: ArgumentHelp("Threads (default: the bundle's target profile).", valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Refuse models needing more than this for weights plus activations at batch 1, e.g. 256M (default: the profile's limit, 64M for edge-arm64).", valueName: "size"))
    var memoryLimit: ByteCount?

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if [!inputs.isEmpty, json != nil, raw != nil].filter({ $0 }).count != 1 {
            throw ValidationError("give the request with one of --raw FILE, --input NAME=FILE.npy or --json")
        }
        if raw != nil, noPostprocess || outputDirectory != nil {
            throw ValidationError("--raw prints the postprocessed response; --no-postprocess and --output-dir go with --input or --json")
        }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
    }

    public func run() throws {
        // The request files are read first, so a bad one is reported before the model loads.
        let rawRequest = try raw.map(readRequest)
        let fileFeeds = raw == nil && json == nil ? try readInputFiles(inputs) : nil
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let model = try BundledModel(path: bundle, reader: reader, threads: threads, memoryLimit: memoryLimit?.bytes)
        let pipeline = try PluginPipeline(model: model, registry: BuiltinPlugins.registry)
        if outputDirectory != nil, !noPostprocess, pipeline.has(.postprocess) {
            let names = pipeline.plugins.filter { $0.stage == .postprocess }.map(\.name).joined(separator: ", ")
            throw ValidationError("--output-dir writes the output tensors, but this bundle's postprocess plugins (\(names)) turn them into a response; add --no-postprocess")
        }
        let request: Payload
        if let rawRequest {
            request = Payload(detecting: rawRequest)
        } else if let fileFeeds {
            request = .tensors(fileFeeds)
        } else {
            request = .tensors(try jsonFeeds(json ?? "", graph: model.graph))  // validate() made --json given
        }
        let requestID = UUID().uuidString
        try printResponse(try pipeline.infer(request, postprocess: !noPostprocess, requestID: requestID), graph: model.graph)
        if let feedback {
            let figures = try pipeline.feedback(requestID: requestID, label: feedback)
            guard !figures.isEmpty else {
                throw RuntimeError("--feedback: no plugin of this bundle takes feedback; build it with --plugin quality")
            }
            print(String(decoding: JSONValue.object(["feedback": .object(figures)]).canonicalBytes, as: UTF8.self))
        }
    }

    /// Prints the response: JSON as it is, tensors as --output-dir, --json or the summary ask.
    private func printResponse(_ response: Payload, graph: Graph) throws {
        let outputs: [String: Tensor]
        switch response {
        case .json(let response):
            print(String(decoding: response.canonicalBytes, as: UTF8.self))
            return
        case .bytes(let bytes):
            throw RuntimeError("the postprocess plugins made \(bytes.count) bytes, not a JSON response or tensors")
        case .tensors(let tensors):
            outputs = tensors
        }
        let ordered = graph.outputs.compactMap { info in outputs[info.name].map { (info.name, $0) } }

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
        if json != nil || raw != nil {
            let object = JSONValue.object(["outputs": .object(Dictionary(uniqueKeysWithValues: ordered.map { ($0.0, JSONTensor.encode($0.1)) }))])
            print(String(decoding: object.canonicalBytes, as: UTF8.self))
        } else if outputDirectory == nil {
            for (name, tensor) in ordered {
                let preview = tensor.asFloats.prefix(8).map { String(printf: "%.6g", Double($0)) }.joined(separator: ", ")
                print("\(name) \(tensor.dtype)\(tensor.shape): [\(preview)\(tensor.count > 8 ? ", …" : "")]")
            }
        }
    }

    /// The bytes of `--raw`'s file, or of stdin for `-`.
    private func readRequest(_ path: String) throws -> [UInt8] {
        if path == "-" { return try readStandardInput() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("--raw '\(path)': cannot read the file: \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        return Array(data)
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
