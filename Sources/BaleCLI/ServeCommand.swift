public import ArgumentParser
import BaleBundle
public import BaleServer
import BuiltinPlugins
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import NIOConcurrencyHelpers

/// `bale serve`: the KServe v2 sidecar.
public struct Serve: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Serve bundles over HTTP with the KServe v2 / Open Inference Protocol (the sidecar).",
        discussion: """
            Endpoints: GET /v2/health/live, GET /v2/health/ready, GET /v2, \
            GET /v2/models/NAME[/versions/V], GET .../ready, POST .../infer (JSON, or the binary \
            tensor data extension with Inference-Header-Content-Length), \
            POST /v2/models/NAME/feedback, GET /metrics (Prometheus), and with \
            --admin-token-file the repository API: POST /v2/repository/index, \
            POST /v2/repository/models/NAME/load and .../unload, and with --model-dir \
            POST /v2/repository/models/NAME/deploy and .../rollback (remote install).

            Models are served under their manifest's name. Each is verified and warmed (one \
            inference) before it is served; a bundle that fails is reported in \
            /v2/repository/index, in /metrics (bale_model_loads_total) and keeps \
            /v2/health/ready at 503; when every bundle given fails and there is no --model-dir, \
            bale serve exits 1 naming each bundle and why. With --model-dir, every *.bale file there is served, and \
            a file that changes is reloaded: the new version replaces the old one once \
            verified and warmed, requests already running finish on the old one, and a failed \
            reload keeps the old one serving. A subdirectory NAME/ with a current link (a \
            device directory, as bale deploy lays it out) is served as model NAME and reloaded \
            when current is switched.

            Remote install: the deploy endpoint takes a bundle (streamed to disk, at most \
            --max-upload-size) or {"url": ...} to download, and installs it into MODEL-DIR/NAME/ \
            like bale deploy: verify, self-test with the bundle's sample, switch current, keep \
            2 older versions; then serves it before answering. Deployed bundles must be signed \
            by --key unless --allow-unsigned-deploy; with neither, deploys are refused. Send \
            them with bale deploy B --to http://HOST:PORT --token-file F.

            Raw requests (an image for the image plugin, ...) go to the bundle's preprocess \
            plugins: a body with a Content-Type other than application/json, or one BYTES \
            input; the postprocess plugins' response comes back as the BYTES output 'response'.

            Dynamic batching follows each bundle's profile (cloud-x86_64: up to 32 requests or \
            2 ms; edge-arm64: off); --batching / --no-batching override it.

            SIGTERM or SIGINT stops accepting connections, lets in-flight requests finish for \
            up to --drain-timeout, and exits 0. Access logs go to standard error at level info \
            (BALE_LOG_LEVEL=warning silences them). See docs/serving.md.
            """
    )

    @Argument(help: ArgumentHelp("Bundles to serve.", valueName: "bundle.bale"))
    var bundles: [String] = []

    @Option(name: .customLong("model-dir"), help: ArgumentHelp("Serve every *.bale file in this directory and reload them when they change.", valueName: "dir"))
    var modelDirectory: String?

    @Option(help: ArgumentHelp("Address to listen on (0.0.0.0 for every interface).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("TCP port (0 picks a free one).", valueName: "port"))
    var port = 8080

    @Option(name: .customLong("admin-token-file"), help: ArgumentHelp("File holding the bearer token of the repository admin API (off without it).", valueName: "file"))
    var adminTokenFile: String?

    @Option(name: .customLong("max-body-size"), help: ArgumentHelp("Refuse request bodies larger than this with 413.", valueName: "size"))
    var maxBodySize = ByteCount(64 << 20)

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Answer 504 to a request not answered within this, e.g. 30s, 500ms.", valueName: "time"))
    var requestTimeout = TimeSpan(.seconds(30))

    @Option(name: .customLong("drain-timeout"), help: ArgumentHelp("On SIGTERM, how long in-flight requests get to finish.", valueName: "time"))
    var drainTimeout = TimeSpan(.seconds(10))

    @Option(name: .customLong("queue-capacity"), help: ArgumentHelp("Requests waiting per model at most; more get 503 with Retry-After.", valueName: "n"))
    var queueCapacity = 256

    @Option(help: ArgumentHelp("Batches run at once per model (default: 1 with batching, else cores / threads).", valueName: "n"))
    var workers: Int?

    @Option(help: ArgumentHelp("Threads per inference (default: each bundle's target profile).", valueName: "n"))
    var threads: Int?

    @Flag(inversion: .prefixedNo, help: "Dynamic batching for every model (default: each bundle's profile).")
    var batching: Bool?

    @Option(name: .customLong("max-upload-size"), help: ArgumentHelp("Refuse deployed bundles larger than this with 413.", valueName: "size"))
    var maxUploadSize = ByteCount(4 << 30)

    @Flag(name: .customLong("allow-unsigned-deploy"), help: "Accept unsigned bundles on the deploy endpoint (signed ones are checked with --key).")
    var allowUnsignedDeploy = false

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("How often --model-dir is checked for changes.", valueName: "time"))
    var pollInterval = TimeSpan(.seconds(2))

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if bundles.isEmpty, modelDirectory == nil { throw ValidationError("give bundles to serve, or --model-dir DIR") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024") }
        if let workers, !(1...1024).contains(workers) { throw ValidationError("--workers must be between 1 and 1024") }
        if !(1...1_000_000).contains(queueCapacity) { throw ValidationError("--queue-capacity must be between 1 and 1000000") }
    }

    public func run() throws {
        var options = ServerOptions(plugins: BuiltinPlugins.registry)
        options.host = host
        options.port = port
        options.bundles = bundles
        if let modelDirectory {
            guard (try? FileManager.default.contentsOfDirectory(atPath: modelDirectory)) != nil else {
                throw ValidationError("--model-dir '\(modelDirectory)' is not a readable directory")
            }
            options.modelDirectory = modelDirectory
        }
        options.adminToken = try adminTokenFile.map { try readToken($0, option: "--admin-token-file") }
        options.maxBodyBytes = Int(clamping: maxBodySize.bytes)
        options.requestTimeout = requestTimeout.duration
        options.drainTimeout = drainTimeout.duration
        options.queueCapacity = queueCapacity
        options.workers = workers
        options.threads = threads
        options.batching = batching
        options.pollInterval = pollInterval.duration
        let key = try signature.publicKey()
        options.reader = BundleReader(limits: read.limits, publicKey: key, requireSignature: signature.requireSignature)
        if key != nil || allowUnsignedDeploy {
            options.deployReader = BundleReader(limits: read.limits, publicKey: key, requireSignature: !allowUnsignedDeploy)
        }
        options.maxUploadBytes = maxUploadSize.bytes
        if let fetcher = Self.fetcher.withLockedValue({ $0 }) { options.fetcher = fetcher }
        let server = SidecarServer(options: options)
        try runBlocking { try await server.run() }
    }

    /// Downloads the deploy endpoint's `{"url": ...}`; `bale` sets one taking https:// and
    /// oci:// as well (the default, in bale-runtime, takes http:// only).
    public static let fetcher = NIOLockedValueBox<(any BundleFetcher)?>(nil)
}

/// Runs `body` on Swift's concurrency threads and waits for it on this (the main) thread.
private func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    let failure = NIOLockedValueBox<(any Error)?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await body() } catch { failure.withLockedValue { $0 = error } }
        done.signal()
    }
    done.wait()
    if let error = failure.withLockedValue({ $0 }) { throw error }
}

/// A time written as `30`, `30s`, `500ms` or `2m`.
public struct TimeSpan: ExpressibleByArgument, CustomStringConvertible, Sendable {
    /// The time.
    public var duration: Duration

    /// A span of `duration`.
    public init(_ duration: Duration) { self.duration = duration }

    public init?(argument: String) {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60)]
        var text = Substring(argument.lowercased())
        var scale = 1.0
        if let (suffix, factor) = units.first(where: { text.hasSuffix($0.0) }) {
            text = text.dropLast(suffix.count)
            scale = factor
        }
        guard let value = Double(text), value.isFinite, value >= 0, value * scale <= 86_400 else { return nil }
        duration = .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    public var description: String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds)s" : "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
