public import Foundation
import NIOConcurrencyHelpers

/// A client for one repository of an OCI registry (OCI distribution spec v1.1), with basic and
/// bearer-token auth. Requests block (call them from a plain thread, not from a task); blobs
/// stream from and to disk. The client owns one connection pool: ``shutdown()`` it when done.
///
/// Example:
/// ```swift
/// let ref = try Reference("oci://127.0.0.1:5000/models/digits:1.0")
/// let client = RegistryClient(reference: ref, credentials: nil, actions: .pull)
/// defer { client.shutdown() }
/// let (manifest, digest) = try client.fetchManifest()
/// ```
public final class RegistryClient: Sendable {
    /// What the client will do, which decides the scope it asks a token server for.
    public enum Actions: String, Sendable {
        /// Read manifests and blobs.
        case pull
        /// Read and write.
        case push = "pull,push"
    }

    /// The reference this client reads or writes.
    public let reference: Reference
    /// Blobs larger than this are uploaded in PATCH chunks of this size; smaller ones in one PUT.
    public let chunkSize: Int
    let baseURL: URL
    let credentials: Credentials?
    let actions: Actions
    let transport: HTTPTransport
    /// The `Authorization` value that last worked (or was obtained from a challenge).
    private let authorization = NIOLockedValueBox<String?>(nil)

    /// Creates a client.
    /// - Parameters:
    ///   - reference: the repository (and tag or digest) to work on.
    ///   - credentials: for basic auth or the token server; nil for anonymous access.
    ///   - actions: `.pull`, or `.push` to upload.
    ///   - plainHTTP: speak `http://` even to a host that is not loopback (loopback always does).
    ///   - chunkSize: the PATCH chunk size for large blobs (default 16 MiB).
    ///   - timeout: seconds without connecting, sending or receiving before a request fails.
    ///   - environment: where the proxy variables are read (``ProxySettings``).
    public init(
        reference: Reference, credentials: Credentials?, actions: Actions, plainHTTP: Bool = false,
        chunkSize: Int = 16 << 20, timeout: TimeInterval = 60, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.reference = reference
        self.credentials = credentials
        self.actions = actions
        self.chunkSize = chunkSize
        let secure = !(plainHTTP || Self.isLoopback(reference.registry))
        baseURL = URL(string: "\(secure ? "https" : "http")://\(reference.registry)/v2/\(reference.repository)/")!
        transport = HTTPTransport(timeout: timeout, host: Self.hostName(reference.registry), secure: secure, environment: environment)
    }

    /// Closes the client's connections; later requests fail. Safe to call more than once.
    public func shutdown() { transport.shutdown() }

    /// `registry HOST, repository REPO`, the prefix of every error.
    var site: String { "registry \(reference.registry), repository \(reference.repository)" }

    // MARK: - Requests

    /// A `method` request for `url` with `headers`.
    func request(_ method: String, _ url: URL, headers: [String: String] = [:]) -> RegistryRequest {
        RegistryRequest(method, url, headers: headers)
    }

    /// `path` resolved against the repository's API root, e.g. `blobs/sha256:…`.
    func url(_ path: String) -> URL { URL(string: path, relativeTo: baseURL)!.absoluteURL }

    /// Sends a request, authenticating once when the registry answers 401, and checks the
    /// status is one of `expected`.
    func perform(_ request: RegistryRequest, body: RequestBody = .empty, expected: Set<Int>) throws(RegistryError) -> HTTPResponse {
        let response = try authorized(request) { request throws(RegistryError) in
            do throws(TransportFailure) { return try transport.send(request, body: body) } catch { throw transportError(error.message) }
        }
        guard expected.contains(response.status) else { throw httpError(request, response) }
        return response
    }

    /// Runs `attempt` with the current `Authorization`; on a 401 answers the challenge and
    /// runs it once more.
    func authorized(_ request: RegistryRequest, _ attempt: (RegistryRequest) throws(RegistryError) -> HTTPResponse) throws(RegistryError) -> HTTPResponse {
        var response = try attempt(withAuthorization(request))
        if response.status == 401 {
            try answerChallenge(response, to: request)
            response = try attempt(withAuthorization(request))
            if response.status == 401 {
                let who = credentials.map { "user '\($0.username)'" } ?? "anonymous access"
                throw RegistryError(.unauthorized, "\(site): \(who) is not allowed to \(actions.rawValue) (401: \(Self.summary(of: response.body)))")
            }
        }
        return response
    }

    private func withAuthorization(_ request: RegistryRequest) -> RegistryRequest {
        var request = request
        if let value = authorization.withLockedValue({ $0 }) { request.setValue(value, forHTTPHeaderField: "Authorization") }
        return request
    }

    // MARK: - Auth

    private func answerChallenge(_ response: HTTPResponse, to request: RegistryRequest) throws(RegistryError) {
        guard let header = response.header("WWW-Authenticate"), let challenge = AuthChallenge(header: header) else {
            throw httpError(request, response)
        }
        switch challenge.scheme {
        case "basic":
            guard let credentials else {
                throw RegistryError(.unauthorized, "\(site): the registry asks for a user name and password; pass --username and --password-file (or set \(Credentials.usernameVariable) and \(Credentials.passwordVariable))")
            }
            authorization.withLockedValue { $0 = credentials.basicAuthorization }
        case "bearer":
            let token = try fetchToken(challenge)
            authorization.withLockedValue { $0 = "Bearer " + token }
        default:
            throw RegistryError(.unauthorized, "\(site): unsupported auth scheme '\(challenge.scheme)' (Bale speaks Basic and Bearer)")
        }
    }

    /// The request to a token server for `challenge`, with basic auth when there are credentials.
    public static func tokenRequest(for challenge: AuthChallenge, repository: String, actions: Actions, credentials: Credentials?) -> RegistryRequest? {
        guard let url = challenge.tokenURL(fallbackScope: "repository:\(repository):\(actions.rawValue)") else { return nil }
        var request = RegistryRequest("GET", url)
        if let credentials { request.setValue(credentials.basicAuthorization, forHTTPHeaderField: "Authorization") }
        return request
    }

    private func fetchToken(_ challenge: AuthChallenge) throws(RegistryError) -> String {
        guard let request = Self.tokenRequest(for: challenge, repository: reference.repository, actions: actions, credentials: credentials) else {
            throw RegistryError(.unauthorized, "\(site): bearer challenge without a usable realm: \(challenge.parameters)")
        }
        let response: HTTPResponse
        do throws(TransportFailure) { response = try transport.send(request, body: .empty) } catch { throw transportError(error.message) }
        guard response.status == 200 else {
            throw RegistryError(.unauthorized, "\(site): token server \(request.url.host ?? "?") answered \(response.status): \(Self.summary(of: response.body))")
        }
        guard let token = Self.token(from: response.body) else {
            throw RegistryError(.unauthorized, "\(site): token server \(request.url.host ?? "?") sent no token: \(Self.summary(of: response.body))")
        }
        return token
    }

    /// The token in a token server's JSON answer (`token`, or OAuth2's `access_token`).
    static func token(from body: Data) -> String? {
        struct Answer: Decodable {
            var token: String?
            var access_token: String?
        }
        let answer = try? JSONDecoder().decode(Answer.self, from: body)
        return answer?.token ?? answer?.access_token
    }

    // MARK: - Errors

    func httpError(_ request: RegistryRequest, _ response: HTTPResponse) -> RegistryError {
        let body = Self.summary(of: response.body)
        return RegistryError(.http, "\(site): \(request.method) \(request.pathAndQuery) answered \(response.status)\(body.isEmpty ? "" : ": " + body)")
    }

    func transportError(_ message: String) -> RegistryError {
        RegistryError(.transport, "\(site): cannot reach the registry: \(message)")
    }

    /// The body as one line of at most 300 characters.
    static func summary(of body: Data) -> String {
        let text = String(decoding: body.prefix(2048), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    static func isLoopback(_ registry: String) -> Bool {
        isLoopbackHost(hostName(registry))
    }

    /// Whether `host` (no port, no brackets) is this machine: plain http:// and no proxy.
    static func isLoopbackHost(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }

    /// The host of `HOST[:PORT]` or `[V6]:PORT`, without port or brackets.
    static func hostName(_ registry: String) -> String {
        registry.hasPrefix("[") ? String(registry.prefix { $0 != "]" }.dropFirst()) : String(registry.prefix { $0 != ":" })
    }
}
