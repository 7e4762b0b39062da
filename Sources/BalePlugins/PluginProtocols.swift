/// A plugin that turns a request into the model's inputs, one step of the preprocess chain.
///
/// The first plugin gets the raw request (``Payload/json(_:)`` or ``Payload/bytes(_:)``), each
/// next one what the previous returned; the last must return ``Payload/tensors(_:)``.
/// Throwing fails this request only, with an error naming the plugin.
public protocol PreprocessPlugin: Sendable {
    /// Transforms `payload` one step towards the model's input tensors.
    func preprocess(_ payload: Payload) throws -> Payload
}

/// A plugin that turns the model's outputs into the response, one step of the postprocess chain.
///
/// The first plugin gets the output tensors as ``Payload/tensors(_:)``, each next one what the
/// previous returned. Throwing fails this request only, with an error naming the plugin.
public protocol PostprocessPlugin: Sendable {
    /// Transforms `payload` one step towards the response.
    func postprocess(_ payload: Payload) throws -> Payload
}

/// A plugin that observes every inference, successful or not, and can never change its result.
///
/// Called after the response is made (or the inference failed), in manifest order. An error
/// thrown here is logged and counted (``PluginPipeline/monitorFailures``), never returned to
/// the caller.
public protocol MonitorPlugin: Sendable {
    /// Observes one finished inference.
    func observe(_ record: InferenceRecord) throws
}
