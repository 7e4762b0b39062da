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
        try infer(batch: [Request(request, postprocess: postprocess, requestID: requestID)])[0].get()
    }

    /// One request of ``infer(batch:)``.
    public struct Request: Sendable {
        /// The raw request or the model's input tensors (see ``PluginPipeline/infer(_:postprocess:requestID:)``).
        public var payload: Payload
        /// Whether to run the postprocess chain.
        public var postprocess: Bool
        /// The caller's id for the request, for monitors and feedback.
        public var requestID: String?

        /// A request of `payload`.
        public init(_ payload: Payload, postprocess: Bool = true, requestID: String? = nil) {
            self.payload = payload
            self.postprocess = postprocess
            self.requestID = requestID
        }
    }

    /// Runs several requests with one model execution (dynamic batching): each request is
    /// preprocessed on its own, the model inputs of those that got that far are joined along
    /// the first axis and run once, and the outputs are split back for each request's
    /// postprocess chain and monitors. When the inputs cannot be joined (different shapes or
    /// types) or the outputs do not follow the batch, the model runs once per request.
    /// - Returns: one result per request, in order; a failure fails only its own request
    ///   (a model failure fails every request of the run that failed).
    public func infer(batch requests: [Request]) -> [Result<Payload, PluginError>] {
        var records = requests.map { InferenceRecord(request: $0.payload, requestID: $0.requestID) }
        var results = [Result<Payload, PluginError>?](repeating: nil, count: requests.count)
        defer { records.forEach(notifyMonitors) }
        var ready: [Int] = []
        for index in requests.indices {
            do throws(PluginError) {
                records[index].inputs = try modelInputs(requests[index].payload, record: &records[index])
                ready.append(index)
            } catch {
                records[index].error = error
                results[index] = .failure(error)
            }
        }
        for (index, outcome) in zip(ready, executeModel(ready.map { records[$0].inputs! })) {
            records[index].timings.append(InferenceRecord.Timing(stage: nil, name: "model", duration: outcome.duration))
            do throws(PluginError) {
                let outputs = try outcome.outputs.get()
                records[index].outputs = outputs
                let response = requests[index].postprocess ? try runChain(.postprocess, on: .tensors(outputs), record: &records[index]) : .tensors(outputs)
                records[index].response = response
                results[index] = .success(response)
            } catch {
                records[index].error = error
                results[index] = .failure(error)
            }
        }
        return results.map { $0! }
    }

    /// The model's inputs for `request`: its tensors, or what the preprocess chain made of it.
    private func modelInputs(_ request: Payload, record: inout InferenceRecord) throws(PluginError) -> [String: Tensor] {
        let payload = if case .tensors = request { request } else { try runChain(.preprocess, on: request, record: &record) }
        guard case .tensors(let inputs) = payload else {
            throw PluginError("the request is \(payload.kind), but the model takes tensors: declare a preprocess plugin (e.g. image, normalize) that makes them, or give tensors directly")
        }
        return inputs
    }

    /// Runs the model on every feed set, joined into one execution when they can be; each
    /// outcome carries the duration of the execution that produced it.
    private func executeModel(_ feeds: [[String: Tensor]]) -> [(outputs: Result<[String: Tensor], PluginError>, duration: Duration)] {
        func once(_ feeds: [String: Tensor]) -> (outputs: Result<[String: Tensor], PluginError>, duration: Duration) {
            let start = ContinuousClock.now
            let outputs: Result<[String: Tensor], PluginError>
            do { outputs = .success(try runModel(feeds)) } catch { outputs = .failure(PluginError("model: \(error)")) }
            return (outputs, ContinuousClock.now - start)
        }
        if feeds.count > 1, let batch = TensorBatching.concatenate(feeds) {
            let joined = once(batch.feeds)
            switch joined.outputs {
            case .success(let outputs):
                if let pieces = TensorBatching.split(outputs, rows: batch.rows) {
                    return pieces.map { (.success($0), joined.duration) }
                }
            case .failure(let error):
                return feeds.map { _ in (.failure(error), joined.duration) }
            }
        }
        return feeds.map(once)
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
        for (name, monitor) in feedbackMonitors {
            figures[name] = try PluginError.naming(name, "feedback failed") {
                try monitor.feedback(requestID: requestID, label: label)
            }
        }
        return figures
    }

    /// Whether any plugin takes feedback (a ``FeedbackMonitor`` such as `quality`).
    public var takesFeedback: Bool { !feedbackMonitors.isEmpty }

    private var feedbackMonitors: [(name: String, monitor: any FeedbackMonitor)] {
        plugins.compactMap { plugin in
            guard case .monitor(let monitor as any FeedbackMonitor) = plugin.instance else { return nil }
            return (plugin.name, monitor)
        }
    }
}
