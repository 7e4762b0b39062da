import AsyncHTTPClient
import BaleBundle
@testable import BaleRegistry
import BaleTesting
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The HTTP transport against a live Hummingbird server on 127.0.0.1: redirects, streamed
/// uploads and downloads, limits. Client calls block, so they run on a Dispatch thread.
@Suite struct TransportTests {
    @Test func redirectToAnotherHostDropsAuthorization() async throws {
        let (other, same, seen) = try await withServer { server in
            let transport = HTTPTransport(timeout: 10, host: "127.0.0.1", secure: false, environment: [:])
            defer { transport.shutdown() }
            let other = try transport.send(server.request("/redirect/localhost", authorization: "Bearer secret"), body: .empty)
            let same = try transport.send(server.request("/redirect/127.0.0.1", authorization: "Bearer secret"), body: .empty)
            return (other.status, same.status, server.seen.withLockedValue { $0 })
        }
        #expect(other == 200 && same == 200)
        #expect(seen["localhost"] == .some(nil))
        #expect(seen["127.0.0.1"] == "Bearer secret")
    }

    @Test func downloadOverTheLimitStopsEarly() async throws {
        let directory = TemporaryDirectory()
        let destination = directory.file("endless.bale")
        let (error, chunks) = try await withServer { server in
            let url = server.request("/endless").url.absoluteString
            let error = Result { try URLDownload.fetch(url, to: destination, limit: 1 << 20, timeout: 10, environment: [:]) }
            // The server stops once the connection is gone, far short of the 1 GiB it offers.
            for _ in 0..<50 where !server.endlessDone.withLockedValue({ $0 }) { usleep(100_000) }
            return (error, server.endlessDone.withLockedValue { $0 } ? server.endlessChunks.withLockedValue { $0 } : Int.max)
        }
        let message = #expect(throws: RegistryError.self) { try error.get() }?.message ?? ""
        #expect(message.hasSuffix("is over the limit of 1 MiB"), "\(message)")
        let written = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? -1
        #expect(written <= 1 << 20)
        #expect(chunks < TestServer.endlessChunkCount / 4)
    }

    @Test func fileBodyIsStreamedWithItsLength() async throws {
        let directory = TemporaryDirectory()
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = directory.write("blob", bytes)
        let response = try await withServer { server in
            // AsyncHTTPClient reads a streamed body on a task of the cooperative pool, which other
            // suites' blocking tests may hold for a while: a generous timeout.
            let transport = HTTPTransport(timeout: 300, host: "127.0.0.1", secure: false, environment: [:])
            defer { transport.shutdown() }
            var put = server.request("/upload")
            put.method = "PUT"
            return try transport.send(put, body: .file(URL(fileURLWithPath: path), size: UInt64(bytes.count)))
        }
        #expect(response.status == 201)
        #expect(String(decoding: response.body, as: UTF8.self) == "\(bytes.count) \(SHA256Digest.hex(of: Data(bytes)))")
    }

    @Test func refusedConnectionIsATransportError() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("x.bale")
        // On a Dispatch thread: the blocking transport needs a free thread of the cooperative pool.
        let error = await withCheckedContinuation { (continuation: CheckedContinuation<RegistryError?, Never>) in
            DispatchQueue.global().async {
                do {
                    try URLDownload.fetch("http://127.0.0.1:1/x.bale", to: path, limit: 1 << 20, timeout: 5, environment: [:])
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error as? RegistryError)
                }
            }
        }
        #expect(error?.code == .transport)
    }

    @Test func proxyComesFromTheEnvironment() {
        let settings = ProxySettings(environment: [
            "https_proxy": "http://ann:p%40ss@proxy.example:3128", "http_proxy": "proxy.example", "NO_PROXY": "internal, .corp.example",
        ])
        #expect(settings.proxy(forHost: "registry.example.com", secure: true) == .server(
            host: "proxy.example", port: 3128, authorization: .basic(username: "ann", password: "p@ss")))
        #expect(settings.proxy(forHost: "registry.example.com", secure: false) == .server(host: "proxy.example", port: 80))
        #expect(settings.proxy(forHost: "internal", secure: true) == nil)
        #expect(settings.proxy(forHost: "a.corp.example", secure: true) == nil)
        #expect(settings.proxy(forHost: "127.0.0.1", secure: false) == nil)
        #expect(ProxySettings(environment: ["HTTP_PROXY": "http://cgi:1"]).proxy(forHost: "h", secure: false) == nil)
        #expect(ProxySettings(environment: ["ALL_PROXY": "socks5://s:1081"]).proxy(forHost: "h", secure: true) == .socksServer(host: "s", port: 1081))
    }
}

// MARK: - Server

/// What the test server saw, and its address.
final class TestServer: Sendable {
    static let endlessChunkCount = 4096
    let port = NIOLockedValueBox(0)
    /// The `Authorization` the redirect target got, by the host the client named.
    let seen = NIOLockedValueBox<[String: String?]>([:])
    let endlessChunks = NIOLockedValueBox(0)
    let endlessDone = NIOLockedValueBox(false)

    /// A GET of `path` on this server.
    func request(_ path: String, authorization: String? = nil) -> RegistryRequest {
        let port = port.withLockedValue { $0 }
        return RegistryRequest("GET", URL(string: "http://127.0.0.1:\(port)\(path)")!, headers: authorization.map { ["Authorization": $0] } ?? [:])
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        // Sends the client to /target on HOST, the same port.
        router.get("/redirect/:host") { _, context in
            let host = try context.parameters.require("host")
            return Response(status: .temporaryRedirect, headers: [.location: "http://\(host):\(self.port.withLockedValue { $0 })/target"])
        }
        router.get("/target") { request, _ in
            let host = String((request.head.authority ?? "").prefix { $0 != ":" })
            self.seen.withLockedValue { $0[host] = .some(request.headers[.authorization]) }
            return "ok"
        }
        // 1 GiB in 256 KiB pieces, no Content-Length; counts what it managed to write.
        router.get("/endless") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                defer { self.endlessDone.withLockedValue { $0 = true } }
                let piece = ByteBuffer(repeating: 7, count: 256 << 10)
                for _ in 0..<Self.endlessChunkCount {
                    try await writer.write(piece)
                    self.endlessChunks.withLockedValue { $0 += 1 }
                }
                try await writer.finish(nil)
            })
        }
        router.put("/upload") { request, _ -> Response in
            var digest = SHA256Digest()
            var count = 0
            for try await buffer in request.body {
                buffer.withUnsafeReadableBytes { digest.update($0) }
                count += buffer.readableBytes
            }
            return Response(status: .created, body: ResponseBody(byteBuffer: ByteBuffer(string: "\(count) \(digest.finalize())")))
        }
        return router
    }
}

/// Runs `body` on a Dispatch thread (it blocks) while a ``TestServer`` listens on 127.0.0.1.
func withServer<T: Sendable>(_ body: @escaping @Sendable (TestServer) throws -> T) async throws -> T {
    let server = TestServer()
    var logger = Logger(label: "registry-transport-test")
    logger.logLevel = .critical
    let running = AsyncStream<Void>.makeStream()
    let app = Application(
        router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            server.port.withLockedValue { $0 = channel.localAddress?.port ?? 0 }
            running.continuation.yield()
        }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        // The server runs off the cooperative pool: other suites' blocking tests can hold every pool
        // thread for longer than the client's read timeout.
        group.addTask(executorPreference: QueueExecutor(label: "registry-transport-test.server")) { try await app.runService() }
        for await _ in running.stream { break }
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { try body(server) }) }
        }
        group.cancelAll()
        return try result.get()
    }
}
