#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BaleBundle

/// A small blocking HTTP/1.1 client over POSIX sockets, for plain `http://` only: what
/// `bale deploy --to http://HOST:PORT` and the sidecar's URL pulls need, without linking an
/// HTTP client and TLS (AsyncHTTPClient, BoringSSL) into bale-runtime (issue 8).
///
/// One request per connection (`Connection: close`); bodies stream from a file in 1 MiB chunks,
/// and a response body streams to a sink. Chunked responses are refused.
package struct PlainHTTP: Sendable {
    /// Where requests go: `http://HOST[:PORT][/PREFIX]`.
    package let host: String
    package let port: UInt16
    /// The path prefix, without a trailing slash (`""` for none).
    package let prefix: String
    /// Seconds a send or a receive may wait for the other side.
    package var timeout = 600

    /// Parses `url`, which must be `http://HOST[:PORT][/PATH]`.
    package init(_ url: String) throws(DeployError) {
        guard url.hasPrefix("http://") else {
            throw DeployError("'\(url)' is not an http:// URL (https:// is not supported here; reach the server over loopback, a VPN or an SSH tunnel)")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        prefix = String(rest.dropFirst(authority.count)).trimmingSuffix("/")
        var hostPart = Substring(authority)
        var portNumber: UInt16 = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let value = UInt16(authority[authority.index(after: colon)...]) else { throw DeployError("'\(url)': the port is not a number from 0 to 65535") }
            portNumber = value
            hostPart = authority[..<colon]
        }
        if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = hostPart.dropFirst().dropLast() }
        guard !hostPart.isEmpty else { throw DeployError("'\(url)' names no host") }
        host = String(hostPart)
        port = portNumber
    }

    /// What a request sends after its head.
    package enum Body {
        case bytes([UInt8])
        /// A file, streamed; `sent` hears the bytes sent so far.
        case file(String, sent: (UInt64) -> Void)
    }

    /// A response head and, unless streamed elsewhere, its body.
    package struct Response: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var body: [UInt8]
    }

    /// Sends `method path` with `headers` and `body`; the response body goes to `sink` when the
    /// status is 2xx and a sink is given, else (up to 1 MiB) into the response.
    package func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: Body = .bytes([]),
        sink: ((UnsafeRawBufferPointer) throws(DeployError) -> Void)? = nil
    ) throws(DeployError) -> Response {
        let socket = try openConnection()
        defer { close(socket) }
        let length: UInt64
        switch body {
        case .bytes(let bytes): length = UInt64(bytes.count)
        case .file(let path, _): length = try bundleCall { () throws(BundleError) in try InputFile(path: path).status().size }
        }
        let target = prefix + path
        var head = "\(method) \(target.isEmpty ? "/" : target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(length)\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        // A server may answer before reading the whole body (a wrong token, a body too large):
        // then sending fails, and its answer is still there to read.
        do throws(DeployError) {
            try sendAll(socket, Array((head + "\r\n").utf8))
            switch body {
            case .bytes(let bytes): try sendAll(socket, bytes)
            case .file(let path, let sent):
                var done: UInt64 = 0
                try bundleCall { () throws(BundleError) in
                    try copyFile(path) { chunk throws(BundleError) in
                        do throws(DeployError) { try sendChunk(socket, chunk) } catch { throw BundleError(.io, error.message) }
                        done += UInt64(chunk.count)
                        sent(done)
                    }
                }
            }
        } catch {
            if let answer = try? receive(socket, sink: nil) { return answer }
            throw error
        }
        return try receive(socket, sink: sink)
    }

    /// Downloads with GET into the new file `destination`, refusing more than `limit` bytes;
    /// on failure removes it.
    package func download(to destination: String, limit: UInt64) throws(DeployError) {
        let out = try bundleCall { () throws(BundleError) in try OutputFile(creating: destination) }
        var received: UInt64 = 0
        do throws(DeployError) {
            let answer = try request("GET", "") { chunk throws(DeployError) in
                received += UInt64(chunk.count)
                guard received <= limit else { throw DeployError("\(site)\(prefix): the bundle is over the limit of \(formatBytes(limit))") }
                try bundleCall { () throws(BundleError) in try out.write(chunk) }
            }
            guard (200..<300).contains(answer.status) else {
                throw DeployError("\(site)\(prefix): \(answer.status) \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
            }
            try bundleCall { () throws(BundleError) in try out.syncAndClose() }
        } catch {
            removeFile(destination)
            throw error
        }
    }

    private var site: String { "http://\(host):\(port)" }

    private func openConnection() throws(DeployError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw DeployError("\(site): cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            var wait = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            #if canImport(Darwin)
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
            #endif
            if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno
            close(fd)
        }
        throw DeployError("\(site): cannot connect: \(String(cString: strerror(lastError)))")
    }

    private func sendAll(_ socket: Int32, _ bytes: [UInt8]) throws(DeployError) {
        try bytes.withBytes { (chunk) throws(DeployError) in try sendChunk(socket, chunk) }
    }

    private func sendChunk(_ socket: Int32, _ chunk: UnsafeRawBufferPointer) throws(DeployError) {
        #if canImport(Darwin)
        let flags: Int32 = 0
        #else
        let flags = Int32(MSG_NOSIGNAL)
        #endif
        var done = 0
        while done < chunk.count {
            let n = send(socket, chunk.baseAddress! + done, chunk.count - done, flags)
            if n < 0 {
                if errno == EINTR { continue }
                throw DeployError("\(site): sending failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Reads the answer: the head, then the body (by `Content-Length`, else to the end).
    private func receive(_ socket: Int32, sink: ((UnsafeRawBufferPointer) throws(DeployError) -> Void)?) throws(DeployError) -> Response {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var pending: [UInt8] = []
        var response: Response?
        var expected: UInt64?
        var received: UInt64 = 0
        func deliver(_ bytes: [UInt8], _ range: Range<Int>) throws(DeployError) {
            received += UInt64(range.count)
            if let sink, let status = response?.status, (200..<300).contains(status) {
                try bytes.withBytes { (all) throws(DeployError) in try sink(UnsafeRawBufferPointer(rebasing: all[range])) }
            } else if response!.body.count < 1 << 20 {
                response!.body.append(contentsOf: bytes[range].prefix((1 << 20) - response!.body.count))
            }
        }
        while expected.map({ received < $0 }) ?? true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DeployError("\(site): receiving the answer failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            guard response == nil else {
                try deliver(buffer, 0..<n)
                continue
            }
            pending += buffer[..<n]
            guard let end = Self.headEnd(pending) else {
                guard pending.count < 64 << 10 else { throw DeployError("\(site): the answer's head is over 64 KiB") }
                continue
            }
            let parsed = try parseHead(pending[..<end])
            response = parsed
            if parsed.headers["transfer-encoding"].map({ $0.lowercased() != "identity" }) ?? false {
                throw DeployError("\(site): the answer uses chunked transfer encoding, which this client does not take")
            }
            expected = parsed.headers["content-length"].flatMap { UInt64($0) }
            try deliver(pending, (end + 4)..<pending.count)
            pending = []
        }
        guard let response else { throw DeployError("\(site): the connection closed without an answer") }
        if let expected, received < expected {
            throw DeployError("\(site): the answer was cut short after \(received) of \(expected) bytes")
        }
        return response
    }

    /// Where `\r\n\r\n` starts in `bytes`.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    private func parseHead(_ head: ArraySlice<UInt8>) throws(DeployError) -> Response {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw DeployError("\(site): the answer is not HTTP/1.x: '\(lines.first ?? "")'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefix(" ").trimmingSuffix(" ")
        }
        return Response(status: status, headers: headers, body: [])
    }
}

extension StringProtocol {
    /// The text without trailing `character`s.
    fileprivate func trimmingSuffix(_ character: Character) -> String {
        var text = String(self)
        while text.last == character { text.removeLast() }
        return text
    }
}
