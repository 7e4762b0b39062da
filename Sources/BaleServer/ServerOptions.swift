public import BaleBundle
import BaleGraph
public import BalePlugins
import BaleRuntime
public import MetricsPlugin

/// How `bale serve` runs: where it listens, what it serves, its limits and queues.
public struct ServerOptions: Sendable {
    /// The address to bind (loopback unless told otherwise).
    public var host = "127.0.0.1"
    /// The TCP port (0 picks a free one).
    public var port = 8080
    /// Bundles to serve.
    public var bundles: [String] = []
    /// A directory whose `*.bale` files are served and reloaded when they change.
    public var modelDirectory: String?
    /// The bearer token the repository admin API requires; `nil` turns that API off.
    public var adminToken: String?
    /// Checks bundles installed through the deploy endpoint (signature policy, limits); `nil`
    /// turns deploys off.
    public var deployReader: BundleReader?
    /// Deployed bundles larger than this are refused with 413.
    public var maxUploadBytes: UInt64 = 4 << 30
    /// Downloads the deploy endpoint's `{"url": ...}`; `nil` takes no URLs.
    public var fetcher: (any BundleFetcher)? = PlainHTTPFetcher()
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes = 64 << 20
    /// A request not answered within this is answered 504.
    public var requestTimeout: Duration = .seconds(30)
    /// On SIGTERM or SIGINT, in-flight requests get this long to finish.
    public var drainTimeout: Duration = .seconds(10)
    /// Requests waiting per model at most; more are refused with 503.
    public var queueCapacity = 256
    /// Batches run at once per model; `nil`: one with batching, else cores / threads.
    public var workers: Int?
    /// Threads per inference; `nil` takes each bundle's profile.
    public var threads: Int?
    /// Dynamic batching on or off for every model; `nil` takes each bundle's profile.
    public var batching: Bool?
    /// How often `modelDirectory` is checked for changes.
    public var pollInterval: Duration = .seconds(2)
    /// Checks every bundle (limits, signature policy).
    public var reader = BundleReader()
    /// Resolves the plugins bundles declare.
    public var plugins: PluginRegistry
    /// Where server metrics go (with the plugins' metrics), served at `/metrics`.
    public var metrics = MetricsExport.shared

    /// Options with defaults, resolving plugins with `plugins`.
    public init(plugins: PluginRegistry) {
        self.plugins = plugins
    }

    /// The queue settings for `model`: its profile's batching (unless overridden), only when
    /// every input has a symbolic first axis to batch along.
    func queueSettings(for model: BundledModel) -> InferenceQueue.Settings {
        let profile = TargetProfile.builtIn[model.info.manifest.target.profile]?.batching
        let batchable = !model.graph.inputs.isEmpty && model.graph.inputs.allSatisfy { $0.type.shape?.first.map { $0.value == nil } ?? false }
        let batching = batchable && (batching ?? profile?.enabled ?? false)
        let maxBatch = batching ? max(2, profile?.maxBatch ?? 32) : 1
        let maxDelay = Duration.microseconds(Int64((profile?.maxDelayMs ?? 2) * 1000))
        let threads = model.executor.threads
        return InferenceQueue.Settings(
            workers: workers ?? (batching ? 1 : max(1, ProcessorCount.active / threads)), capacity: queueCapacity, maxBatch: maxBatch,
            maxDelay: maxDelay)
    }
}
