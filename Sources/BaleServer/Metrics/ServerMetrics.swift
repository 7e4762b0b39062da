import MetricsPlugin
import Prometheus

/// The sidecar's metrics, in the same Prometheus registry as the plugins' (so `/metrics` shows
/// both): requests by model, version and status; queue, compute and total latency; requests in
/// flight; batch sizes; and each model's load outcomes and readiness.
final class ServerMetrics: Sendable {
    private let export: MetricsExport
    private let inFlight: Gauge

    /// Latency buckets from 100 µs to 10 s.
    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(10),
    ]

    init(export: MetricsExport) {
        self.export = export
        inFlight = export.registry.makeGauge(descriptor: Self.name("inflight_requests", "", "Requests being handled now."))
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "bale", subsystem: "server", metricName: metric, unitName: unit, helpText: help)
    }

    /// A request started; call the returned closure when it ends.
    func requestStarted() -> @Sendable () -> Void {
        inFlight.increment()
        return { [inFlight] in inFlight.decrement() }
    }

    /// An inference request finished with HTTP `status` after `total`, of which `queued` in
    /// the queue and `compute` in the batch it ran in (both absent when it never ran).
    func inferenceFinished(model: String, version: String, status: Int, total: Duration, queued: Duration?, compute: Duration?) {
        let labels = [("model", model), ("version", version)]
        export.registry.makeCounter(descriptor: Self.name("requests", "total", "Inference requests by model, version and HTTP status."), labels: labels + [("status", String(status))]).increment()
        let latency = Self.name("request_duration", "seconds", "Inference latency by phase: queue (waiting), compute (the batch it ran in), total.")
        for (phase, duration) in [("total", total), ("queue", queued), ("compute", compute)] {
            guard let duration else { continue }
            export.registry.makeDurationHistogram(descriptor: latency, labels: labels + [("phase", phase)], buckets: Self.latencyBuckets).record(duration)
        }
    }

    /// A batch of `size` requests ran for `model`.
    func batchRan(model: String, version: String, size: Int) {
        export.registry.makeValueHistogram(
            descriptor: Self.name("batch_size", "", "Requests per model execution (dynamic batching)."),
            labels: [("model", model), ("version", version)], buckets: [1, 2, 4, 8, 16, 32, 64, 128]
        ).record(Double(size))
    }

    /// `model` is now served, in place of `previous` if any.
    func modelLoaded(_ model: ServedModel, replacing previous: ServedModel?) {
        loads(model.name, outcome: "success").increment()
        if let previous, previous.version != model.version { ready(previous).set(Double(0)) }
        ready(model).set(Double(1))
    }

    /// A load of `name` failed (verification, decoding, plugins or warm-up).
    func modelLoadFailed(name: String) {
        loads(name, outcome: "failure").increment()
    }

    /// `model` is no longer served.
    func modelUnloaded(_ model: ServedModel) {
        ready(model).set(Double(0))
    }

    private func loads(_ name: String, outcome: String) -> Counter {
        export.registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "bale", metricName: "model_loads", unitName: "total", helpText: "Model loads by outcome (a failure is a bundle refused by verification, decoding, its plugins or warm-up)."),
            labels: [("model", name), ("outcome", outcome)])
    }

    private func ready(_ model: ServedModel) -> Gauge {
        export.registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "bale", metricName: "model_ready", unitName: "", helpText: "1 while this model version is served."),
            labels: [("model", model.name), ("version", model.version)])
    }

    /// Everything in the Prometheus text format, with the process's own figures.
    func exposition() -> String {
        export.prometheusText() + ProcessFigures.current().prometheusText
    }
}
