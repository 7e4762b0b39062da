#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BaleBundle
import BaleDeploy
import Hummingbird
import NIOCore

extension AdminEndpoints {
    /// The bundle a deploy request carries, in a new hidden file `.incoming-<random>` of
    /// `directory` (the model directory: the same file system as the device directories, and
    /// skipped by the watcher): the body itself, streamed to disk (never held whole in memory),
    /// or, for a JSON body `{"url": "..."}`, the bundle downloaded from there. The caller
    /// removes the file.
    /// - Throws: 413 past `--max-upload-size`, 400 for a bad JSON body or a URL this server
    ///   cannot fetch, 502 when the download fails.
    func receiveBundle(_ request: Request, in directory: String) async throws(ServeError) -> String {
        let path = "\(directory)/.incoming-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        do throws(ServeError) {
            if InferenceEndpoint.mediaType(request) == "application/json" {
                try await download(try bundleURL(request), to: path)
            } else {
                try await save(request, to: path)
            }
            return path
        } catch {
            removeUpload(path)
            throw error
        }
    }

    /// Removes a received bundle.
    func removeUpload(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    private var limit: UInt64 { options.maxUploadBytes }

    private func tooLarge(_ size: String) -> ServeError {
        ServeError(.contentTooLarge, "the bundle (\(size)) is over the server's --max-upload-size of \(formatBytes(limit))")
    }

    private func save(_ request: Request, to path: String) async throws(ServeError) {
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw ServeError(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported; send the bundle as it is")
        }
        if let length = request.headers[.contentLength].flatMap(UInt64.init), length > limit { throw tooLarge("\(length) bytes") }
        do {
            let out = try UploadFile(creating: path)
            var received: UInt64 = 0
            for try await buffer in request.body {
                received += UInt64(buffer.readableBytes)
                guard received <= limit else { throw tooLarge("over \(received) bytes") }
                try await out.append(buffer)
            }
            try await out.flush()
            guard received > 0 else { throw ServeError.badRequest("the deploy request has no body: send the bundle, or JSON {\"url\": \"...\"}") }
        } catch let error as ServeError {
            throw error
        } catch let error as BundleError {
            throw ServeError(.internalServerError, error.message)
        } catch {
            throw ServeError.badRequest("reading the uploaded bundle failed: \(error)")
        }
    }

    private func bundleURL(_ request: Request) async throws(ServeError) -> String {
        let body = try await InferenceEndpoint.body(of: request, limit: 1 << 16)
        guard case .object(let object)? = try? JSONParser().parse(body), case .string(let url)? = object["url"] else {
            throw ServeError.badRequest("a JSON deploy request must be {\"url\": \"http://HOST/x.bale\"}; send the bundle itself as application/octet-stream")
        }
        return url
    }

    private func download(_ url: String, to path: String) async throws(ServeError) {
        guard let fetcher = options.fetcher, fetcher.accepts(url) else {
            throw ServeError.badRequest("this server cannot download '\(url)'; it takes \(options.fetcher?.accepted ?? "no URLs")")
        }
        let limit = limit
        do {
            try await offload { () throws(DeployError) in try fetcher.fetch(url, to: path, limit: limit) }
        } catch {
            throw ServeError(.badGateway, "downloading '\(url)' failed: \(error.message)")
        }
    }
}
