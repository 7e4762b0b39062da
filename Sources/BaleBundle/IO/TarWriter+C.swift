private import CArchive

/// Writes a deterministic POSIX (pax, ustar-compatible) tar stream with libarchive.
///
/// Every entry is a regular file with mode 0644, uid/gid 0, no owner names and mtime 0, so the
/// same inputs always give the same bytes. Output goes unblocked to ``sink``, which callers may
/// swap between entries (the bundle writer sends header entries and payload entries to
/// different zstd frames).
final class TarWriter {
    /// Where finished tar bytes go. May be replaced between entries.
    var sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void
    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private var sinkError: BundleError?
    /// Set once the writer is being released: libarchive then writes an end marker on its own,
    /// which must not reach the sink (a header-only stream has none).
    private var discarding = false

    /// Regular file, as in `<sys/stat.h>` (`AE_IFREG` is a cast macro Swift cannot import).
    private static let regularFile: UInt32 = 0o100000

    init(sink: @escaping (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
        guard let archive = archive_write_new(), let entry = archive_entry_new() else {
            throw BundleError(.io, "libarchive: out of memory")
        }
        self.archive = archive
        self.entry = entry
        self.sink = sink
        archive_write_set_format_pax_restricted(archive)
        // Unblocked: bytes reach the sink as soon as they are formatted, and the stream ends
        // right after the two-block end marker.
        archive_write_set_bytes_per_block(archive, 0)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = archive_write_open2(archive, context, nil, { _, context, buffer, length in
            let writer = Unmanaged<TarWriter>.fromOpaque(context!).takeUnretainedValue()
            if writer.discarding { return length }
            do throws(BundleError) {
                try writer.sink(UnsafeRawBufferPointer(start: buffer, count: length))
                return length
            } catch {
                writer.sinkError = error
                return -1
            }
        }, nil, nil)
        try check(status, "open")
    }

    deinit {
        discarding = true
        archive_entry_free(entry)
        archive_write_free(archive)
    }

    /// Starts a regular-file entry of `size` bytes at `path`.
    func beginEntry(path: String, size: UInt64) throws(BundleError) {
        archive_entry_clear(entry)
        archive_entry_copy_pathname(entry, path)
        archive_entry_set_filetype(entry, Self.regularFile)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_size(entry, la_int64_t(size))
        archive_entry_set_mtime(entry, 0, 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        try check(archive_write_header(archive, entry), "write the header of '\(path)'")
    }

    /// Appends data to the current entry.
    func write(_ bytes: UnsafeRawBufferPointer) throws(BundleError) {
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { try check(Int32(ARCHIVE_FATAL), "write entry data") }
            offset += n
        }
    }

    /// Pads the current entry to a whole block and flushes it to the sink.
    func finishEntry() throws(BundleError) {
        try check(archive_write_finish_entry(archive), "finish an entry")
    }

    /// Writes the end-of-archive marker. Without this call the stream has none.
    func close() throws(BundleError) {
        try check(archive_write_close(archive), "close the archive")
    }

    private func check(_ status: Int32, _ what: String) throws(BundleError) {
        if let error = sinkError { throw error }
        guard status >= ARCHIVE_OK else {
            let text = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
            throw BundleError(.io, "tar: cannot \(what): \(text)")
        }
    }
}
