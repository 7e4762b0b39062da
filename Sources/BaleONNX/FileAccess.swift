#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Reading files

/// A regular file opened for reading, closed when released.
///
/// The importer reads a model file and its external data files through this type: it reports
/// the size before anything is allocated, so a caller checks lengths first and reads second.
final class ReadableFile {
    /// The path as the caller gave it (used in messages).
    let path: String
    /// The file's size in bytes.
    let size: UInt64
    private let fd: Int32

    /// Opens `path`, which must be a regular file.
    init(path: String) throws(ImportError) {
        // O_NONBLOCK: opening a FIFO planted where a model or its data should be must not hang.
        // It has no effect on reading regular files.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ReadableFile.ioError("open", path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = ReadableFile.ioError("stat", path)
            close(fd)
            throw error
        }
        guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 0 else {
            close(fd)
            throw ImportError(.io, "cannot read '\(path)': not a regular file")
        }
        self.fd = fd
        self.path = path
        self.size = UInt64(st.st_size)
    }

    deinit { close(fd) }

    /// Reads `count` bytes starting at `offset`; the range must lie inside the file.
    func read(offset: UInt64, count: Int) throws(ImportError) -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw ImportError(
                .invalidModel, "cannot read \(count) bytes at offset \(offset) of '\(path)': the file has \(size) bytes"
            )
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: ImportError?
        bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(fd, buffer.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    failure = ImportError(
                        .io,
                        "cannot read '\(path)': it ended after \(offset + UInt64(done)) bytes (did it shrink while being read?)"
                    )
                    return
                } else if errno != EINTR {
                    failure = ReadableFile.ioError("read", path)
                    return
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads the whole file.
    func readAll() throws(ImportError) -> [UInt8] {
        guard size <= UInt64(Int.max) else {
            throw ImportError(.limitExceeded, "'\(path)' is too large to read (\(size) bytes)")
        }
        return try read(offset: 0, count: Int(size))
    }

    /// An I/O error naming the operation, the file and `errno`'s text.
    static func ioError(_ operation: String, _ path: String, _ code: Int32 = errno) -> ImportError {
        ImportError(.io, "cannot \(operation) '\(path)': \(String(cString: strerror(code)))")
    }
}

// MARK: - Paths

/// File-system path helpers for external data.
enum Paths {
    /// The canonical absolute form of `path` (symbolic links resolved), or `nil` when it does
    /// not exist.
    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The directory part of `path` (`"."` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `component` appended to `directory` with one separator.
    static func join(_ directory: String, _ component: String) -> String {
        directory.hasSuffix("/") ? directory + component : directory + "/" + component
    }

    /// Whether `path` (canonical) is `directory` (canonical) or lies below it.
    static func isInside(_ path: String, directory: String) -> Bool {
        if directory == "/" { return true }
        return path == directory || path.hasPrefix(directory + "/")
    }
}

// MARK: - Byte counts

/// `bytes` written for people: `512 bytes`, `3.2 MiB`, `4.0 GiB`.
func formatByteCount(_ bytes: UInt64) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB"]
    guard bytes >= 1024 else { return "\(bytes) bytes" }
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    let tenths = (value * 10).rounded() / 10
    return "\(tenths) \(units[unit])"
}
