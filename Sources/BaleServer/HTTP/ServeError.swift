import BaleBundle
public import HTTPTypes
public import Hummingbird

/// A request the sidecar refuses or could not answer: an HTTP status and a one-line message,
/// sent as the Open Inference Protocol's error body `{"error": "..."}`.
public struct ServeError: HTTPResponseError, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, naming the field, input or model at fault.
    public var message: String
    /// Seconds the client should wait before retrying (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    /// An error answered with `status`.
    public init(_ status: HTTPResponse.Status, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status.code) \(message)" }

    /// A 400 for a malformed or inconsistent request.
    public static func badRequest(_ message: String) -> ServeError { ServeError(.badRequest, message) }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(.object(["error": .string(message)]), status: status)
        if let retryAfterSeconds { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}

extension Response {
    /// A response carrying `value` as JSON (`Content-Type: application/json`).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(value.canonicalBytes, contentType: "application/json", status: status)
    }

    /// A response carrying `bytes` with `contentType`.
    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
