public import BaleBundle

/// A monitor that also takes ground truth arriving after the inference: the true label of an
/// earlier request, joined with what it recorded for that request id (e.g. the `quality`
/// plugin's rolling accuracy).
///
/// ``PluginPipeline/feedback(requestID:label:)`` hands feedback to every such monitor.
public protocol FeedbackMonitor: MonitorPlugin {
    /// Takes the true `label` of request `requestID`.
    /// - Returns: the monitor's figures after taking it (e.g. `{"accuracy": 0.93, ...}`), or
    ///   `nil` when it holds no prediction for `requestID` (unknown, or evicted).
    func feedback(requestID: String, label: String) throws -> JSONValue?
}
