#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle

/// Loads the bundles given at start-up, then (with `--model-dir`) keeps the repository in step
/// with the directory: a new or changed `*.bale` file is loaded (and replaces the version
/// served once verified and warmed), a removed one is unloaded.
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
            await repository.loadAtStartup(bundles)
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
            for path in changes.changed {
                logger.notice("bundle changed, reloading", metadata: ["bundle": "\(path)"])
                await repository.load(path: path, as: repository.names(loadedFrom: path).first)
            }
        }
    }
}

/// What a directory of bundles looked like at the last polls.
struct DirectoryWatcher {
    struct Stamp: Hashable {
        var size: Int64
        var modified: Int64
        var inode: UInt64
    }

    let directory: String
    /// Stamps of the files loaded (or tried), by path.
    private(set) var loaded: [String: Stamp] = [:]
    /// Stamps seen at the last poll, by path.
    private var seen: [String: Stamp] = [:]

    init(directory: String) { self.directory = directory }

    /// The bundles there now, taken as loaded (for the start-up load).
    mutating func settle() -> [String] {
        seen = scan()
        loaded = seen
        return seen.keys.sorted()
    }

    /// Files to load (new or changed and steady since the last poll) and files removed.
    mutating func poll() -> (changed: [String], removed: [String]) {
        let now = scan()
        let removed = loaded.keys.filter { now[$0] == nil }.sorted()
        for path in removed { loaded[path] = nil }
        var changed: [String] = []
        for (path, stamp) in now where loaded[path] != stamp && seen[path] == stamp {
            loaded[path] = stamp
            changed.append(path)
        }
        seen = now
        return (changed.sorted(), removed)
    }

    /// Every regular `*.bale` file in the directory (not hidden ones, so `.name.bale.tmp`
    /// style temporaries are skipped) with its stamp.
    private func scan() -> [String: Stamp] {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: directory) else { return [:] }
        var stamps: [String: Stamp] = [:]
        for name in names where name.hasSuffix(".bale") && !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let info = try? files.attributesOfItem(atPath: path), info[.type] as? FileAttributeType == .typeRegular else { continue }
            stamps[path] = Stamp(
                size: Self.integer(info[.size]), modified: Int64(((info[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1e9),
                inode: UInt64(bitPattern: Self.integer(info[.systemFileNumber])))
        }
        return stamps
    }

    /// A file attribute's integer, whichever integer type the platform's Foundation gives.
    private static func integer(_ value: Any?) -> Int64 {
        switch value {
        case let n as Int: Int64(n)
        case let n as Int64: n
        case let n as UInt64: Int64(bitPattern: n)
        case let n as UInt: Int64(bitPattern: UInt64(n))
        case let n as Int32: Int64(n)
        case let n as UInt32: Int64(n)
        default: -1
        }
    }
}
