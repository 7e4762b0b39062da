public import ArgumentParser
import BaleBundle
import BaleGraph
import BaleRuntime

/// `bale bench`: latency, throughput and peak memory of a built bundle.
public struct Bench: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Measure a built bundle's latency, throughput and peak memory.",
        discussion: """
            Verifies and loads the bundle, makes inputs from the model's declared input types \
            (unless --input gives them), runs --warmup untimed inferences, then times each \
            inference with a monotonic clock: --iterations of them, else as many as take 2 s \
            (at least 10).

            Generated inputs: a symbolic first dimension is --batch, any other symbolic \
            dimension is 1 unless --dim NAME=N names it; floating-point inputs hold fixed \
            pseudo-random values in [-1, 1], integer and bool inputs zeros.

            Reports median, p90 and p99 latency in ms (nearest-rank percentiles: the value at \
            rank ceil(p/100 * n) of the n sorted latencies), throughput in samples/s \
            (inferences/s over all timed runs × batch), peak RSS in bytes (VmHWM on Linux, else \
            getrusage) and the executor's threads.

            Example:
              bale bench dist/mlp-1.0-cloud-x86_64.bale --batch 64 --threads 2 --json
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @Option(help: ArgumentHelp("Size of each generated input's symbolic first dimension (default 1).", valueName: "n"))
    var batch: Int?

    @Option(name: .customLong("dim"), help: ArgumentHelp("Size of another symbolic dimension of generated inputs, repeatable.", valueName: "name=n"))
    var dims: [String] = []

    @Option(name: .customLong("input"), help: ArgumentHelp("A model input from a .npy file instead of a generated one, repeatable (all or none).", valueName: "name=file.npy"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Threads (default: the bundle's target profile).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Timed inferences (default: as many as take 2 s, at least 10).", valueName: "n"))
    var iterations: Int?

    @Option(help: ArgumentHelp("Untimed inferences before timing.", valueName: "n"))
    var warmup: Int = 3

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
        if !inputs.isEmpty && (batch != nil || !dims.isEmpty) {
            throw ValidationError("--batch and --dim shape generated inputs; with --input the files set the shapes")
        }
        _ = try namedDims()
    }

    public func run() throws {
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let model = try BundledModel(path: bundle, reader: reader, threads: threads)
        let feeds = try inputs.isEmpty
            ? BenchmarkInputs.generate(for: model.graph, batch: batch ?? 1, dims: namedDims())
            : readInputFiles(inputs)
        let batchSize = BenchmarkInputs.batch(of: feeds, for: model.graph)
        let result = try Benchmark(warmup: warmup, iterations: iterations).run(model.executor, feeds: feeds)
        let report = BenchReport(
            manifest: model.info.manifest, batch: batchSize, threads: model.executor.threads, result: result,
            peakRSS: PeakMemory.residentBytes)
        print(json ? report.json : report.text)
    }

    /// The `--dim NAME=N` options by name.
    private func namedDims() throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for argument in dims {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let size = Int(parts[1]), size >= 1 else {
                throw ValidationError("--dim '\(argument)' must be NAME=N with N at least 1")
            }
            guard sizes.updateValue(size, forKey: parts[0]) == nil else { throw ValidationError("--dim '\(parts[0])' is given twice") }
        }
        return sizes
    }
}
