#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a model directory looked like at the last polls: its `*.bale` files, and its device
/// directories (`NAME/current`, as `bale deploy` and the deploy endpoint lay them out).
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
    /// style temporaries are skipped) and every `NAME/current` link of a device directory, with
    /// the stamp of the bundle it points at (so switching `current` is a change).
    private func scan() -> [String: Stamp] {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: directory) else { return [:] }
        var stamps: [String: Stamp] = [:]
        for name in names where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            if name.hasSuffix(".bale") {
                stamps[path] = Self.stamp(of: path)
            } else if let target = try? files.destinationOfSymbolicLink(atPath: path + "/current") {
                stamps[path + "/current"] = Self.stamp(of: target.hasPrefix("/") ? target : path + "/" + target)
            }
        }
        return stamps
    }

    /// Size, modification time and inode of the regular file at `path`, or nil.
    private static func stamp(of path: String) -> Stamp? {
        guard let info = try? FileManager.default.attributesOfItem(atPath: path), info[.type] as? FileAttributeType == .typeRegular else { return nil }
        return Stamp(
            size: integer(info[.size]), modified: Int64(((info[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1e9),
            inode: UInt64(bitPattern: integer(info[.systemFileNumber])))
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
