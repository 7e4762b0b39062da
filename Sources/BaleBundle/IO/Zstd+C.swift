private import CZstd

// MARK: - Compression

/// Settings for the zstd encoder.
public struct ZstdSettings: Sendable, Hashable {
    /// Compression level (negative = fast levels, up to 22). Default 3.
    public var level: Int
    /// Worker threads. Always at least 1: zstd's multi-threaded output is the same whatever the
    /// worker count, so bundles stay byte-identical across machines.
    public var workers: Int
    /// Long-distance matching window as a power of two (e.g. 27 = 128 MiB), or `nil` for off.
    public var longWindowLog: Int?

    /// Creates settings.
    public init(level: Int = 3, workers: Int = 1, longWindowLog: Int? = nil) {
        self.level = level
        self.workers = max(1, workers)
        self.longWindowLog = longWindowLog
    }

    /// The range of levels libzstd accepts.
    public static var levelRange: ClosedRange<Int> { Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel()) }

    /// The size `bytes` compress to with these settings, as one frame made by the same encoder
    /// (level, window, jobs) as a bundle's payload; the output is counted, not kept. Lets a
    /// writer compare candidate encodings of a file by what they would cost in a bundle.
    /// - Throws: a ``BundleError`` when zstd fails (out of memory, an invalid level).
    public func compressedSize(of bytes: [UInt8]) throws(BundleError) -> Int {
        let encoder = try ZstdEncoder(self)
        var size = 0
        try bytes.withBytes { chunk throws(BundleError) in try encoder.compress(chunk) { size += $0.count } }
        try encoder.finish { size += $0.count }
        return size
    }
}

/// A streaming zstd compressor (one `ZSTD_CCtx`), writing frames with content checksums.
final class ZstdEncoder {
    /// Bytes per multi-threaded compression job (raised by libzstd when a window needs more).
    static let jobSize: Int32 = 1 << 20
    /// The match window (log2: 2 MiB) used without long-distance matching. Every reader must hold
    /// the window in memory while decoding; levels 7 and up would take 4-128 MiB (level 19, the
    /// edge profile's, 8 MiB) for well under 1 % on weights (docs/benchmarks.md).
    static let windowLog: Int32 = 21
    /// The lowest level whose default window exceeds ``windowLog`` (levels 3-6 use 2 MiB already).
    static let cappedWindowLevel = 7
    private let cctx: OpaquePointer
    private var output: UnsafeMutableRawBufferPointer

    init(_ settings: ZstdSettings) throws(BundleError) {
        guard let cctx = ZSTD_createCCtx() else { throw BundleError(.io, "zstd: out of memory") }
        self.cctx = cctx
        self.output = .allocate(byteCount: ZSTD_CStreamOutSize() * 4, alignment: 16)
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(settings.level)), "level")
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1), "checksum")
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, Int32(settings.workers)), "threads")
        // 1 MiB jobs keep the writer's peak RSS near 50 MiB with two workers at level 3 (the
        // default, about 4x the window, took 140 MiB) for the same speed and a size within
        // 0.01 % (docs/benchmarks.md). A fixed value also keeps the output deterministic.
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, Self.jobSize), "job size")
        if let windowLog = settings.longWindowLog {
            try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1), "long")
            try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, Int32(windowLog)), "window")
        } else if settings.level >= Self.cappedWindowLevel {
            try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, Self.windowLog), "window")
        }
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        output.deallocate()
    }

    /// Compresses `input`, handing finished compressed bytes to `sink`.
    func compress(
        _ input: UnsafeRawBufferPointer,
        into sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void
    ) throws(BundleError) {
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while inBuf.pos < inBuf.size {
            try step(&inBuf, ZSTD_e_continue, sink)
        }
    }

    /// Ends the frame, flushing everything to `sink`.
    func finish(into sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) {
        var inBuf = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&inBuf, ZSTD_e_end, sink) != 0 {}
    }

    @discardableResult
    private func step(
        _ inBuf: inout ZSTD_inBuffer,
        _ mode: ZSTD_EndDirective,
        _ sink: (UnsafeRawBufferPointer) throws(BundleError) -> Void
    ) throws(BundleError) -> Int {
        var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let remaining = ZSTD_compressStream2(cctx, &outBuf, &inBuf, mode)
        try check(remaining, "compress")
        if outBuf.pos > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<outBuf.pos])) }
        return remaining
    }

    private func check(_ code: Int, _ what: String) throws(BundleError) {
        if ZSTD_isError(code) != 0 {
            throw BundleError(.invalidInput, "zstd \(what): \(String(cString: ZSTD_getErrorName(code)))")
        }
    }
}

/// Compresses `bytes` into one complete zstd frame (with content size and checksum).
func zstdCompressFrame(_ bytes: [UInt8], level: Int) throws(BundleError) -> [UInt8] {
    guard let cctx = ZSTD_createCCtx() else { throw BundleError(.io, "zstd: out of memory") }
    defer { ZSTD_freeCCtx(cctx) }
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level))
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
    let n = out.withUnsafeMutableBytes { dst in
        bytes.withUnsafeBytes { src in ZSTD_compress2(cctx, dst.baseAddress, dst.count, src.baseAddress, src.count) }
    }
    guard ZSTD_isError(n) == 0 else {
        throw BundleError(.io, "zstd compress: \(String(cString: ZSTD_getErrorName(n)))")
    }
    out.removeSubrange(n...)
    return out
}

/// The most bytes a frame holding `count` bytes can take (`ZSTD_compressBound`).
func zstdCompressBound(_ count: Int) -> Int { ZSTD_compressBound(count) }

// MARK: - Frame layout

/// Facts about zstd frames needed to lay out and re-use bundle frames.
enum ZstdFrame {
    /// The first four bytes of a zstd frame, little-endian.
    static let magic: UInt32 = 0xFD2F_B528
    /// Skippable frames use magics `0x184D2A50` to `0x184D2A5F`.
    static let skippableMagicBase: UInt32 = 0x184D_2A50
    /// Size of a skippable frame's header (magic + 32-bit length).
    static let skippableHeaderSize = 8

    /// A skippable frame of exactly `totalSize` bytes (header plus zero filler).
    static func skippable(totalSize: Int) -> [UInt8] {
        precondition(totalSize >= skippableHeaderSize)
        var frame = [UInt8](repeating: 0, count: totalSize)
        let length = UInt32(totalSize - skippableHeaderSize)
        for i in 0..<4 {
            frame[i] = UInt8(truncatingIfNeeded: skippableMagicBase >> (8 * UInt32(i)))
            frame[4 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i)))
        }
        return frame
    }

    /// The size of the frame (zstd or skippable) at the start of `bytes`, or `nil` if `bytes`
    /// does not hold a whole valid frame.
    static func size(at bytes: UnsafeRawBufferPointer) -> Int? {
        let n = ZSTD_findFrameCompressedSize(bytes.baseAddress, bytes.count)
        return ZSTD_isError(n) != 0 ? nil : n
    }

    /// Whether `bytes` start with a skippable-frame magic.
    static func isSkippable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 4 else { return false }
        return bytes.loadUnaligned(as: UInt32.self).littleEndian & 0xFFFF_FFF0 == skippableMagicBase
    }

    /// Decompresses one whole frame held in `bytes`, refusing output over `limit` bytes.
    static func decompress(_ bytes: UnsafeRawBufferPointer, limit: Int) throws(BundleError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: limit)
        let n = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, bytes.baseAddress, bytes.count) }
        guard ZSTD_isError(n) == 0 else {
            throw BundleError(.corruptStream, "zstd: \(String(cString: ZSTD_getErrorName(n)))")
        }
        out.removeSubrange(n...)
        return out
    }
}
