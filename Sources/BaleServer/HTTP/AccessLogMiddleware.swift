import BalePlugins
import HTTPTypes
import Hummingbird
import Logging

/// Logs one structured line per request (method, path, status, duration, bytes) to the
/// `bale.access` logger, and turns Hummingbird's own errors (no such route, body too large)
/// into the protocol's JSON error body.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger = Logger(label: "bale.access")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = HTTPResponse.Status.internalServerError
        defer {
            logger.info("request", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status.code)",
                "duration_ms": "\(((ContinuousClock.now - start).inSeconds * 1e6).rounded() / 1e3)",
                "request_bytes": "\(request.headers[.contentLength] ?? "-")",
            ])
        }
        do {
            let response = try await next(request, context)
            status = response.status
            return response
        } catch let error as ServeError {
            status = error.status
            throw error
        } catch let error as any HTTPResponseError {
            status = error.status
            let message = switch error.status {
            case .notFound: "no endpoint \(request.method) \(request.uri.path)"
            case .contentTooLarge: "the request body is too large"
            default: "\(error)"
            }
            throw ServeError(error.status, message)
        }
    }
}
