public import BalePlugins
import CoreMetrics

/// `metrics`: per-model request and error counts and latency histograms per stage, as
/// Prometheus metrics (through swift-metrics) in a ``MetricsExport``.
///
/// Metrics, each labelled `model` and `version` (the manifest's):
/// - `bale_requests_total`: inferences, failed ones included;
/// - `bale_request_errors_total`: failed inferences;
/// - `bale_request_duration_seconds` (histogram), labelled `stage`: `preprocess` (the
///   preprocess chain), `compute` (the model), `postprocess` (the postprocess chain), `total`
///   (all of them); a stage that did not run (e.g. preprocessing of a tensor request) is not
///   recorded.
///
/// It takes no keys.
public struct MetricsPlugin: MonitorPlugin {
    /// The plugin's name in manifests and on the command line.
    public static let name = "metrics"

    /// The registry entry, exporting to ``MetricsExport/shared``.
    public static let descriptor = descriptor(exportingTo: .shared)

    /// A registry entry exporting to `export` (tests and embedders with an export of their own).
    public static func descriptor(exportingTo export: MetricsExport) -> PluginDescriptor {
        .monitor(name) { MetricsPlugin($0, exportingTo: export) }
    }

    let requests: Counter
    let errors: Counter
    let durations: [Stage: Timer]

    /// The stages timed, as their `stage` label.
    enum Stage: String, CaseIterable {
        case preprocess, compute, postprocess, total
    }

    /// The plugin for the model `context` describes, exporting to `export`.
    public init(_ context: PluginContext, exportingTo export: MetricsExport) {
        let model = [("model", context.model.name), ("version", context.model.version)]
        requests = Counter(label: "bale_requests_total", dimensions: model, factory: export.factory)
        errors = Counter(label: "bale_request_errors_total", dimensions: model, factory: export.factory)
        durations = Dictionary(uniqueKeysWithValues: Stage.allCases.map { stage in
            (stage, Timer(label: "bale_request_duration_seconds", dimensions: model + [("stage", stage.rawValue)], factory: export.factory))
        })
    }

    public func observe(_ record: InferenceRecord) {
        requests.increment()
        if !record.succeeded { errors.increment() }
        for stage in Stage.allCases {
            let timings = record.timings.filter { stage == .total || Self.stage(of: $0) == stage }
            guard !timings.isEmpty else { continue }
            durations[stage]?.recordSeconds(timings.reduce(Duration.zero) { $0 + $1.duration }.inSeconds)
        }
    }

    /// The timed stage a step belongs to: the model is `compute`.
    static func stage(of timing: InferenceRecord.Timing) -> Stage? {
        switch timing.stage {
        case nil: .compute
        case .preprocess: .preprocess
        case .postprocess: .postprocess
        case .monitor: nil
        }
    }
}
