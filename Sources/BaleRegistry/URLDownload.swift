import BaleBundle
public import Foundation

/// Downloads a file from an `http://` or `https://` URL, streamed to disk: how `bale serve`
/// fetches a deploy request's `{"url": ...}` (issue 8). Blocking: call it from a plain thread.
public enum URLDownload {
    /// Streams `url` into the new file `destination`, stopping the transfer as soon as more than
    /// `limit` bytes arrive. On failure `destination` may be left behind, for the caller to remove.
    public static func fetch(
        _ url: String, to destination: String, limit: UInt64, timeout: Double = 60,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(RegistryError) {
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = target.host, !host.isEmpty
        else {
            throw RegistryError(.badReference, "'\(url)' is not an http:// or https:// URL")
        }
        let sink: DownloadSink
        do {
            sink = DownloadSink(file: try OutputFile(creating: destination), limit: limit, url: url)
        } catch {
            throw RegistryError(.io, error.message)
        }
        let transport = HTTPTransport(timeout: timeout, host: host, secure: scheme == "https", environment: environment)
        defer { transport.shutdown() }
        let response: HTTPResponse
        do {
            response = try transport.stream(RegistryRequest("GET", target), accept: { $0.status == 200 }) { bytes in try sink.append(bytes) }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.transport, "'\(url)': \((error as? TransportFailure)?.message ?? "\(error)")")
        }
        guard response.status == 200 else {
            throw RegistryError(.http, "'\(url)': HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        }
        do {
            try sink.file.syncAndClose()
        } catch {
            throw RegistryError(.io, error.message)
        }
    }
}

/// The file a download streams into, touched only by the transfer's task, one call at a time,
/// while the downloading thread waits (see ``HTTPTransport/stream(_:accept:write:)``).
private final class DownloadSink: @unchecked Sendable {
    let file: OutputFile
    let limit: UInt64
    let url: String
    private var received: UInt64 = 0

    init(file: OutputFile, limit: UInt64, url: String) {
        (self.file, self.limit, self.url) = (file, limit, url)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(RegistryError) {
        received += UInt64(bytes.count)
        guard received <= limit else { throw RegistryError(.io, "'\(url)': the bundle is over the limit of \(formatBytes(limit))") }
        do {
            try file.write(bytes)
        } catch {
            throw RegistryError(.io, error.message)
        }
    }
}
