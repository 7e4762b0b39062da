private import CZstd

/// A streaming zstd decompressor reading a bundle file and handing out decompressed chunks.
///
/// It trusts nothing: it checks the magic before anything else, caps the window the stream may
/// ask for, counts every decompressed byte against a limit (so a bomb stops early), and tells a
/// clean end of stream from a truncated one. Skippable frames are passed over.
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
    private let maxWindowLog: Int
    /// Decompressed bytes handed out so far.
    private(set) var totalOut: UInt64 = 0
    /// Compressed bytes read from the file so far.
    private(set) var totalIn: UInt64 = 0

    /// Opens `file` for decompression.
    /// - Parameters:
    ///   - limits: the total-size and window limits to enforce.
    init(file: InputFile, limits: BundleLimits) throws(BundleError) {
        guard let dctx = ZSTD_createDCtx() else { throw BundleError(.io, "zstd: out of memory") }
        self.file = file
        self.dctx = dctx
        self.limit = limits.maxTotalBytes
        self.maxWindowLog = limits.maxWindowLog
        self.input = .allocate(byteCount: 1 << 20, alignment: 16)
        self.output = .allocate(byteCount: 1 << 20, alignment: 16)
        self.inBuf = ZSTD_inBuffer(src: input.baseAddress, size: 0, pos: 0)
        ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, Int32(limits.maxWindowLog))
        try checkMagic()
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        input.deallocate()
        output.deallocate()
    }

    /// The next chunk of decompressed bytes, or `nil` at a clean end of the stream. The chunk
    /// stays valid until the next call.
    func next() throws(BundleError) -> UnsafeRawBufferPointer? {
        while true {
            if inBuf.pos == inBuf.size {
                if inputEnded { return try endOfInput() }
                try refill()
                continue
            }
            var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let ret = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(ret) != 0 { throw streamError(ret) }
            frameOpen = ret != 0
            sawFrame = true
            if outBuf.pos > 0 {
                totalOut += UInt64(outBuf.pos)
                guard totalOut <= limit else {
                    throw BundleError(
                        .limitExceeded,
                        "bundle expands past the limit of \(formatBytes(limit)); refusing to read further")
                }
                return UnsafeRawBufferPointer(rebasing: output[..<outBuf.pos])
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
            return BundleError(.corruptStream, "'\(file.path)': corrupt zstd stream at compressed byte \(totalIn - UInt64(inBuf.size - inBuf.pos)): \(name)")
        }
    }

}
