/// Where a plugin runs around the model (see `docs/plugins.md`).
public enum PluginStage: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Turns the raw request (JSON or bytes) into the model's input tensors.
    case preprocess
    /// Turns the model's output tensors into the response (e.g. top-k labels).
    case postprocess
    /// Observes every inference read-only: tensors, per-stage timings, errors.
    case monitor

    public var description: String { rawValue }
}
