#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import AsyncHTTPClient
import Dispatch
public import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One HTTP request, before it is sent: what ``RegistryClient`` builds and tests inspect.
public struct RegistryRequest: Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The absolute URL.
    public var url: URL
    /// Header fields by lowercased name.
    public private(set) var headers: [String: String] = [:]

    /// A `method` request for `url` with `headers`.
    public init(_ method: String, _ url: URL, headers: [String: String] = [:]) {
        self.method = method
        self.url = url
        for (name, value) in headers { setValue(value, forHTTPHeaderField: name) }
    }

    /// The value of header `name` (any case).
    public func value(forHTTPHeaderField name: String) -> String? { headers[name.lowercased()] }

    /// Sets (or with nil removes) header `name`.
    public mutating func setValue(_ value: String?, forHTTPHeaderField name: String) { headers[name.lowercased()] = value }

    /// The path and query, for error messages.
    var pathAndQuery: String { url.path + (url.query.map { "?" + $0 } ?? "") }
}

/// One HTTP answer. For streamed downloads ``body`` holds only a refused answer's body.
struct HTTPResponse: Sendable {
    /// The status code.
    var status: Int
    /// Header fields by lowercased name (the first of repeated fields).
    var headers: [String: String]
    /// The body (small answers only: errors, manifests, config blobs, tokens).
    var body: Data

    init(status: Int, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        var fields: [String: String] = [:]
        for (name, value) in headers where fields[name.lowercased()] == nil { fields[name.lowercased()] = value }
        self.headers = fields
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
    /// A whole file of `size` bytes, streamed from disk in 1 MiB pieces.
    case file(URL, size: UInt64)
}

/// Blocking HTTP over AsyncHTTPClient: the commands (and ``BundleFetcher``) are synchronous, so
/// each call runs the request on a task and waits for it on the calling thread, which must not
/// be one of the concurrency pool's (the main thread of a command, a Dispatch thread in the
/// sidecar). AsyncHTTPClient brings SwiftNIO and BoringSSL, which `bale` links anyway for
/// Hummingbird and swift-crypto, instead of FoundationNetworking's libcurl, OpenSSL, GnuTLS,
/// Kerberos and LDAP.
///
/// One transport (one connection pool) serves one command; ``shutdown()`` closes it.
/// Redirects are followed (up to 10); AsyncHTTPClient drops `Authorization` when one leads to
/// another scheme, host or port (a registry sending blob GETs to storage, for instance).
final class HTTPTransport: Sendable {
    private let client: HTTPClient
    private let isShutDown = NIOLockedValueBox(false)

    /// Largest body ``send(_:body:)`` keeps in memory.
    static let maxBufferedBody = 64 << 20

    /// A transport whose requests fail after `timeout` seconds without connecting, reading or
    /// writing, through the proxy the environment names for `host` (see ``ProxySettings``).
    init(timeout: TimeInterval, host: String, secure: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let idle = TimeAmount.milliseconds(Int64(timeout * 1000))
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        configuration.timeout = .init(connect: idle, read: idle, write: idle)
        // A refused connection fails the request at once, as curl did, instead of being retried
        // until the timeout: a command talks to one host, and says so when it cannot.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.proxy = ProxySettings(environment: environment).proxy(forHost: host, secure: secure)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connections and waits until they are closed. Later requests fail.
    func shutdown() {
        guard isShutDown.withLockedValue({ done in defer { done = true }; return !done }) else { return }
        try? client.syncShutdown()
    }

    deinit {
        // A transport dropped without shutdown() (an error path): close without waiting.
        if isShutDown.withLockedValue({ !$0 }) { _ = client.shutdown() }
    }

    /// Sends `request` with `body` and waits for the whole answer.
    func send(_ request: RegistryRequest, body: RequestBody) throws(TransportFailure) -> HTTPResponse {
        let client = self.client
        do {
            return try Self.blocking {
                let response = try await client.execute(Self.prepare(request, body: body), deadline: .distantFuture)
                let bytes = try await response.body.collect(upTo: Self.maxBufferedBody)
                return HTTPResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
            }
        } catch {
            throw TransportFailure(error)
        }
    }

    /// Sends `request` and hands the body to `write` piece by piece as it arrives, when `accept`
    /// says yes to the status; otherwise the start of the body is kept (for the error message) in
    /// the answer.
    ///
    /// The next piece is read from the network only once `write` has returned: a slow disk slows
    /// the download instead of filling memory. A `write` that throws cancels the transfer, and
    /// the error is thrown here (a ``RegistryError`` as it is, others as ``TransportFailure``).
    func stream(
        _ request: RegistryRequest, accept: @escaping @Sendable (HTTPResponse) -> Bool,
        write: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void
    ) throws -> HTTPResponse {
        let client = self.client
        do {
            return try Self.blocking {
                let response = try await client.execute(Self.prepare(request, body: .empty), deadline: .distantFuture)
                var answer = HTTPResponse(status: Int(response.status.code), headers: response.headers)
                if accept(answer) {
                    for try await buffer in response.body { try buffer.withUnsafeReadableBytes(write) }
                } else {
                    // Keep the start of a refused answer's body; leaving the loop cancels the rest.
                    for try await buffer in response.body {
                        answer.body.append(contentsOf: buffer.readableBytesView.prefix(4096 - answer.body.count))
                        if answer.body.count >= 4096 { break }
                    }
                }
                return answer
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw TransportFailure(error)
        }
    }

    /// The AsyncHTTPClient request for `request` and `body`.
    private static func prepare(_ request: RegistryRequest, body: RequestBody) throws -> HTTPClientRequest {
        var prepared = HTTPClientRequest(url: request.url.absoluteString)
        prepared.method = HTTPMethod(rawValue: request.method)
        // AsyncHTTPClient frames the body itself, from its known length.
        for (name, value) in request.headers where name != "content-length" { prepared.headers.add(name: name, value: value) }
        switch body {
        case .empty:
            break
        case .data(let data):
            prepared.body = .bytes(ByteBuffer(bytes: data))
        case .file(let url, let size):
            prepared.body = .stream(FileChunks(path: url.path), length: .known(Int64(size)))
        }
        return prepared
    }

    /// Runs `operation` on a task and blocks this thread until it is done. The task runs on a
    /// queue of its own, not on Swift's cooperative pool: a caller on a pool thread (a server
    /// handler on a one-core device, a test among blocking tests) would otherwise wait for a pool
    /// thread that may never come free. (A streamed upload body is still read on a pool task:
    /// AsyncHTTPClient starts one for it.)
    private static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let result = NIOLockedValueBox<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor(label: "bale.registry.transport")) {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await operation()) } catch { outcome = .failure(error) }
            result.withLockedValue { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLockedValue { $0! }.get()
    }
}

/// Runs jobs in order on one Dispatch queue, outside Swift's cooperative pool.
package final class QueueExecutor: TaskExecutor {
    private let queue: DispatchQueue

    package init(label: String) { queue = DispatchQueue(label: label) }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A file as 1 MiB buffers, read as the upload asks for them (so one piece is in memory at a
/// time). Each iteration opens the file again, so a redirected upload can send it once more.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    func makeAsyncIterator() -> Iterator { Iterator(path: path) }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        private var handle: FileHandle?
        private var finished = false

        init(path: String) { self.path = path }

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            if handle == nil {
                do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
                    throw RegistryError(.io, "cannot open '\(path)': \(error.localizedDescription)")
                }
            }
            let chunk: Data
            do { chunk = try handle?.read(upToCount: 1 << 20) ?? Data() } catch {
                throw RegistryError(.io, "cannot read '\(path)': \(error.localizedDescription)")
            }
            guard !chunk.isEmpty else {
                finished = true
                try? handle?.close()
                handle = nil
                return nil
            }
            return ByteBuffer(bytes: chunk)
        }
    }
}

/// A failed connection (refused, reset, timed out, TLS), before or during an HTTP answer.
struct TransportFailure: Error {
    let message: String

    init(_ error: any Error) {
        switch error {
        case let error as HTTPClientError where error == .readTimeout || error == .connectTimeout || error == .writeTimeout:
            message = "timed out (\(error))"
        case let error as RegistryError:
            message = error.message
        case let error as IOError:
            // NIO's own wording wraps the system's ("connection reset (error set): …").
            message = "\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"
        default:
            message = "\(error)"
        }
    }
}
