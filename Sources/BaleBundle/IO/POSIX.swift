#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// The text of the current `errno`.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// An I/O error naming the file and the operation.
package func ioError(_ operation: String, _ path: String, _ code: Int32 = errno) -> BundleError {
    BundleError(.io, "cannot \(operation) '\(path)': \(errnoText(code))", path: path)
}

// MARK: - Reading

/// A file opened for reading, closed when released.
package final class InputFile {
    package let path: String
    private let fd: Int32

    /// Opens `path` for reading.
    package init(path: String) throws(BundleError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// The file's current size and whether it is a regular file.
    package func status() throws(BundleError) -> (size: UInt64, isRegular: Bool) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ioError("stat", path) }
        return (UInt64(st.st_size), (st.st_mode & S_IFMT) == S_IFREG)
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(BundleError) -> Int {
        while true {
            let n = systemRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw ioError("read", path) }
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the count read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(BundleError) -> Int {
        var total = 0
        while total < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Moves the read position to `offset`.
    func seek(to offset: UInt64) throws(BundleError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw ioError("seek in", path) }
    }
}

// MARK: - Writing

/// A file opened for writing, closed when released.
package final class OutputFile {
    package let path: String
    private var fd: Int32

    /// Creates `path`, which must not exist yet (mode 0644).
    package convenience init(creating path: String) throws(BundleError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("create", path) }
        self.init(fd: fd, path: path)
    }

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `bytes` at the current position.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(BundleError) {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            done += n
        }
    }

    /// Writes `bytes` at `offset` without moving the current position.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BundleError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            done += n
        }
    }

    /// Moves the current position to `offset`.
    func seek(to offset: UInt64) throws(BundleError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw ioError("seek in", path) }
    }

    /// Flushes the data to disk and closes the file.
    package func syncAndClose() throws(BundleError) {
        guard fsync(fd) == 0 else { throw ioError("sync", path) }
        close(fd)
        fd = -1
    }
}

/// A new file written under a temporary name and renamed into place only on ``commit()``.
///
/// Until then the data lives at a hidden temporary path next to the destination; releasing the
/// object without committing removes it, so a failure never leaves a partial file behind.
package final class AtomicOutputFile {
    /// The final path.
    package let path: String
    /// The open temporary file (its `path` is the temporary name).
    package let file: OutputFile
    private var committed = false

    /// Creates a temporary file next to `path` with permissions `mode`.
    package init(path: String, mode: UInt32 = 0o644) throws(BundleError) {
        let (dir, base) = splitPath(path)
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ioError("create a temporary file in", dir) }
        fchmod(fd, mode_t(mode))
        self.path = path
        self.file = OutputFile(fd: fd, path: template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    deinit {
        if !committed { unlink(file.path) }
    }

    /// Appends `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(BundleError) { try file.write(bytes) }

    /// Writes `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BundleError) { try file.write(bytes, at: offset) }

    /// Moves the current position to `offset`.
    func seek(to offset: UInt64) throws(BundleError) { try file.seek(to: offset) }

    /// Flushes to disk, renames onto the final path and flushes the directory.
    package func commit() throws(BundleError) {
        try file.syncAndClose()
        guard rename(file.path, path) == 0 else { throw ioError("rename into", path) }
        committed = true
        try syncDirectory(splitPath(path).directory)
    }
}

/// Writes small files atomically.
public enum AtomicFile {
    /// Writes `bytes` to `path` through a temporary file, fsync and rename, with permissions
    /// `mode` (e.g. `0o600` for private keys). A failure leaves any old file untouched.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(BundleError) {
        let out = try AtomicOutputFile(path: path, mode: mode)
        try bytes.withBytes { chunk throws(BundleError) in try out.write(chunk) }
        try out.commit()
    }
}

// MARK: - Paths and directories

/// Splits a path into its directory (`.` when none) and last component.
package func splitPath(_ path: String) -> (directory: String, base: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

/// Flushes a directory's entries to disk, so a rename in it survives a crash.
package func syncDirectory(_ path: String) throws(BundleError) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw ioError("open directory", path) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw ioError("sync directory", path) }
}

/// Whether anything (file, directory or dangling link) exists at `path`.
func pathExists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
}

/// Names in directory `path` (without `.` and `..`); empty when it cannot be read.
package func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Removes a directory tree, best effort (used to clean up after a failure).
package func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        for child in listDirectory(path) { removeTree("\(path)/\(child)") }
        rmdir(path)
    } else {
        unlink(path)
    }
}

// `read`/`write` are shadowed by methods of the same name inside the classes above.
@inline(__always) private func systemRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ n: Int) -> Int {
    read(fd, buf, n)
}
@inline(__always) private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ n: Int) -> Int {
    write(fd, buf, n)
}
