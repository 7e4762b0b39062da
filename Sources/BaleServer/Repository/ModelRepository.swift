import HTTPTypes
public import BaleBundle
import BaleRuntime
import Dispatch
import Logging
import NIOConcurrencyHelpers

/// The models the sidecar serves, by name, and their load state (Triton's model repository).
///
/// Loading happens off the request path: a bundle is verified, decoded and warmed on a
/// Dispatch thread, and only then replaces the version being served, in one step. Requests
/// that already hold the old version finish on it. A failed load leaves the old version
/// serving and is kept as the model's `reason` (and in `/metrics`).
public final class ModelRepository: Sendable {
    /// A model's state, as the repository index names it.
    public enum State: String, Sendable {
        /// Being loaded, nothing served yet.
        case loading = "LOADING"
        /// Served.
        case ready = "READY"
        /// Not served: its load failed, or it was unloaded.
        case unavailable = "UNAVAILABLE"
    }

    private struct Entry {
        var served: ServedModel?
        var state: State
        var reason: String?
        var path: String?
    }

    private let options: ServerOptions
    private let metrics: ServerMetrics
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    /// Loads started but not finished; the server is not ready while any runs.
    private let loadsRunning = NIOLockedValueBox(0)
    /// Whether the models given at start-up have all been tried.
    private let startupDone = NIOLockedValueBox(false)
    private let logger = Logger(label: "bale.serve")

    init(options: ServerOptions, metrics: ServerMetrics) {
        self.options = options
        self.metrics = metrics
    }

    /// Whether the start-up loads are done, no load is running and every model is served.
    public var isReady: Bool {
        startupDone.withLockedValue { $0 } && loadsRunning.withLockedValue { $0 } == 0 && entries.withLockedValue { $0.values.allSatisfy { $0.served != nil } }
    }

    /// Loads every bundle in `paths` at once and marks start-up done (``isReady`` is false
    /// until then).
    /// - Returns: the bundles that failed to load, in the order of `paths`, each with the reason.
    @discardableResult
    public func loadAtStartup(_ paths: [String]) async -> [(path: String, reason: String)] {
        let failures = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, path) in paths.enumerated() {
                group.addTask {
                    guard case .failure(let error) = await self.load(path: path) else { return (index, nil) }
                    return (index, error.message)
                }
            }
            var reasons = [String?](repeating: nil, count: paths.count)
            for await (index, reason) in group { reasons[index] = reason }
            return zip(paths, reasons).compactMap { path, reason in reason.map { (path, $0) } }
        }
        startupDone.withLockedValue { $0 = true }
        return failures
    }

    /// The model serving `name` (at `version`, when given).
    /// - Throws: 404 for an unknown model or version, 503 for a model not (yet) served.
    public func model(_ name: String, version: String? = nil) throws(ServeError) -> ServedModel {
        guard let entry = entries.withLockedValue({ $0[name] }) else { throw ServeError(.notFound, "unknown model '\(name)'") }
        guard let served = entry.served else {
            throw ServeError(.serviceUnavailable, "model '\(name)' is \(entry.state.rawValue.lowercased())\(entry.reason.map { ": \($0)" } ?? "")")
        }
        if let version, version != served.version {
            throw ServeError(.notFound, "model '\(name)' has no version '\(version)' loaded (serving '\(served.version)')")
        }
        return served
    }

    /// The bundle a model was last loaded from.
    public func path(of name: String) -> String? { entries.withLockedValue { $0[name]?.path } }

    /// Names of the models whose bundle is at `path`.
    func names(loadedFrom path: String) -> [String] {
        entries.withLockedValue { $0.filter { $0.value.path == path }.map(\.key) }
    }

    /// Loads (or reloads) the bundle at `path` and serves it under its manifest's name once it
    /// is verified and warmed.
    /// - Parameter name: the model the caller expects there; a failure is recorded under it
    ///   (else under the file's name, since an unreadable bundle has no manifest name).
    /// - Returns: the model now served, or a 400 giving why the bundle was refused.
    @discardableResult
    public func load(path: String, as name: String? = nil) async -> Result<ServedModel, ServeError> {
        loadsRunning.withLockedValue { $0 += 1 }
        defer { loadsRunning.withLockedValue { $0 -= 1 } }
        let loaded: Result<ServedModel, RuntimeError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { [options, metrics] in
                continuation.resume(returning: Result { () throws(RuntimeError) in try ServedModel(path: path, options: options, metrics: metrics) })
            }
        }
        switch loaded {
        case .success(let served):
            if let name, name != served.name {
                return fail(name: name, path: path, reason: "'\(path)' holds model '\(served.name)', not '\(name)'")
            }
            let previous = entries.withLockedValue { entries in
                defer { entries[served.name] = Entry(served: served, state: .ready, reason: nil, path: path) }
                return entries[served.name]?.served
            }
            metrics.modelLoaded(served, replacing: previous)
            logger.notice("serving model", metadata: [
                "model": "\(served.name)", "version": "\(served.version)", "bundle": "\(path)",
                "previous": "\(previous?.version ?? "none")", "batching": "\(served.queue.settings.maxBatch)",
            ])
            return .success(served)
        case .failure(let error):
            return fail(name: name ?? Self.fileStem(path), path: path, reason: error.description)
        }
    }

    private func fail(name: String, path: String, reason: String) -> Result<ServedModel, ServeError> {
        let serving = entries.withLockedValue { entries in
            var entry = entries[name] ?? Entry(served: nil, state: .unavailable, reason: nil, path: path)
            entry.reason = reason
            if entry.served == nil { entry.state = .unavailable }
            entries[name] = entry
            return entry.served
        }
        metrics.modelLoadFailed(name: name)
        logger.error("model load failed", metadata: [
            "model": "\(name)", "bundle": "\(path)", "reason": "\(reason)", "still serving": "\(serving?.version ?? "nothing")",
        ])
        return .failure(ServeError.badRequest("failed to load model '\(name)': \(reason)"))
    }

    /// Stops serving `name`; requests already running finish.
    /// - Throws: 404 for an unknown model.
    public func unload(_ name: String) throws(ServeError) {
        guard let entry = entries.withLockedValue({ $0.removeValue(forKey: name) }) else { throw ServeError(.notFound, "unknown model '\(name)'") }
        if let served = entry.served { metrics.modelUnloaded(served) }
        logger.notice("unloaded model", metadata: ["model": "\(name)"])
    }

    /// The repository index: every model with its version, state and, after a failed load,
    /// the reason.
    public var index: JSONValue {
        let entries = entries.withLockedValue { $0 }
        return .array(entries.keys.sorted().map { name in
            let entry = entries[name]!
            var item: [String: JSONValue] = ["name": .string(name), "state": .string(entry.state.rawValue)]
            if let version = entry.served?.version { item["version"] = .string(version) }
            if let reason = entry.reason { item["reason"] = .string(reason) }
            return .object(item)
        })
    }

    /// Every model being served.
    public var served: [ServedModel] { entries.withLockedValue { $0.values.compactMap(\.served) } }

    /// `dir/name.bale` → `name`.
    static func fileStem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".bale") ? String(file.dropLast(5)) : file
    }
}
