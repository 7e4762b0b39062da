#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Extracts bundles safely: into a temporary directory next to the destination, checked
/// entry by entry, and renamed into place only when everything verified. On any failure the
/// temporary directory is removed and nothing is left behind.
public struct BundleExtractor: Sendable {
    /// The reader that checks the bundle.
    public var reader: BundleReader

    /// Creates an extractor.
    public init(reader: BundleReader = BundleReader()) {
        self.reader = reader
    }

    /// Extracts `bundle` into the new directory `directory` (which must not exist), writing the
    /// payload files plus `manifest.json` (and `manifest.sig`).
    public func unpack(_ bundle: String, to directory: String) throws(BundleError) -> BundleInfo {
        let target = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard !pathExists(target) else {
            throw BundleError(.invalidInput, "'\(target)' already exists; unpack into a new directory", path: target)
        }
        let (parent, base) = splitPath(target)
        var template = Array("\(parent)/.\(base).tmp-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ioError("create a temporary directory in", parent)
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        do throws(BundleError) {
            var sink: DirectorySink? = DirectorySink(root: temporary)
            let info = try reader.read(bundle, into: &sink)
            try writeSmall(info.manifestBytes, to: "\(temporary)/\(BundlePath.manifest)")
            if let signature = info.signature {
                try writeSmall(signature.encoded, to: "\(temporary)/\(BundlePath.signature)")
            }
            for dir in sink!.directories.sorted().reversed() { try syncDirectory(dir) }
            chmod(temporary, 0o755)
            try syncDirectory(temporary)
            guard rename(temporary, target) == 0 else { throw ioError("rename into", target) }
            try syncDirectory(parent)
            return info
        } catch {
            removeTree(temporary)
            throw error
        }
    }

    private func writeSmall(_ bytes: [UInt8], to path: String) throws(BundleError) {
        let file = try OutputFile(creating: path)
        try bytes.withBytes { chunk throws(BundleError) in try file.write(chunk) }
        try file.syncAndClose()
    }
}

/// Writes payload files under a root directory, creating subdirectories as needed.
private struct DirectorySink: BundlePayloadSink {
    let root: String
    /// Every directory created, so they can be synced at the end.
    private(set) var directories: Set<String> = []
    private var current: OutputFile?

    init(root: String) { self.root = root }

    mutating func begin(_ file: Manifest.File) throws(BundleError) {
        // Paths were checked against BundlePath rules: relative, no '.', '..' or empty parts.
        var dir = root
        for component in file.path.split(separator: "/").dropLast() {
            dir += "/\(component)"
            if !directories.contains(dir) {
                guard mkdir(dir, 0o755) == 0 || errno == EEXIST else { throw ioError("create directory", dir) }
                directories.insert(dir)
            }
        }
        current = try OutputFile(creating: "\(root)/\(file.path)")
    }

    mutating func write(_ chunk: UnsafeRawBufferPointer) throws(BundleError) {
        try current?.write(chunk)
    }

    mutating func end(_ file: Manifest.File) throws(BundleError) {
        try current?.syncAndClose()
        current = nil
    }
}
