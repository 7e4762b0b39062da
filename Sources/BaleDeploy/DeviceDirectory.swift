import BaleBundle

/// The layout of a device directory (issue 8):
///
///     DIR/bundles/<id>.bale     installed bundles, named by bundle id
///     DIR/bundles/.<id>.partial a bundle being staged (removed by the next deploy if left over)
///     DIR/current               symbolic link to bundles/<id>.bale: the model to run
///     DIR/previous              symbolic link to the bundle current replaced (rollback target)
///     DIR/install.log           JSON lines, one per install, refusal and rollback
///     DIR/.lock                 serialises deploys and rollbacks
///
/// Links are switched by renaming a temporary link over them, then the directory is fsynced,
/// so after a crash each link names either its old or its new bundle, both complete.
public struct DeviceDirectory: Sendable {
    /// The directory.
    public let path: String

    /// A device directory at `path` (created on first install).
    public init(path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The two pointers a device keeps.
    public enum Slot: String, Sendable, CaseIterable {
        /// The bundle to run.
        case current
        /// The bundle `current` replaced.
        case previous
    }

    var bundles: String { "\(path)/bundles" }
    var logPath: String { "\(path)/install.log" }

    /// Path of the installed bundle `id`.
    public func bundlePath(_ id: String) -> String { "\(bundles)/\(id).bale" }

    /// Path of the staging file for bundle `id`.
    func stagingPath(_ id: String) -> String { "\(bundles)/.\(id).partial" }

    /// Prefix of the scratch directories a delta install rebuilds a bundle in.
    var scratchPrefix: String { "\(bundles)/.delta-" }

    /// The bundle id a slot points at, or nil when unset.
    public func id(of slot: Slot) -> String? {
        guard let target = readLink("\(path)/\(slot.rawValue)"), target.hasPrefix("bundles/"), target.hasSuffix(".bale") else {
            return nil
        }
        return String(target.dropFirst("bundles/".count).dropLast(".bale".count))
    }

    /// Points `slot` at bundle `id`, atomically, and flushes the directory.
    func point(_ slot: Slot, at id: String) throws(DeployError) {
        try replaceLink("\(path)/\(slot.rawValue)", target: "bundles/\(id).bale")
        try sync()
    }

    /// Creates the directory and `bundles/`, takes the lock and removes staging files a killed
    /// deploy left behind.
    func prepare() throws(DeployError) -> FileLock {
        try makeDirectory(path)
        try makeDirectory(bundles)
        let lock = try FileLock("\(path)/.lock")
        for name in listDirectory(bundles) where name.hasPrefix(".") { removeTree("\(bundles)/\(name)") }
        for name in listDirectory(path) where name.contains(".tmp-") { removeFile("\(path)/\(name)") }
        return lock
    }

    /// Flushes the directory's and `bundles/`'s entries to disk.
    func sync() throws(DeployError) {
        do throws(BundleError) {
            try syncDirectory(bundles)
            try syncDirectory(path)
        } catch {
            throw DeployError(error)
        }
    }

    /// Installed bundle ids, newest first (by the time they were staged).
    func installed() -> [String] {
        let ids = listDirectory(bundles).filter { !$0.hasPrefix(".") && $0.hasSuffix(".bale") }.map { String($0.dropLast(".bale".count)) }
        return ids.map { ($0, modificationTime(bundlePath($0)) ?? 0) }.sorted { ($0.1, $0.0) > ($1.1, $1.0) }.map(\.0)
    }

    /// Deletes installed bundles beyond `current`, `previous` and the `keep` newest others.
    func prune(keep: Int) throws(DeployError) {
        let pinned = Set(Slot.allCases.compactMap(id(of:)))
        let others = installed().filter { !pinned.contains($0) }
        // current is one of the versions kept; previous counts towards `keep`.
        let room = max(0, keep - (pinned.count - 1))
        for id in others.dropFirst(room) { removeFile(bundlePath(id)) }
        try sync()
    }
}
