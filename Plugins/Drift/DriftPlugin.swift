public import BalePlugins
import BaleBundle
import BaleGraph
import CoreMetrics
public import Logging
public import MetricsPlugin
import Synchronization

/// `drift`: how far live inputs have moved from a reference data set.
///
/// At build time (`--plugin-asset drift=DIR`, see ``DriftReference``) it records per-feature
/// mean, standard deviation and histogram of the reference inputs in
/// `plugins/drift/reference.json`. At run time it keeps the last `window` samples of every
/// input (each row of a batch is a sample) and, once the window is full, exports after every
/// inference the population stability index (PSI) of each input, averaged over its features,
/// as the gauge `bale_drift_psi{model, version, input}` in a ``MetricsExport``. When an input's
/// PSI crosses `threshold` (from below), it logs one warning (`bale.drift`); it warns again
/// only after PSI has gone back under.
///
/// Keys: `threshold` (default 0.2; by rule of thumb < 0.1 no shift, 0.1–0.25 a moderate one,
/// > 0.25 a major one), `window` (samples, default 500), `bins` (histogram bins a feature,
/// build time, default 10).
public final class DriftPlugin: MonitorPlugin, @unchecked Sendable {
    /// The plugin's name in manifests and on the command line.
    public static let name = "drift"

    /// The registry entry, exporting to ``MetricsExport/shared`` and logging to `bale.drift`.
    public static let descriptor = descriptor(exportingTo: .shared, logger: Logger(label: "bale.drift"))

    /// A registry entry exporting to `export` and warning through `logger`.
    public static func descriptor(exportingTo export: MetricsExport, logger: Logger) -> PluginDescriptor {
        PluginDescriptor.monitor(name, keys: [
            "threshold": "PSI above which a warning is logged (default 0.2)",
            "window": "how many of the latest samples PSI is measured on (default 500)",
            "bins": "histogram bins a feature, recorded at build time (default 10)",
        ]) { try DriftPlugin($0, exportingTo: export, logger: logger) }
        .preparingAssets { context in
            if context.assets.keys.sorted() == [DriftReference.asset] { return context.assets }
            let bins = try context.config.int("bins", default: 10, in: 2...255) ?? 10
            return [DriftReference.asset: try DriftReference(npyFiles: context, bins: bins).bytes]
        }
    }

    let plugin: String
    let threshold: Double
    let logger: Logger
    let gauges: [String: Gauge]
    /// Each input's window, and the inputs whose PSI is over the threshold.
    private let state: Mutex<(windows: [String: DriftWindow], alerting: Set<String>)>

    /// Reads the config and the reference statistics.
    public init(_ context: PluginContext, exportingTo export: MetricsExport, logger: Logger) throws(PluginError) {
        plugin = context.name
        threshold = try context.config.number("threshold", default: 0.2, in: 0...1000)
        _ = try context.config.int("bins", default: 10, in: 2...255)
        let capacity = try context.config.int("window", default: 500, in: 1...1_000_000) ?? 500
        let reference = try DriftReference(stored: context)
        for (name, statistics) in reference.inputs {
            guard let input = context.inputs.first(where: { $0.name == name }) else {
                throw PluginError(plugin: plugin, "the reference statistics are for input '\(name)', which the model does not have")
            }
            if let dims = input.type.shape, dims.dropFirst().allSatisfy({ $0.value != nil }) {
                let features = dims.dropFirst().reduce(1) { $0 * ($1.value ?? 1) }
                guard features == statistics.features else {
                    throw PluginError(plugin: plugin, "the reference statistics of input '\(name)' have \(statistics.features) features a sample, the model's input \(features)")
                }
            }
        }
        state = Mutex((reference.inputs.mapValues { DriftWindow(reference: $0, capacity: capacity) }, []))
        gauges = Dictionary(uniqueKeysWithValues: reference.inputs.keys.map { name in
            (name, Gauge(label: "bale_drift_psi", dimensions: [("model", context.model.name), ("version", context.model.version), ("input", name)], factory: export.factory))
        })
        self.logger = logger
    }

    /// The PSI of every input whose window is full.
    public var psi: [String: Double] {
        state.withLock { $0.windows.filter { $0.value.isFull }.mapValues(\.psi) }
    }

    public func observe(_ record: InferenceRecord) {
        for (name, tensor) in record.inputs ?? [:] {
            guard let (psi, crossed) = measure(tensor.asFloats, of: name) else { continue }
            gauges[name]?.record(psi)
            if crossed {
                logger.warning("input drift: PSI crossed the threshold", metadata: [
                    "plugin": "\(plugin)", "input": "\(name)", "psi": "\(psi)", "threshold": "\(threshold)",
                ])
            }
        }
    }

    /// Adds the samples of input `name` to its window; once it is full, its PSI and whether
    /// that just crossed the threshold.
    private func measure(_ values: [Float], of name: String) -> (psi: Double, crossed: Bool)? {
        state.withLock { state in
            guard let features = state.windows[name]?.reference.features, features > 0, values.count % features == 0 else { return nil }
            state.windows[name]?.add(values)
            guard let window = state.windows[name], window.isFull else { return nil }
            let psi = window.psi
            guard psi > threshold else {
                state.alerting.remove(name)
                return (psi, false)
            }
            return (psi, state.alerting.insert(name).inserted)
        }
    }
}
