public import BaleBundle
public import BaleGraph
public import BaleRuntime
public import Logging

/// Runs one model with its plugins: preprocess chain → model → postprocess chain → monitors.
///
/// Failure isolation (issue 6): a preprocess or postprocess plugin that throws fails that
/// inference with an error naming it; a monitor that throws is logged and counted in
/// ``monitorFailures`` and never changes the result. The pipeline holds no per-request state,
/// so it stays usable after any failure.
///
/// Example:
/// ```swift
/// let pipeline = try PluginPipeline(model: model, registry: BuiltinPlugins.registry)
/// let response = try pipeline.infer(.bytes(png))   // .json(["topk": [...]])
/// ```
public struct PluginPipeline: Sendable {
    /// The plugins, in manifest order.
    public let plugins: [ResolvedPlugin]
    /// Monitor errors so far (each is also logged).
    public var monitorFailures: Int { failures.value }
    private let runModel: @Sendable ([String: Tensor]) throws -> [String: Tensor]
    private let failures = Counter()

    private let logger: Logger

    /// A pipeline around `runModel` with already resolved `plugins`, logging monitor failures
    /// to `logger` (by default `bale.plugins`).
    public init(
        plugins: [ResolvedPlugin], logger: Logger = Logger(label: "bale.plugins"),
        runModel: @escaping @Sendable ([String: Tensor]) throws -> [String: Tensor]
    ) {
        self.plugins = plugins
        self.logger = logger
        self.runModel = runModel
    }

    /// Resolves the plugins `model`'s manifest declares, with the assets its bundle holds.
    /// - Throws: a ``PluginError`` naming the plugin (and key) that is unknown or misconfigured.
    public init(model: BundledModel, registry: PluginRegistry) throws(PluginError) {
        let manifest = model.info.manifest
        let plugins = try registry.resolve(
            manifest.plugins, files: model.pluginFiles, inputs: model.graph.inputs, outputs: model.graph.outputs,
            model: ModelIdentity(name: manifest.name, version: manifest.version))
        let executor = model.executor
        self.init(plugins: plugins) { feeds in try executor.run(feeds) }
    }

    /// Whether any plugin runs in `stage`.
    public func has(_ stage: PluginStage) -> Bool { plugins.contains { $0.stage == stage } }

    /// Runs one inference.
    /// - Parameters:
    ///   - request: a raw request (JSON or bytes) for the preprocess chain, or the model's input
    ///     tensors, which skip it.
    ///   - postprocess: whether to run the postprocess chain (else the response is the outputs).
    ///   - requestID: the caller's id for the request, handed to monitors so that ground truth
    ///     given later with ``feedback(requestID:label:)`` can be joined with this prediction.
    /// - Returns: the response: what the last postprocess plugin returned, or the output tensors.
    /// - Throws: a ``PluginError`` naming the plugin, or `model`, that failed.
    public func infer(_ request: Payload, postprocess: Bool = true, requestID: String? = nil) throws(PluginError) -> Payload {
        var record = InferenceRecord(request: request, requestID: requestID)
        defer { notifyMonitors(record) }
        do throws(PluginError) {
            var payload = request
            if case .tensors = request {} else {
                payload = try runChain(.preprocess, on: payload, record: &record)
            }
            guard case .tensors(let inputs) = payload else {
                throw PluginError("the request is \(payload.kind), but the model takes tensors: declare a preprocess plugin (e.g. image, normalize) that makes them, or give tensors directly")
            }
            record.inputs = inputs
            let outputs = try timed("model", stage: nil, record: &record) { () throws(PluginError) in
                do { return try runModel(inputs) } catch { throw PluginError("model: \(error)") }
            }
            record.outputs = outputs
            let response = postprocess ? try runChain(.postprocess, on: .tensors(outputs), record: &record) : .tensors(outputs)
            record.response = response
            return response
        } catch {
            record.error = error
            throw error
        }
    }

    /// Runs the plugins of `stage` in order, each on what the previous returned.
    private func runChain(_ stage: PluginStage, on payload: Payload, record: inout InferenceRecord) throws(PluginError) -> Payload {
        var payload = payload
        for plugin in plugins where plugin.stage == stage {
            let input = payload
            payload = try timed(plugin.name, stage: stage, record: &record) { () throws(PluginError) in
                try PluginError.naming(plugin.name, "\(stage) failed") {
                    switch plugin.instance {
                    case .preprocess(let p): try p.preprocess(input)
                    case .postprocess(let p): try p.postprocess(input)
                    case .monitor: input
                    }
                }
            }
        }
        return payload
    }

    /// Runs `body`, recording its duration under `name` even when it throws.
    private func timed<T>(
        _ name: String, stage: PluginStage?, record: inout InferenceRecord, _ body: () throws(PluginError) -> T
    ) throws(PluginError) -> T {
        let start = ContinuousClock.now
        defer { record.timings.append(InferenceRecord.Timing(stage: stage, name: name, duration: ContinuousClock.now - start)) }
        return try body()
    }

    /// Hands `record` to every monitor; their errors are logged and counted, never rethrown.
    private func notifyMonitors(_ record: InferenceRecord) {
        for plugin in plugins {
            guard case .monitor(let monitor) = plugin.instance else { continue }
            do {
                try monitor.observe(record)
            } catch {
                failures.increment()
                logger.error("monitor plugin failed; the inference result is unchanged", metadata: [
                    "plugin": "\(plugin.name)", "error": "\(error)",
                ])
            }
        }
    }
}

extension PluginPipeline {
    /// Hands the true `label` of the earlier request `requestID` (given to
    /// ``infer(_:postprocess:requestID:)``) to every ``FeedbackMonitor``.
    /// - Returns: each feedback monitor's figures by plugin name; a monitor that held no
    ///   prediction for `requestID` is left out.
    /// - Throws: a ``PluginError`` naming the monitor that refused the feedback (e.g. an
    ///   unknown label); unlike ``MonitorPlugin/observe(_:)``, the caller asked for this.
    public func feedback(requestID: String, label: String) throws(PluginError) -> [String: JSONValue] {
        var figures: [String: JSONValue] = [:]
        for plugin in plugins {
            guard case .monitor(let monitor as any FeedbackMonitor) = plugin.instance else { continue }
            figures[plugin.name] = try PluginError.naming(plugin.name, "feedback failed") {
                try monitor.feedback(requestID: requestID, label: label)
            }
        }
        return figures
    }
}
