import BaleBundle
import NIOCore

/// A new file that a request body streams into, written on Dispatch threads in pieces of about
/// 1 MiB, so that a slow disk never stalls the event loop serving inference requests.
///
/// `@unchecked Sendable`: one request task uses it, awaiting each write before the next, so the
/// file and the pending bytes are never touched from two threads at once.
final class UploadFile: @unchecked Sendable {
    private let file: OutputFile
    private var pending = ByteBuffer()
    private static let piece = 1 << 20

    /// Creates `path`, which must not exist.
    init(creating path: String) throws(BundleError) {
        file = try OutputFile(creating: path)
    }

    /// Appends `buffer`, writing out once a piece is full.
    func append(_ buffer: ByteBuffer) async throws(BundleError) {
        var buffer = buffer
        pending.writeBuffer(&buffer)
        if pending.readableBytes >= Self.piece { try await flush() }
    }

    /// Writes out what is pending.
    func flush() async throws(BundleError) {
        guard pending.readableBytes > 0 else { return }
        let chunk = pending
        pending.clear()
        try await offload { () throws(BundleError) in
            do {
                try chunk.withUnsafeReadableBytes { try self.file.write($0) }
            } catch let error as BundleError {
                throw error
            } catch {
                throw BundleError(.io, "cannot write '\(self.file.path)': \(error)", path: self.file.path)
            }
        }
    }
}
