public import CoreMetrics
public import Prometheus

/// Where the built-in monitors (`metrics`, `quality`, `drift`) put their metrics: a Prometheus
/// registry of Bale's own, written through swift-metrics with a factory over that registry.
///
/// Bale never bootstraps the process-wide `MetricsSystem`, so an embedding program keeps its
/// own, and tests running in parallel each use an export of their own.
///
/// Example (what the sidecar serves at `/metrics`):
/// ```swift
/// let text = MetricsExport.shared.prometheusText()
/// // # TYPE bale_requests_total counter
/// // bale_requests_total{model="digits",version="1.0"} 3
/// ```
public struct MetricsExport: Sendable {
    /// The export the registry of `BuiltinPlugins` uses, for `bale` and the sidecar.
    public static let shared = MetricsExport()

    /// The Prometheus registry holding the metrics.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into ``registry``.
    public let factory: any MetricsFactory

    /// A new, empty export; latency histograms get buckets from 100 µs to 10 s.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ]
        self.registry = registry
        self.factory = factory
    }

    /// Every metric in the Prometheus text exposition format (version 0.0.4).
    public func prometheusText() -> String { registry.emitToString() }
}
