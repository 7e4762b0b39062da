#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BaleBundle

// Small file-system operations of the device directory, each turning errno into a DeployError
// that names the path (see ioError in BaleBundle).

/// Creates directory `path` unless it exists.
func makeDirectory(_ path: String) throws(DeployError) {
    guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw DeployError(ioError("create directory", path)) }
    var st = stat()
    guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
        throw DeployError("'\(path)' exists and is not a directory", path: path)
    }
}

/// Renames `from` onto `to` atomically (rename(2)).
func moveFile(_ from: String, to: String) throws(BundleError) {
    guard rename(from, to) == 0 else { throw ioError("rename into", to) }
}

/// Makes a new directory with a unique name starting with `prefix` (mkdtemp).
func makeTemporaryDirectory(_ prefix: String) throws(BundleError) -> String {
    var template = Array("\(prefix)XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw ioError("create a temporary directory in", splitPath(prefix).directory)
    }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Removes a file; a missing file is not an error.
func removeFile(_ path: String) {
    unlink(path)
}

/// The target of symbolic link `path`, or nil when there is no link.
func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[..<n].map(UInt8.init(bitPattern:)), as: UTF8.self)
}

/// Makes `link` point at `target`, atomically: a temporary link renamed over it.
func replaceLink(_ link: String, target: String) throws(DeployError) {
    let temporary = "\(link).tmp-\(getpid())"
    unlink(temporary)
    guard symlink(target, temporary) == 0 else { throw DeployError(ioError("create link", temporary)) }
    guard rename(temporary, link) == 0 else {
        let error = DeployError(ioError("rename into", link))
        unlink(temporary)
        throw error
    }
}

/// Modification time of `path` in seconds since 1970 (with nanoseconds), or nil.
func modificationTime(_ path: String) -> Double? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9
}

/// `seconds` since 1970 (now by default) as RFC 3339 UTC.
func timestamp(_ seconds: Int = Int(time(nil))) -> String {
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer[..<n].map(UInt8.init(bitPattern:)), as: UTF8.self)
}

/// An exclusive lock on a file, held until released: deploys to one directory never overlap,
/// and the kernel drops the lock when a killed process dies.
final class FileLock {
    private let fd: Int32

    /// Blocks until the lock on `path` (created if missing) is ours.
    init(_ path: String) throws(DeployError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeployError(ioError("open lock file", path)) }
        guard flock(fd, LOCK_EX) == 0 else {
            let error = DeployError(ioError("lock", path))
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }
}

/// Appends `line` to `path` (created if missing) and flushes it to disk.
func appendLine(_ line: [UInt8], to path: String) throws(DeployError) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw DeployError(ioError("open", path)) }
    defer { close(fd) }
    let bytes = line + [UInt8(ascii: "\n")]
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count, fsync(fd) == 0 else { throw DeployError(ioError("append to", path)) }
}

/// The whole content of `path` (the install log, delta patch members).
func readWholeFile(_ path: String) throws(BundleError) -> [UInt8] {
    var bytes: [UInt8] = []
    try copyFile(path) { chunk throws(BundleError) in bytes.append(contentsOf: chunk) }
    return bytes
}

/// Streams `path` to `sink` in 1 MiB chunks.
func copyFile(_ path: String, to sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
    let input = try InputFile(path: path)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { buffer.deallocate() }
    while case let n = try input.read(into: buffer), n > 0 {
        try sink(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
    }
}
