import HTTPTypes
import BaleBundle
import BalePlugins
import BaleRuntime
import Hummingbird
import NIOCore
import Synchronization

/// `POST /v2/models/{name}[/versions/{version}]/infer` and `.../feedback`.
final class InferenceEndpoint: Sendable {
    let repository: ModelRepository
    let metrics: ServerMetrics
    let options: ServerOptions
    private let requestCounter = Atomic<Int>(0)

    init(repository: ModelRepository, metrics: ServerMetrics, options: ServerOptions) {
        self.repository = repository
        self.metrics = metrics
        self.options = options
    }

    static let headerLengthField = HTTPField.Name("Inference-Header-Content-Length")!

    func infer(_ request: Request, name: String, version: String?) async throws(ServeError) -> Response {
        let finished = metrics.requestStarted()
        defer { finished() }
        let start = ContinuousClock.now
        var served: ServedModel?
        var outcome: InferenceQueue.Outcome?
        do throws(ServeError) {
            let model = try repository.model(name, version: version)
            served = model
            let body = try await Self.body(of: request, limit: options.maxBodyBytes)
            let decoded = try InferRequest(
                body: body, headerLength: request.headers[Self.headerLengthField], contentType: Self.mediaType(request),
                graph: model.model.graph, acceptsRaw: model.acceptsRaw)
            let requestID = decoded.id ?? "bale-\(requestCounter.wrappingAdd(1, ordering: .relaxed).newValue)"
            var rows = 1
            if case .tensors(let tensors) = decoded.payload { rows = BenchmarkInputs.batch(of: tensors, for: model.model.graph) }
            let ran = try await model.queue.submit(
                PluginPipeline.Request(decoded.payload, postprocess: decoded.isRaw, requestID: requestID), rows: rows, timeout: options.requestTimeout
            ).get()
            outcome = ran
            let payload: Payload
            switch ran.response {
            case .success(let value): payload = value
            case .failure(let error): throw Self.status(of: error)
            }
            var echoed = decoded
            echoed.id = requestID
            let encoded = try InferResponse(payload, to: echoed, model: model.name, version: model.version, outputOrder: model.outputOrder)
            var headers: HTTPFields = [:]
            if let length = encoded.headerLength { headers[Self.headerLengthField] = String(length) }
            let response = Response.bytes(
                encoded.body, contentType: encoded.headerLength == nil ? "application/json" : "application/octet-stream", headers: headers)
            record(served: served, status: 200, start: start, outcome: outcome)
            return response
        } catch {
            record(served: served, status: Int(error.status.code), start: start, outcome: outcome)
            throw error
        }
    }

    /// `POST /v2/models/{name}/feedback`: `{"id": "<request id>", "label": "<label>" | <index>}`
    /// hands the true label of an earlier request to the model's feedback monitors.
    func feedback(_ request: Request, name: String) async throws -> Response {
        let model = try repository.model(name)
        guard model.pipeline.takesFeedback else {
            throw ServeError.badRequest("model '\(name)' has no feedback monitor; build it with --plugin quality")
        }
        let body = try await Self.body(of: request, limit: 1 << 16)
        guard case .object(let object)? = try? JSONParser().parse(body) else {
            throw ServeError.badRequest("the feedback must be a JSON object {\"id\": \"<request id>\", \"label\": \"<label>\"}")
        }
        guard case .string(let id)? = object["id"] else { throw ServeError.badRequest("field 'id' must be the request's id (a string)") }
        let label: String
        switch object["label"] {
        case .string(let text)?: label = text
        case .number(let n)? where n == n.rounded() && abs(n) < 1e15: label = String(Int(n))
        default: throw ServeError.badRequest("field 'label' must be a string or a whole number")
        }
        let figures: [String: JSONValue]
        do {
            figures = try model.pipeline.feedback(requestID: id, label: label)
        } catch {
            throw ServeError.badRequest(error.description)
        }
        guard !figures.isEmpty else {
            throw ServeError(.notFound, "model '\(name)': no recent prediction has request id '\(id)'")
        }
        return Response.json(.object(["id": .string(id), "feedback": .object(figures)]))
    }

    /// Counts the request under its model, or under model "" when it named none being served
    /// (so a client cannot grow the metrics with made-up names).
    private func record(served: ServedModel?, status: Int, start: ContinuousClock.Instant, outcome: InferenceQueue.Outcome?) {
        metrics.inferenceFinished(
            model: served?.name ?? "", version: served?.version ?? "", status: status, total: ContinuousClock.now - start, queued: outcome?.queued,
            compute: outcome?.compute)
    }

    /// A failed inference as an HTTP error: the request's fault (400) unless the model or a
    /// postprocess plugin failed on inputs that passed the checks (500).
    private static func status(of error: PluginError) -> ServeError {
        let serverSide = error.message.hasPrefix("model:") || error.message.contains("postprocess failed")
        return ServeError(serverSide ? .internalServerError : .badRequest, error.message)
    }

    /// The request's `Content-Type` without parameters, lower-cased.
    static func mediaType(_ request: Request) -> String? {
        request.headers[.contentType].map { String($0.split(separator: ";", omittingEmptySubsequences: false)[0].filter { $0 != " " && $0 != "\t" }).lowercased() }
    }

    /// The whole body, refusing more than `limit` bytes (413) and compressed bodies (415).
    static func body(of request: Request, limit: Int) async throws(ServeError) -> [UInt8] {
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw ServeError(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported; send the body uncompressed")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServeError(.contentTooLarge, "the request body of \(length) bytes is over the limit of \(limit) bytes")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServeError(.contentTooLarge, "the request body is over the limit of \(limit) bytes")
        } catch {
            throw ServeError.badRequest("reading the request body failed: \(error)")
        }
    }
}
