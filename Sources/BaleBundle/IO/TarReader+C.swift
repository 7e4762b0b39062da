private import CArchive

/// One tar header as the reader saw it. Nothing in it has been checked yet.
struct TarEntry {
    /// What an entry is, from its header.
    enum Kind: Equatable {
        case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
        case other(UInt32)
    }
    var path: String
    var kind: Kind
    var size: UInt64
    /// True when the entry declares holes (GNU/pax sparse file).
    var isSparse: Bool
}

/// Reads tar headers and data with libarchive from a ``ZstdDecoder``.
///
/// Only the tar format is enabled: the decompression is ours, so libarchive never sees
/// compressed bytes and cannot pick another format or filter.
final class TarReader {
    private let archive: OpaquePointer
    private let decoder: ZstdDecoder
    private var sourceError: BundleError?
    private var reachedEnd = false

    init(decoder: ZstdDecoder) throws(BundleError) {
        guard let archive = archive_read_new() else { throw BundleError(.io, "libarchive: out of memory") }
        self.archive = archive
        self.decoder = decoder
        archive_read_support_format_tar(archive)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = archive_read_open(archive, context, nil, { _, context, buffer in
            let reader = Unmanaged<TarReader>.fromOpaque(context!).takeUnretainedValue()
            do throws(BundleError) {
                guard let chunk = try reader.decoder.next() else { return 0 }
                buffer!.pointee = chunk.baseAddress
                return chunk.count
            } catch {
                reader.sourceError = error
                return -1
            }
        }, nil)
        try check(status, "open")
    }

    deinit { archive_read_free(archive) }

    /// The next entry's header, or `nil` at the end-of-archive marker.
    func nextEntry() throws(BundleError) -> TarEntry? {
        var raw: OpaquePointer?
        let status = archive_read_next_header(archive, &raw)
        if status == ARCHIVE_EOF {
            reachedEnd = true
            return nil
        }
        try check(status, "read a header")
        guard let raw else { throw BundleError(.notTar, "tar: header missing") }
        guard let cPath = archive_entry_pathname_utf8(raw) ?? archive_entry_pathname(raw) else {
            throw BundleError(.notTar, "tar: an entry has no readable path")
        }
        let isHardlink = archive_entry_hardlink(raw) != nil
        return TarEntry(
            path: String(cString: cPath),
            kind: isHardlink ? .hardlink : Self.kind(archive_entry_filetype(raw)),
            size: archive_entry_size_is_set(raw) != 0 ? UInt64(max(0, archive_entry_size(raw))) : 0,
            isSparse: archive_entry_sparse_count(raw) > 0
        )
    }

    /// Streams the current entry's data to `body` in chunks, in order.
    func readData(_ body: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
        var expectedOffset: la_int64_t = 0
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(archive, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { return }
            try check(status, "read entry data")
            guard offset == expectedOffset else {
                throw BundleError(.unsafeEntry, "tar: entry data has a hole at byte \(expectedOffset) (sparse entries are not allowed)")
            }
            if size > 0 { try body(UnsafeRawBufferPointer(start: buffer, count: size)) }
            expectedOffset += la_int64_t(size)
        }
    }

    /// Reads the rest of the decompressed stream after the end-of-archive marker, which must
    /// hold only zero padding, so a truncated or damaged stream tail is noticed.
    func finish() throws(BundleError) {
        precondition(reachedEnd, "finish() before the end-of-archive marker")
        // What libarchive was handed but did not consume sits at the end of the last chunk.
        let consumed = UInt64(max(0, archive_filter_bytes(archive, 0)))
        let unread = Int(min(UInt64(decoder.lastChunk.count), decoder.totalOut - min(consumed, decoder.totalOut)))
        if decoder.lastChunk.suffix(unread).contains(where: { $0 != 0 }) {
            throw BundleError(.notTar, "unexpected data after the tar end-of-archive marker")
        }
        while let chunk = try decoder.next() {
            if chunk.contains(where: { $0 != 0 }) {
                throw BundleError(.notTar, "unexpected data after the tar end-of-archive marker")
            }
        }
    }

    private func check(_ status: Int32, _ what: String) throws(BundleError) {
        if let error = sourceError { throw error }
        // Warnings count as faults too: a bundle writer has no reason to produce any.
        guard status == ARCHIVE_OK else {
            let text = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
            throw BundleError(.notTar, "not a valid tar stream: cannot \(what): \(text)")
        }
    }

    private static func kind(_ type: UInt32) -> TarEntry.Kind {
        switch type {
        case 0o100000: .regular
        case 0o040000: .directory
        case 0o120000: .symlink
        case 0o020000: .characterDevice
        case 0o060000: .blockDevice
        case 0o010000: .fifo
        case 0o140000: .socket
        default: .other(type)
        }
    }
}
