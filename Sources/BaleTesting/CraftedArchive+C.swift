import CArchive
import CZstd

/// Builds hostile or hand-made tar+zstd streams for reader tests: any entry type, any path,
/// any order, data that disagrees with the manifest.
public struct CraftedArchive: Sendable {
    /// One tar entry to write.
    public enum Entry: Sendable {
        /// A regular file.
        case file(String, [UInt8])
        /// A directory.
        case directory(String)
        /// A symbolic link to `target`.
        case symlink(String, target: String)
        /// A hard link to `target`.
        case hardlink(String, target: String)
        /// A character device.
        case characterDevice(String)
        /// A block device.
        case blockDevice(String)
        /// A FIFO.
        case fifo(String)
    }

    /// The entries, in order.
    public var entries: [Entry]
    /// Bytes appended to the tar stream after its end marker.
    public var trailer: [UInt8] = []

    /// Creates an archive description.
    public init(_ entries: [Entry], trailer: [UInt8] = []) {
        self.entries = entries
        self.trailer = trailer
    }

    /// The uncompressed tar bytes.
    public func tarBytes() -> [UInt8] {
        final class Box { var bytes: [UInt8] = [] }
        let box = Box()
        let archive = archive_write_new()!
        archive_write_set_format_pax_restricted(archive)
        archive_write_set_bytes_per_block(archive, 0)
        archive_write_open2(archive, Unmanaged.passUnretained(box).toOpaque(), nil, { _, context, buffer, length in
            Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue().bytes
                .append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }, nil, nil)
        for entry in entries {
            let e = archive_entry_new()!
            var data: [UInt8] = []
            switch entry {
            case .file(let path, let bytes):
                set(e, path, 0o100000)
                data = bytes
            case .directory(let path): set(e, path, 0o040000)
            case .symlink(let path, let target):
                set(e, path, 0o120000)
                archive_entry_copy_symlink(e, target)
            case .hardlink(let path, let target):
                set(e, path, 0o100000)
                archive_entry_copy_hardlink(e, target)
            case .characterDevice(let path): set(e, path, 0o020000)
            case .blockDevice(let path): set(e, path, 0o060000)
            case .fifo(let path): set(e, path, 0o010000)
            }
            archive_entry_set_size(e, la_int64_t(data.count))
            archive_write_header(archive, e)
            if !data.isEmpty { _ = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) } }
            archive_entry_free(e)
        }
        archive_write_close(archive)
        archive_write_free(archive)
        return box.bytes + trailer
    }

    /// The tar bytes compressed into one zstd frame.
    public func bundleBytes(level: Int32 = 3) -> [UInt8] {
        Zstd.compress(tarBytes(), level: level)
    }

    private func set(_ entry: OpaquePointer, _ path: String, _ type: UInt32) {
        archive_entry_copy_pathname(entry, path)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, 0o644)
    }
}

/// One-shot zstd helpers for tests.
public enum Zstd {
    /// Compresses `bytes` into one frame with a checksum.
    public static func compress(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        let cctx = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let n = out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { ZSTD_compress2(cctx, dst.baseAddress, dst.count, $0.baseAddress, $0.count) }
        }
        precondition(ZSTD_isError(n) == 0)
        return Array(out[..<n])
    }

    /// Decompresses a whole stream (all frames) of at most `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int = 64 << 20) -> [UInt8] {
        let dctx = ZSTD_createDCtx()!
        defer { ZSTD_freeDCtx(dctx) }
        var out = [UInt8](repeating: 0, count: limit)
        var produced = 0
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
                while input.pos < input.size {
                    var output = ZSTD_outBuffer(dst: dst.baseAddress! + produced, size: dst.count - produced, pos: 0)
                    let ret = ZSTD_decompressStream(dctx, &output, &input)
                    precondition(ZSTD_isError(ret) == 0, "fixture does not decompress")
                    produced += output.pos
                }
            }
        }
        return Array(out[..<produced])
    }
}
