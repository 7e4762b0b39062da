public import BaleGraph
import Foundation

#if canImport(Glibc)
    import Glibc
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
            throw NPYError(.io, "cannot read: \(reason(error))", name: path)
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
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError(.io, "cannot write: \(reason(error))", name: path)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError(
                .io, "cannot rename the temporary file into place: \(String(cString: strerror(code)))", name: path)
        }
    }

    /// The operating system's reason under a Foundation error (e.g. "No such file or directory"),
    /// which says more than Foundation's own wording; else the error's description.
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey].flatMap({ $0 as? any Error }).map({ $0 as NSError }),
            underlying.domain == NSPOSIXErrorDomain, let code = Int32(exactly: underlying.code)
        {
            return String(cString: strerror(code))
        }
        return nsError.localizedDescription
    }
}
