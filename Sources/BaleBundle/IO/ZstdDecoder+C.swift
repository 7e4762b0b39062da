private import CZstd

/// A streaming zstd decompressor reading a bundle file and handing out decompressed chunks.
///
/// It trusts nothing: it checks the magic before anything else, caps the window the stream may
/// ask for, counts every decompressed byte against a limit (so a bomb stops early), and tells a
/// clean end of stream from a truncated one. Skippable frames are passed over, but their
/// contents must be zeros: bundles use them only as filler, and a flipped byte in filler is
/// damage like any other.
final class ZstdDecoder {
    private let file: InputFile
    private let dctx: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var inBuf: ZSTD_inBuffer
    private var inputEnded = false
    private var frameOpen = false
    private var sawFrame = false
    private let limit: UInt64
    /// When set, the stream is treated as ending after its first zstd frame (a bundle's header
    /// frame), so reading the header never touches the payload.
    private let firstFrameOnly: Bool
    private var stopped = false
    /// The chunk most recently handed out (still valid until the next call).
    private(set) var lastChunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private let maxWindowLog: Int
    /// Decompressed bytes handed out so far.
    private(set) var totalOut: UInt64 = 0
    /// Compressed bytes read from the file so far.
    private(set) var totalIn: UInt64 = 0

    /// Opens `file` for decompression.
    /// - Parameters:
    ///   - limits: the total-size and window limits to enforce.
    ///   - firstFrameOnly: end the stream after the first zstd frame.
    init(file: InputFile, limits: BundleLimits, firstFrameOnly: Bool = false) throws(BundleError) {
        guard let dctx = ZSTD_createDCtx() else { throw BundleError(.io, "zstd: out of memory") }
        self.file = file
        self.dctx = dctx
        self.limit = limits.maxTotalBytes
        self.firstFrameOnly = firstFrameOnly
        self.maxWindowLog = limits.maxWindowLog
        self.input = .allocate(byteCount: Self.bufferSize, alignment: 16)
        self.output = .allocate(byteCount: Self.bufferSize, alignment: 16)
        self.inBuf = ZSTD_inBuffer(src: input.baseAddress, size: 0, pos: 0)
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, Int32(limits.maxWindowLog))
        try checkMagic()
    }

    /// Bytes of each of the input and output buffers: two zstd blocks (128 KiB), enough to keep
    /// per-call overhead negligible without adding to a model's load-time peak memory.
    static let bufferSize = 256 << 10

    deinit {
        ZSTD_freeDCtx(dctx)
        input.deallocate()
        output.deallocate()
    }

    /// The next chunk of decompressed bytes, or `nil` at a clean end of the stream. The chunk
    /// stays valid until the next call.
    func next() throws(BundleError) -> UnsafeRawBufferPointer? {
        if stopped { return nil }
        while true {
            if inBuf.pos == inBuf.size {
                if inputEnded { return try endOfInput() }
                try refill()
                continue
            }
            if !frameOpen, try skipFillerFrame() { continue }
            var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let ret = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(ret) != 0 { throw streamError(ret) }
            frameOpen = ret != 0
            sawFrame = true
            if firstFrameOnly && !frameOpen {
                stopped = true
                lastChunk = UnsafeRawBufferPointer(rebasing: output[..<outBuf.pos])
                return outBuf.pos > 0 ? lastChunk : nil
            }
            if outBuf.pos > 0 {
                totalOut += UInt64(outBuf.pos)
                guard totalOut <= limit else {
                    throw BundleError(
                        .limitExceeded,
                        "bundle expands past the limit of \(formatBytes(limit)); refusing to read further")
                }
                lastChunk = UnsafeRawBufferPointer(rebasing: output[..<outBuf.pos])
                return lastChunk
            }
        }
    }

    // MARK: - Private

    private func refill() throws(BundleError) {
        let n = try file.read(into: input)
        totalIn += UInt64(n)
        inBuf = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0)
        if n == 0 { inputEnded = true }
    }

    /// At a frame boundary: if a skippable frame starts here, consumes it, checking that it
    /// holds only zeros. Returns whether one was skipped.
    private func skipFillerFrame() throws(BundleError) -> Bool {
        guard try ensureInput(ZstdFrame.skippableHeaderSize) else { return false }
        let head = UnsafeRawBufferPointer(start: input.baseAddress! + inBuf.pos, count: inBuf.size - inBuf.pos)
        guard ZstdFrame.isSkippable(head) else { return false }
        guard head.loadUnaligned(as: UInt32.self).littleEndian == ZstdFrame.skippableMagicBase else {
            throw BundleError(.corruptStream, "'\(file.path)': the skippable frame at byte \(position) has magic variant \(head[0] & 0x0F); bundles use variant 0 only (damaged)")
        }
        let start = position
        var remaining = UInt64(head.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        inBuf.pos += ZstdFrame.skippableHeaderSize
        while remaining > 0 {
            if inBuf.pos == inBuf.size {
                try refill()
                if inputEnded {
                    throw BundleError(.truncated, "'\(file.path)' is truncated: it ends inside the filler frame at byte \(start)")
                }
            }
            let count = Int(min(remaining, UInt64(inBuf.size - inBuf.pos)))
            let bytes = UnsafeRawBufferPointer(start: input.baseAddress! + inBuf.pos, count: count)
            guard !bytes.contains(where: { $0 != 0 }) else {
                throw BundleError(.corruptStream, "'\(file.path)': the filler frame at byte \(start) holds non-zero bytes (damaged)")
            }
            inBuf.pos += count
            remaining -= UInt64(count)
        }
        return true
    }

    /// Makes at least `count` unread bytes available in the input buffer, moving the unread
    /// rest to the front first. Returns false when the file ends sooner.
    private func ensureInput(_ count: Int) throws(BundleError) -> Bool {
        while inBuf.size - inBuf.pos < count {
            if inputEnded { return false }
            let unread = inBuf.size - inBuf.pos
            if inBuf.pos > 0 {
                input.baseAddress!.copyMemory(from: input.baseAddress! + inBuf.pos, byteCount: unread)
            }
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: input[unread...]))
            totalIn += UInt64(n)
            inBuf = ZSTD_inBuffer(src: input.baseAddress, size: unread + n, pos: 0)
            if n == 0 { inputEnded = true }
        }
        return true
    }

    /// Offset in the file of the next unread compressed byte.
    private var position: UInt64 { totalIn - UInt64(inBuf.size - inBuf.pos) }

    private func endOfInput() throws(BundleError) -> UnsafeRawBufferPointer? {
        if frameOpen || !sawFrame {
            throw BundleError(.truncated, "'\(file.path)' is truncated: the zstd stream ends in the middle of a frame")
        }
        return nil
    }

    private func checkMagic() throws(BundleError) {
        try refill()
        let head = UnsafeRawBufferPointer(rebasing: input[..<inBuf.size])
        if head.isEmpty { throw BundleError(.notZstd, "'\(file.path)' is empty, not a bundle") }
        if head.count >= 4 {
            let magic = head.loadUnaligned(as: UInt32.self).littleEndian
            if magic == ZstdFrame.magic || ZstdFrame.isSkippable(head) { return }
        }
        throw BundleError(.notZstd, "'\(file.path)' is not a zstd stream (\(sniff(head))); a .bale bundle is tar compressed with zstd")
    }

    /// A guess at what the bytes are, to make the not-zstd error useful.
    private func sniff(_ head: UnsafeRawBufferPointer) -> String {
        let hex = head.prefix(4).map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
        if head.starts(with: [0x1F, 0x8B]) { return "starts with \(hex): looks like gzip" }
        if head.starts(with: [0x50, 0x4B]) { return "starts with \(hex): looks like zip" }
        if head.starts(with: [0x28, 0xB5, 0x2F]) { return "starts with \(hex): a truncated zstd magic" }
        if head.count >= 262, head[257..<262].elementsEqual("ustar".utf8) {
            return "looks like an uncompressed tar archive"
        }
        return "starts with \(hex)"
    }

    private func streamError(_ code: Int) -> BundleError {
        let name = String(cString: ZSTD_getErrorName(code))
        switch ZSTD_getErrorCode(code) {
        case ZSTD_error_frameParameter_windowTooLarge:
            return BundleError(
                .limitExceeded,
                "'\(file.path)': zstd stream needs a window larger than the limit of \(formatBytes(1 << UInt64(maxWindowLog)))")
        case ZSTD_error_checksum_wrong:
            return BundleError(.corruptStream, "'\(file.path)': zstd checksum mismatch: the compressed data is damaged")
        default:
            return BundleError(.corruptStream, "'\(file.path)': corrupt zstd stream near byte \(position): \(name)")
        }
    }

}
