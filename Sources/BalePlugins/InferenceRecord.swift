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

        /// A timing of `duration` for `name` in `stage` (`nil` for the model).
        public init(stage: PluginStage?, name: String, duration: Duration) {
            self.stage = stage
            self.name = name
            self.duration = duration
        }
    }

    /// The caller's id for the request, when it gave one (joins later ground-truth feedback,
    /// see ``FeedbackMonitor``).
    public var requestID: String?

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

    /// A record of an inference of `request`; the other fields are filled in as it runs.
    public init(
        request: Payload, requestID: String? = nil, inputs: [String: Tensor]? = nil, outputs: [String: Tensor]? = nil,
        response: Payload? = nil, timings: [Timing] = [], error: PluginError? = nil
    ) {
        self.request = request
        self.requestID = requestID
        self.inputs = inputs
        self.outputs = outputs
        self.response = response
        self.timings = timings
        self.error = error
    }

    /// Whether the inference succeeded.
    public var succeeded: Bool { error == nil }
    /// Time from the request to the response (or the failure), summed over the steps.
    public var totalDuration: Duration { timings.reduce(.zero) { $0 + $1.duration } }
}
