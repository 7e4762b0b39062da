#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import BaleBundle
import Foundation

/// A SHA-256 being computed over a stream, with the count of bytes seen.
struct RunningDigest {
    /// The digest so far.
    var digest = SHA256Digest()
    /// Bytes hashed.
    private(set) var count: UInt64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        digest.update(bytes)
        count += UInt64(bytes.count)
    }
}

/// A download in progress, kept on disk between runs so a later pull can continue it; renamed onto
/// the destination only once complete, synced and verified.
final class PartialFile: @unchecked Sendable {
    let path: String
    private var handle: FileHandle?

    init(path: String) { self.path = path }

    deinit { try? handle?.close() }

    /// Opens (or creates) the file for appending and hashes what an earlier run left in it.
    /// A file longer than `size` cannot be a prefix of the blob and is started again.
    func prepare(size: UInt64) throws(RegistryError) -> RunningDigest {
        var hasher = RunningDigest()
        if FileManager.default.fileExists(atPath: path) {
            try readChunks(of: path) { chunk, _ in chunk.withUnsafeBytes { hasher.update($0) } }
            if hasher.count > size {
                remove()
                hasher = RunningDigest()
            }
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw RegistryError(.io, "cannot create '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            throw RegistryError(.io, "cannot open '\(path)' for writing: \(error.localizedDescription)")
        }
        return hasher
    }

    /// Appends `bytes`.
    func append(_ bytes: UnsafeRawBufferPointer) throws(RegistryError) {
        do { try handle?.write(contentsOf: bytes) } catch { throw RegistryError(.io, "cannot write '\(path)': \(error.localizedDescription)") }
    }

    /// Empties the file (the registry sent the whole blob instead of the range asked for).
    func truncate() throws(RegistryError) {
        do { try handle?.truncate(atOffset: 0) } catch { throw RegistryError(.io, "cannot truncate '\(path)': \(error.localizedDescription)") }
    }

    /// Deletes the file (its content is known to be wrong).
    func remove() {
        try? handle?.close()
        handle = nil
        unlink(path)
    }

    /// Syncs the file, renames it onto `destination` and syncs the directory, so the destination
    /// appears whole or not at all.
    func commit(to destination: String) throws(RegistryError) {
        do {
            try handle?.synchronize()
            try handle?.close()
            handle = nil
        } catch {
            throw RegistryError(.io, "cannot sync '\(path)': \(error.localizedDescription)")
        }
        guard rename(path, destination) == 0 else {
            throw RegistryError(.io, "cannot rename '\(path)' to '\(destination)': \(String(cString: strerror(errno)))")
        }
        let directory = destination.contains("/") ? String(destination[..<destination.lastIndex(of: "/")!]) : "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
