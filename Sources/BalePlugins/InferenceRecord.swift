public import BaleGraph

/// What a monitor sees of one inference: read-only values, timings per stage, the outcome.
public struct InferenceRecord: Sendable {
    /// The time one step took.
    public struct Timing: Sendable, Hashable {
        /// The stage.
        public var stage: PluginStage?
        /// The plugin's name, or `model` for the model itself (``stage`` is then `nil`).
        public var name: String
        /// How long it took.
        public var duration: Duration
    }

    /// The request as given: raw payload, or tensors when preprocessing was skipped.
    public var request: Payload
    /// The model's inputs, when preprocessing got that far.
    public var inputs: [String: Tensor]?
    /// The model's outputs, when the model ran.
    public var outputs: [String: Tensor]?
    /// The response, when the inference succeeded.
    public var response: Payload?
    /// Each step that ran, in order, with its duration (the failing one included).
    public var timings: [Timing]
    /// The error that failed the inference, if any.
    public var error: PluginError?

    /// Whether the inference succeeded.
    public var succeeded: Bool { error == nil }
    /// Time from the request to the response (or the failure), summed over the steps.
    public var totalDuration: Duration { timings.reduce(.zero) { $0 + $1.duration } }
}
