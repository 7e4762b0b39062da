import BaleBundle
import BaleDeploy
import BaleRuntime
import Logging
import ServiceLifecycle

/// Loads the bundles given at start-up, then (with `--model-dir`) keeps the repository in step
/// with the directory: a new or changed `*.bale` file, or a device directory whose `current`
/// was switched (by `bale deploy` or the deploy endpoint), is loaded (and replaces the version
/// served once verified and warmed); a removed one is unloaded.
///
/// Without `--model-dir`, a start-up where every bundle given fails to load ends the server
/// with ``NothingServedError``; with some served, the others are reported as not ready.
///
/// The directory is polled every `pollInterval` (portable; no inotify). A file is loaded once
/// its size, modification time and inode are the same at two polls in a row, so a bundle
/// still being copied in is not read half-written; installing with a rename is best.
struct RepositoryService: Service {
    let repository: ModelRepository
    let bundles: [String]
    let directory: String?
    let pollInterval: Duration
    private let logger = Logger(label: "bale.serve")

    init(repository: ModelRepository, bundles: [String], directory: String?, pollInterval: Duration) {
        self.repository = repository
        self.bundles = bundles
        self.directory = directory
        self.pollInterval = pollInterval
    }

    func run() async throws {
        guard let directory else {
            let failures = await repository.loadAtStartup(bundles)
            if !bundles.isEmpty, failures.count == bundles.count { throw NothingServedError(failures: failures) }
            return try await gracefulShutdown()
        }
        var watcher = DirectoryWatcher(directory: directory)
        await repository.loadAtStartup(bundles + watcher.settle())
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            } catch {
                return
            }
            let changes = watcher.poll()
            for path in changes.removed {
                for name in repository.names(loadedFrom: path) {
                    try? repository.unload(name)
                }
            }
            for path in changes.changed where !alreadyServed(path) {
                logger.notice("bundle changed, reloading", metadata: ["bundle": "\(path)"])
                await repository.load(path: path, as: repository.names(loadedFrom: path).first)
            }
        }
    }

    /// Whether `path` is a device directory's `current` whose bundle is served already (the
    /// deploy endpoint loads it before it answers, ahead of the watcher).
    private func alreadyServed(_ path: String) -> Bool {
        let suffix = "/" + DeviceDirectory.Slot.current.rawValue
        guard path.hasSuffix(suffix), let id = DeviceDirectory(path: String(path.dropLast(suffix.count))).id(of: .current) else { return false }
        return repository.served.contains { $0.path == path && $0.model.info.id == id }
    }
}
