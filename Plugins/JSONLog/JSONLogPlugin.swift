public import BalePlugins
import BaleBundle
import BaleGraph
import BaleRuntime
public import Logging

/// `jsonlog`: one structured line per inference, logged through swift-log (label
/// `bale.jsonlog`, level info; failed inferences at level warning).
///
/// The message is one canonical JSON object:
/// `{"error": "...", "latency_ms": 3.412, "model": "digits", "outcome": "ok", "request_id": "…",
/// "timings_ms": {"image": 0.3, "model": 3.012, "topk": 0.1}, "version": "1.0"}` (milliseconds to
/// the microsecond; `error` only on
/// failure, `request_id` only when the caller gave one). A fraction `rate` of inferences also
/// carry what they saw: `inputs` and `outputs` (tensors as `{"dtype", "shape", "data"}`) and
/// the JSON `response`.
///
/// Keys: `rate` (0…1, default 0), the fraction sampled, spread evenly and deterministically
/// (rate 0.25: the 4th, 8th, 12th, … inference since the model loaded).
public struct JSONLogPlugin: MonitorPlugin {
    /// The plugin's name in manifests and on the command line.
    public static let name = "jsonlog"

    /// The registry entry, logging to `bale.jsonlog`.
    public static let descriptor = descriptor(logger: Logger(label: "bale.jsonlog"))

    /// A registry entry logging to `logger`.
    public static func descriptor(logger: Logger) -> PluginDescriptor {
        .monitor(name, keys: ["rate": "fraction of inferences logged with their inputs and outputs, 0 to 1 (default 0)"]) {
            try JSONLogPlugin($0, logger: logger)
        }
    }

    let model: ModelIdentity
    let logger: Logger
    let sampler: Sampler

    /// Reads `rate` from the config.
    public init(_ context: PluginContext, logger: Logger) throws(PluginError) {
        model = context.model
        self.logger = logger
        sampler = Sampler(rate: try context.config.number("rate", default: 0, in: 0...1))
    }

    public func observe(_ record: InferenceRecord) {
        var entry: [String: JSONValue] = [
            "model": .string(model.name), "version": .string(model.version),
            "outcome": .string(record.succeeded ? "ok" : "error"),
            "latency_ms": Self.milliseconds(record.totalDuration),
            "timings_ms": .object(Dictionary(record.timings.map { ($0.name, $0.duration) }, uniquingKeysWith: +).mapValues(Self.milliseconds)),
        ]
        if let id = record.requestID { entry["request_id"] = .string(id) }
        if let error = record.error { entry["error"] = .string(error.message) }
        if sampler.next() {
            if let inputs = record.inputs { entry["inputs"] = .object(inputs.mapValues(JSONTensor.encode)) }
            if let outputs = record.outputs { entry["outputs"] = .object(outputs.mapValues(JSONTensor.encode)) }
            if case .json(let response)? = record.response { entry["response"] = response }
        }
        let line = Logger.Message(stringLiteral: String(decoding: JSONValue.object(entry).canonicalBytes, as: UTF8.self))
        logger.log(level: record.succeeded ? .info : .warning, line)
    }

    /// `duration` in milliseconds, to the microsecond.
    static func milliseconds(_ duration: Duration) -> JSONValue {
        .number((duration.inSeconds * 1_000_000).rounded() / 1000)
    }
}
