public import BaleGraph
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension NPY {
    /// Reads an `.npy` file into a tensor.
    ///
    /// - Parameter path: the file; errors name it.
    /// - Returns: the tensor; `<f8` data is converted to f32.
    /// - Throws: ``NPYError`` with code ``NPYError/Code/io`` when the file cannot be read, or any
    ///   fault ``read(_:name:)`` reports.
    public static func read(contentsOf path: String) throws(NPYError) -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NPYError(.io, "cannot read: \(SystemErrorReason.describe(error))", name: path)
        }
        return try read([UInt8](data), name: path)
    }

    /// Writes a tensor as an `.npy` file, atomically.
    ///
    /// The bytes go to a temporary file in the same directory, which is flushed to disk and then
    /// renamed over `path`, so readers see either the old file or the whole new one.
    /// - Parameters:
    ///   - tensor: the tensor; see ``write(_:)`` for the encoding.
    ///   - path: the destination; replaced if it exists.
    /// - Throws: ``NPYError`` with code ``NPYError/Code/io`` naming `path`.
    public static func write(_ tensor: Tensor, to path: String) throws(NPYError) {
        let destination = URL(fileURLWithPath: path)
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(write(tensor)).write(to: temporary, options: .withoutOverwriting)
            try synchronize(temporary.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError(.io, "cannot write: \(SystemErrorReason.describe(error))", name: path)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError(
                .io, "cannot rename the temporary file into place: \(String(cString: strerror(code)))", name: path)
        }
    }

    /// Flushes the file at `path` to disk.
    private static func synchronize(_ path: String) throws(POSIXError) {
        let descriptor = open(path, O_WRONLY)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
