import Dispatch
import Foundation
@preconcurrency import FoundationNetworking
import Synchronization

/// One HTTP answer. For streamed downloads ``body`` holds only a refused answer's body.
struct HTTPResponse: Sendable {
    /// The status code.
    var status: Int
    /// Header fields by lowercased name.
    var headers: [String: String]
    /// The body (small answers only: errors, manifests, config blobs, tokens).
    var body: Data

    init(_ response: URLResponse?, body: Data) {
        let http = response as? HTTPURLResponse
        status = http?.statusCode ?? 0
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        headers = fields
        self.body = body
    }

    /// The value of header `name` (any case).
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// What a request sends.
enum RequestBody: Sendable {
    case empty
    /// Bytes in memory (manifests, config blobs, one chunk of a chunked upload).
    case data(Data)
    /// A whole file, streamed from disk by URLSession.
    case file(URL)
}

/// Blocking HTTP over FoundationNetworking's URLSession: the commands are synchronous, and no
/// extra HTTP stack (AsyncHTTPClient, swift-nio-ssl) is linked into `bale` for this.
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let configuration: URLSessionConfiguration

    /// A transport whose requests time out after `timeout` seconds without data.
    private let challenges = ChallengePassthrough()

    init(timeout: TimeInterval) {
        configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends `request` with `body` and waits for the whole answer.
    func send(_ request: URLRequest, body: RequestBody) throws(TransportFailure) -> HTTPResponse {
        let result = Mutex<Result<HTTPResponse, TransportFailure>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let challenges = self.challenges
        let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            let outcome: Result<HTTPResponse, TransportFailure> =
                if let challenged = challenges.interceptedChallenge(error) { .success(challenged) }
                else if let error { .failure(TransportFailure(error)) }
                else { .success(HTTPResponse(response, body: data ?? Data())) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        let task: URLSessionTask =
            switch body {
            case .empty: session.dataTask(with: request, completionHandler: handler)
            case .data(let data): session.uploadTask(with: request, from: data, completionHandler: handler)
            case .file(let url): session.uploadTask(with: request, fromFile: url, completionHandler: handler)
            }
        task.resume()
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// Sends `request` and hands the body to `write` piece by piece as it arrives, when `accept`
    /// says yes to the status; otherwise the body is kept (for the error message) in the answer.
    ///
    /// `accept` and `write` run on URLSession's delegate queue while this thread waits, one call
    /// at a time. A `write` that throws cancels the transfer and the error is thrown here.
    func stream(
        _ request: URLRequest, accept: @escaping (HTTPResponse) -> Bool, write: @escaping (Data) throws -> Void
    ) throws -> HTTPResponse {
        let delegate = StreamDelegate(accept: accept, write: write)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let streaming = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { streaming.finishTasksAndInvalidate() }
        streaming.dataTask(with: request).resume()
        delegate.done.wait()
        if let challenged = delegate.challenges.interceptedChallenge(delegate.failure) { return challenged }
        if let failure = delegate.failure { throw failure is RegistryError ? failure : TransportFailure(failure) }
        return delegate.response ?? HTTPResponse(nil, body: Data())
    }
}

/// A failed connection (refused, reset, timed out), before any HTTP answer.
struct TransportFailure: Error {
    let message: String

    init(_ error: any Error) { message = (error as NSError).localizedDescription }
}

/// Turns a Basic challenge that FoundationNetworking intercepts back into the 401 answer it was.
///
/// FoundationNetworking answers `WWW-Authenticate: Basic` itself: without a delegate the request
/// hangs waiting for credentials, and refusing the challenge cancels the task. So the challenge
/// is refused, its realm remembered, and the cancelled request reported as a 401 with that
/// challenge, which ``RegistryClient`` answers itself (Bearer challenges arrive unchanged).
private final class ChallengePassthrough: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private let realm = Mutex<String?>(nil)

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @Sendable @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        realm.withLock { $0 = challenge.protectionSpace.realm ?? "" }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// The 401 a request cancelled by a Basic challenge got, once; nil for other failures.
    func interceptedChallenge(_ error: (any Error)?) -> HTTPResponse? {
        guard let error, (error as NSError).code == NSURLErrorCancelled, let realm = realm.withLock({ value in defer { value = nil }; return value }) else {
            return nil
        }
        var response = HTTPResponse(nil, body: Data())
        response.status = 401
        response.headers = ["www-authenticate": "Basic realm=\"\(realm)\""]
        return response
    }
}

/// Receives a streamed answer. Its state is touched only on the session's serial delegate queue
/// and read by the waiting thread after `done` is signalled, hence the unchecked `Sendable`.
private final class StreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let accept: (HTTPResponse) -> Bool
    private let write: (Data) throws -> Void
    private(set) var response: HTTPResponse?
    private(set) var failure: (any Error)?
    private var accepted = false
    /// Basic challenges, handled as for ``HTTPTransport/send(_:body:)`` (a delegate of its own:
    /// subclassing would keep the superclass's `URLSessionTaskDelegate` witnesses, the no-op
    /// `didCompleteWithError` among them).
    let challenges = ChallengePassthrough()

    init(accept: @escaping (HTTPResponse) -> Bool, write: @escaping (Data) throws -> Void) {
        self.accept = accept
        self.write = write
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @Sendable @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        receive(response)
        completionHandler(.allow)
    }

    /// Decides once, on the answer's head, whether its body goes to `write`.
    private func receive(_ head: URLResponse?) {
        guard response == nil else { return }
        let answer = HTTPResponse(head, body: Data())
        response = answer
        accepted = accept(answer)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        receive(dataTask.response)
        guard failure == nil else { return }
        guard accepted else {
            // Keep the start of a refused answer's body for the error message.
            if let count = response?.body.count, count < 4096 { response?.body.append(data.prefix(4096 - count)) }
            return
        }
        do {
            try write(data)
        } catch {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @Sendable @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        challenges.urlSession(session, task: task, didReceive: challenge, completionHandler: completionHandler)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        receive(task.response)
        if failure == nil, let error { failure = error }
        done.signal()
    }
}
