public import BalePlugins
public import BaleBundle
import BaleGraph
import CoreMetrics
public import MetricsPlugin
import Synchronization

/// `quality`: live model quality from ground truth that arrives later.
///
/// Each inference given a request id leaves its predicted class (the arg-max of the score
/// output's first row) among the pending predictions, at most `pending` of them (the oldest
/// dropped first). Feedback (``PluginPipeline/feedback(requestID:label:)``, or
/// `bale run --feedback`) joins a true label with its prediction; the last `window` joined
/// pairs give rolling accuracy and per-class precision, recall and F1, returned by the feedback
/// call and exported to a ``MetricsExport``:
/// `bale_quality_accuracy`, `bale_quality_precision`, `bale_quality_recall`, `bale_quality_f1`
/// (gauges; the last three labelled `class`, a label or class index, with `class="all"` for the
/// unweighted mean over the classes seen), `bale_quality_feedback_total` (feedback joined) and
/// `bale_quality_pending` (predictions awaiting feedback), all labelled `model` and `version`.
///
/// Keys: `output` (default: the first f32 output), `labels` (an asset under
/// `plugins/quality/`, one label a line; feedback may then name a class by label),
/// `pending` (default 10000), `window` (default 1000).
public final class QualityPlugin: FeedbackMonitor, @unchecked Sendable {
    /// The plugin's name in manifests and on the command line.
    public static let name = "quality"

    /// The registry entry, exporting to ``MetricsExport/shared``.
    public static let descriptor = descriptor(exportingTo: .shared)

    /// A registry entry exporting to `export`.
    public static func descriptor(exportingTo export: MetricsExport) -> PluginDescriptor {
        .monitor(name, keys: [
            "output": "the model output holding the class scores (default: the first f32 output)",
            "labels": "asset file with one label a line, so feedback can name classes (add it with --plugin-asset quality=FILE)",
            "pending": "most predictions kept waiting for feedback, oldest dropped first (default 10000)",
            "window": "how many of the latest joined feedbacks the figures cover (default 1000)",
        ]) { try QualityPlugin($0, exportingTo: export) }
    }

    let plugin: String
    let output: String
    let labels: [String]?
    let export: MetricsExport
    let dimensions: [(String, String)]
    /// The predictions awaiting feedback, and the joined pairs the figures cover.
    private let state: Mutex<(pending: PendingPredictions, window: ConfusionWindow)>

    /// Reads and checks the config and the labels asset.
    public init(_ context: PluginContext, exportingTo export: MetricsExport) throws(PluginError) {
        plugin = context.name
        output = try context.scoreOutput(key: "output")
        labels = try context.labels(key: "labels")
        let pending = PendingPredictions(capacity: try context.config.int("pending", default: 10_000, in: 1...10_000_000) ?? 10_000)
        state = Mutex((pending, ConfusionWindow(capacity: try context.config.int("window", default: 1000, in: 1...1_000_000) ?? 1000)))
        self.export = export
        dimensions = [("model", context.model.name), ("version", context.model.version)]
    }

    public func observe(_ record: InferenceRecord) {
        guard let id = record.requestID, record.succeeded, let scores = record.outputs?[output], scores.count > 0 else { return }
        let row = scores.asFloats.prefix(scores.shape.last ?? scores.count)
        guard let best = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }) else { return }
        let held = state.withLock {
            $0.pending.insert(best, for: id)
            return $0.pending.count
        }
        Gauge(label: "bale_quality_pending", dimensions: dimensions, factory: export.factory).record(held)
    }

    public func feedback(requestID: String, label: String) throws -> JSONValue? {
        let truth = try classIndex(label)
        let figures: JSONValue? = state.withLock { state in
            guard let predicted = state.pending.remove(requestID) else { return nil }
            state.window.add(ConfusionWindow.Pair(predicted: predicted, truth: truth))
            return exportFigures(window: state.window, pending: state.pending.count)
        }
        if figures != nil { Counter(label: "bale_quality_feedback_total", dimensions: dimensions, factory: export.factory).increment() }
        return figures
    }

    /// The class `label` names: a label of the labels file, or a class index.
    func classIndex(_ label: String) throws(PluginError) -> Int {
        if let index = labels?.firstIndex(of: label) { return index }
        if let index = Int(label), index >= 0 { return index }
        let known = labels.map { " or one of: \($0.joined(separator: ", "))" } ?? ""
        throw PluginError(plugin: plugin, "feedback label '\(label)' is not a class: give a class index\(known)")
    }

    /// The name of class `index` in metrics and figures: its label, else the index.
    func className(_ index: Int) -> String {
        guard let labels, labels.indices.contains(index) else { return String(index) }
        return labels[index]
    }

    /// Sets the gauges from `window` and the `pending` count and returns the same figures as JSON.
    private func exportFigures(window: ConfusionWindow, pending: Int) -> JSONValue {
        let factory = export.factory
        let accuracy = window.accuracy
        Gauge(label: "bale_quality_accuracy", dimensions: dimensions, factory: factory).record(accuracy)
        Gauge(label: "bale_quality_pending", dimensions: dimensions, factory: factory).record(pending)
        var perClass: [String: JSONValue] = [:]
        let named = window.classes.map { (className($0), window.scores(of: $0)) } + [("all", window.macroScores)]
        for (name, scores) in named {
            let labelled = dimensions + [("class", name)]
            Gauge(label: "bale_quality_precision", dimensions: labelled, factory: factory).record(scores.precision)
            Gauge(label: "bale_quality_recall", dimensions: labelled, factory: factory).record(scores.recall)
            Gauge(label: "bale_quality_f1", dimensions: labelled, factory: factory).record(scores.f1)
            perClass[name] = .object(["precision": .number(scores.precision), "recall": .number(scores.recall), "f1": .number(scores.f1)])
        }
        return .object([
            "accuracy": .number(accuracy), "samples": .number(Double(window.count)),
            "pending": .number(Double(pending)), "classes": .object(perClass),
        ])
    }
}
