#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The regular files under a directory, ready to pack.
public struct PayloadDirectory: Sendable {
    /// The files, sorted by bundle path.
    public var files: [PayloadFile]
    /// The newest modification time among the files, in seconds since 1970.
    public var newestModification: Int

    /// Scans `root` recursively.
    ///
    /// Refuses symbolic links, devices, FIFOs and sockets (a bundle holds plain files only),
    /// paths that break ``BundlePath`` rules, clashing paths and an empty directory.
    public init(scanning root: String) throws(BundleError) {
        var st = stat()
        guard stat(root, &st) == 0 else { throw ioError("read directory", root) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw BundleError(.invalidInput, "'\(root)' is not a directory", path: root)
        }
        var found: [PayloadFile] = []
        var newest = 0
        try Self.walk(root, prefix: "", into: &found, newest: &newest)
        guard !found.isEmpty else {
            throw BundleError(.invalidInput, "'\(root)' holds no files to pack", path: root)
        }
        found.sort { BundlePath.precedes($0.path, $1.path) }
        if let clash = BundlePath.clash(in: found.map(\.path)) {
            throw BundleError(.invalidInput, "cannot pack '\(root)': \(clash)", path: root)
        }
        files = found
        newestModification = newest
    }

    private static func walk(_ directory: String, prefix: String, into files: inout [PayloadFile], newest: inout Int) throws(BundleError) {
        guard let dir = opendir(directory) else { throw ioError("read directory", directory) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names {
            let full = "\(directory)/\(name)"
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            var st = stat()
            guard lstat(full, &st) == 0 else { throw ioError("stat", full) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try walk(full, prefix: path, into: &files, newest: &newest)
            case S_IFREG:
                if let problem = BundlePath.problem(with: path) {
                    let hint = path == BundlePath.manifest || path == BundlePath.signature
                        ? " (this looks like an unpacked bundle: pack its payload without the manifest)" : ""
                    throw BundleError(.invalidInput, "cannot pack '\(full)': \(problem)\(hint)", path: full)
                }
                newest = max(newest, Int(st.st_mtim.tv_sec))
                files.append(PayloadFile(path: path, source: .file(path: full), size: UInt64(st.st_size)))
            case S_IFLNK:
                throw BundleError(.invalidInput, "cannot pack '\(full)': it is a symbolic link; bundles hold regular files only (copy the target in)", path: full)
            default:
                throw BundleError(.invalidInput, "cannot pack '\(full)': not a regular file or directory", path: full)
            }
        }
    }
}
