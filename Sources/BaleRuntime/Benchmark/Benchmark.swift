public import BaleGraph

/// Times repeated inferences of one executor on fixed inputs.
///
/// Runs `warmup` untimed inferences, then timed ones: exactly `iterations` when given, else
/// until at least `minimumDuration` of inference time and `minimumIterations` runs have passed.
/// Each inference is timed on its own with `ContinuousClock` (monotonic), so the percentiles
/// describe single calls and not averages.
///
/// Example:
/// ```swift
/// let model = try BundledModel(path: "mlp.bale")
/// let feeds = try BenchmarkInputs.generate(for: model.graph, batch: 8)
/// let result = try Benchmark(warmup: 3).run(model.executor, feeds: feeds)
/// print(result.medianMilliseconds)
/// ```
public struct Benchmark: Sendable {
    /// Untimed inferences first (caches, allocator, page faults).
    public var warmup: Int
    /// Timed inferences; `nil` runs for ``minimumDuration`` and ``minimumIterations``.
    public var iterations: Int?
    /// Least total inference time when ``iterations`` is `nil`.
    public var minimumDuration: Duration
    /// Fewest timed inferences when ``iterations`` is `nil`.
    public var minimumIterations: Int

    /// Creates a benchmark; every parameter has a default.
    public init(warmup: Int = 3, iterations: Int? = nil, minimumDuration: Duration = .seconds(2), minimumIterations: Int = 10) {
        self.warmup = warmup
        self.iterations = iterations
        self.minimumDuration = minimumDuration
        self.minimumIterations = minimumIterations
    }

    /// Runs the warmup and timed inferences of `executor` on `feeds`.
    /// - Throws: the first ``RuntimeError`` an inference throws.
    public func run(_ executor: Executor, feeds: [String: Tensor]) throws(RuntimeError) -> BenchmarkResult {
        for _ in 0..<warmup { _ = try executor.run(feeds) }
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        var total = Duration.zero
        while iterations.map({ latencies.count < $0 }) ?? (latencies.count < minimumIterations || total < minimumDuration) {
            let start = clock.now
            _ = try executor.run(feeds)
            let elapsed = start.duration(to: clock.now)
            latencies.append(elapsed)
            total += elapsed
        }
        return BenchmarkResult(latencies: latencies)
    }
}

/// Latencies of the timed inferences of a ``Benchmark`` and what follows from them.
public struct BenchmarkResult: Sendable, Hashable {
    /// Each timed inference's latency in milliseconds, sorted ascending.
    public let sortedMilliseconds: [Double]

    /// Creates a result from per-inference latencies (in any order; at least one).
    public init(latencies: [Duration]) {
        precondition(!latencies.isEmpty, "a benchmark result needs at least one timed inference")
        sortedMilliseconds = latencies.map(Self.milliseconds).sorted()
    }

    /// Number of timed inferences.
    public var iterations: Int { sortedMilliseconds.count }
    /// Median latency (nearest rank, p50).
    public var medianMilliseconds: Double { percentile(50) }
    /// The `p`-th percentile latency by nearest rank (see ``Percentile``).
    public func percentile(_ p: Double) -> Double { Percentile.nearestRank(p, of: sortedMilliseconds) }

    /// Inferences per second over all timed inferences: iterations ÷ their summed latency.
    public var inferencesPerSecond: Double { Double(iterations) / (sortedMilliseconds.reduce(0, +) / 1000) }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
