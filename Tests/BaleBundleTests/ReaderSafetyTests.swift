import BaleBundle
import BaleTesting
import Foundation
import Testing

/// Crafted archives, one per rule of the reader; each must be refused with the right code, and
/// unpacking it must leave nothing behind.
@Suite struct ReaderSafetyTests {
    static let a = Array("alpha".utf8)
    static let b = pseudoRandomBytes(5000)

    /// Canonical manifest bytes listing `files` (path, contents), after `edit`.
    static func manifest(_ files: [(String, [UInt8])], edit: (inout Manifest) -> Void = { _ in }) -> [UInt8] {
        var manifest = Fixture.manifest
        manifest.files = files.map {
            Manifest.File(path: $0.0, size: UInt64($0.1.count), sha256: SHA256Digest.hex(of: $0.1), mediaType: MediaType.binary)
        }
        edit(&manifest)
        return manifest.canonicalBytes()
    }

    static let good = manifest([("a.txt", a), ("b.bin", b)])

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: @Sendable () -> [UInt8]
        var code: BundleError.Code
        var limits = BundleLimits()
        var testDescription: String { name }
    }

    static func tar(_ entries: [CraftedArchive.Entry], trailer: [UInt8] = []) -> @Sendable () -> [UInt8] {
        { CraftedArchive(entries, trailer: trailer).bundleBytes() }
    }

    static let cases: [Case] = [
        Case(name: "absolute path", bytes: tar([.file("manifest.json", good), .file("/etc/evil", a)]), code: .unsafeEntry),
        Case(name: "dot-dot path", bytes: tar([.file("manifest.json", good), .file("../evil", a)]), code: .unsafeEntry),
        Case(name: "inner dot-dot path", bytes: tar([.file("manifest.json", good), .file("x/../../evil", a)]), code: .unsafeEntry),
        Case(name: "symlink", bytes: tar([.file("manifest.json", good), .symlink("a.txt", target: "/etc/passwd")]), code: .unsafeEntry),
        Case(name: "hard link", bytes: tar([.file("manifest.json", good), .hardlink("a.txt", target: "/etc/passwd")]), code: .unsafeEntry),
        Case(name: "character device", bytes: tar([.file("manifest.json", good), .characterDevice("a.txt")]), code: .unsafeEntry),
        Case(name: "block device", bytes: tar([.file("manifest.json", good), .blockDevice("a.txt")]), code: .unsafeEntry),
        Case(name: "fifo", bytes: tar([.file("manifest.json", good), .fifo("a.txt")]), code: .unsafeEntry),
        Case(name: "directory entry", bytes: tar([.file("manifest.json", good), .directory("d")]), code: .unsafeEntry),
        Case(name: "duplicate entry", bytes: tar([.file("manifest.json", good), .file("a.txt", a), .file("a.txt", a), .file("b.bin", b)]), code: .duplicateEntry),
        Case(name: "second manifest", bytes: tar([.file("manifest.json", good), .file("a.txt", a), .file("b.bin", b), .file("manifest.json", good)]), code: .duplicateEntry),
        Case(name: "unlisted entry", bytes: tar([.file("manifest.json", good), .file("a.txt", a), .file("b.bin", b), .file("c.bin", a)]), code: .unlistedEntry),
        Case(name: "missing file at end", bytes: tar([.file("manifest.json", good), .file("a.txt", a)]), code: .missingEntry),
        Case(name: "missing file in middle", bytes: tar([.file("manifest.json", good), .file("b.bin", b)]), code: .missingEntry),
        Case(name: "size mismatch", bytes: tar([.file("manifest.json", good), .file("a.txt", a + [0x21]), .file("b.bin", b)]), code: .sizeMismatch),
        Case(name: "digest mismatch", bytes: tar([.file("manifest.json", good), .file("a.txt", Array("alphA".utf8)), .file("b.bin", b)]), code: .digestMismatch),
        Case(name: "manifest missing", bytes: tar([.file("a.txt", a), .file("b.bin", b)]), code: .entryOrder),
        Case(name: "manifest not first", bytes: tar([.file("a.txt", a), .file("manifest.json", good), .file("b.bin", b)]), code: .entryOrder),
        Case(name: "empty archive", bytes: tar([]), code: .manifestInvalid),
        Case(name: "manifest over 1 MiB", bytes: tar([.file("manifest.json", manifest([("a.txt", a)]) { $0.metrics["pad"] = .string(String(repeating: "x", count: 1 << 20)) })]), code: .limitExceeded),
        Case(name: "manifest not JSON", bytes: tar([.file("manifest.json", Array("{not json".utf8))]), code: .manifestInvalid),
        Case(name: "manifest not canonical", bytes: tar([.file("manifest.json", good + [0x0A]), .file("a.txt", a), .file("b.bin", b)]), code: .manifestInvalid),
        Case(name: "manifest missing a field", bytes: tar([.file("manifest.json", Array(#"{"formatVersion":"1.0","name":"x"}"#.utf8))]), code: .manifestInvalid),
        Case(name: "manifest with an unsafe listed path", bytes: tar([.file("manifest.json", manifest([("../a", a)]))]), code: .manifestInvalid),
        Case(name: "newer major format", bytes: tar([.file("manifest.json", Array(#"{"formatVersion":"2.0"}"#.utf8))]), code: .unsupportedVersion),
        Case(name: "declared size over the limit", bytes: tar([.file("manifest.json", good), .file("a.txt", a), .file("b.bin", b)]), code: .limitExceeded, limits: BundleLimits(maxTotalBytes: 4096)),
        Case(name: "expansion over the limit", bytes: tar([.file("manifest.json", manifest([("a.txt", a)])), .file("a.txt", a)], trailer: [UInt8](repeating: 0, count: 3 << 20)), code: .limitExceeded, limits: BundleLimits(maxTotalBytes: 1 << 20)),
        Case(name: "data after the end marker", bytes: tar([.file("manifest.json", manifest([("a.txt", a)])), .file("a.txt", a)], trailer: [UInt8](repeating: 0x41, count: 4096)), code: .notTar),
        Case(name: "not zstd: random", bytes: { pseudoRandomBytes(4096) }, code: .notZstd),
        Case(name: "not zstd: gzip", bytes: { [0x1F, 0x8B, 0x08, 0x00] + pseudoRandomBytes(100) }, code: .notZstd),
        Case(name: "not zstd: plain tar", bytes: { CraftedArchive([.file("manifest.json", good)]).tarBytes() }, code: .notZstd),
        Case(name: "empty file", bytes: { [] }, code: .notZstd),
        Case(name: "zstd but not tar", bytes: { Zstd.compress(pseudoRandomBytes(10_000)) }, code: .notTar),
    ]

    @Test(arguments: cases)
    func craftedArchiveIsRefused(_ testCase: Case) throws {
        let dir = TemporaryDirectory()
        let path = dir.write("bad.bale", testCase.bytes())
        let reader = BundleReader(limits: testCase.limits)
        let error = try #require(bundleError { _ = try reader.verify(path) })
        #expect(error.code == testCase.code, "\(error)")
        #expect(!error.message.contains("\n"))

        let unpackError = bundleError { _ = try BundleExtractor(reader: reader).unpack(path, to: dir.file("out")) }
        #expect(unpackError?.code == testCase.code)
        #expect(dir.listing() == ["bad.bale"], "unpack left files behind")
    }

    @Test func truncationAnywhereIsRefused() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        let bytes = readBytes(path)
        for cut in stride(from: 1, to: bytes.count, by: max(1, bytes.count / 23)) + [bytes.count - 1] {
            let cutPath = fixture.dir.write("cut.bale", Array(bytes[..<cut]))
            let error = try #require(bundleError { _ = try BundleReader().verify(cutPath) }, "cut at \(cut)")
            #expect([.truncated, .notZstd, .corruptStream, .notTar].contains(error.code), "cut at \(cut): \(error)")
        }
    }

    /// zstd has a few bits that do not change what a frame decodes to (a window-size bit, unused
    /// bits in entropy tables): a flip there leaves the content intact. Every other flip must be
    /// refused, so a flip can never make `verify` accept altered content.
    @Test func noSingleBitFlipChangesWhatVerifyAccepts() throws {
        let dir = TemporaryDirectory()
        dir.write("p/a.txt", Array("hello bale".utf8))
        let files = try PayloadDirectory(scanning: dir.file("p")).files
        let path = dir.file("small.bale")
        _ = try BundleWriter().write(manifest: Fixture.manifest, payload: files, to: path)
        let bytes = readBytes(path)
        let original = Zstd.decompress(bytes)
        var accepted: [Int] = []
        for index in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var flipped = bytes
                flipped[index] ^= mask
                let flippedPath = dir.write("flipped.bale", flipped)
                guard bundleError({ _ = try BundleReader().verify(flippedPath) }) == nil else { continue }
                accepted.append(index)
                #expect(Zstd.decompress(flipped) == original, "flip \(mask) at \(index) changed the content but passed")
            }
        }
        #expect(accepted.count < 10, "too many neutral flips: \(accepted)")
    }

    @Test func flippedPayloadByteIsNamedInTheError() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        var tar = Zstd.decompress(readBytes(path))
        let entry = try #require(tarEntries(tar).first { $0.path == "weights/w0.bin" })
        tar[entry.dataOffset + 1234] ^= 0x40
        let tampered = fixture.dir.write("tampered.bale", Zstd.compress(tar))
        let error = try #require(bundleError { _ = try BundleReader().verify(tampered) })
        #expect(error.code == .digestMismatch)
        #expect(error.path == "weights/w0.bin")
        #expect(error.message.contains("weights/w0.bin"))
    }

    @Test func everyFlippedManifestByteIsCaughtEvenWhenRecompressed() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        let tar = Zstd.decompress(readBytes(path))
        let manifest = try #require(tarEntries(tar).first { $0.path == "manifest.json" })
        for index in manifest.dataOffset..<(manifest.dataOffset + manifest.size) {
            var flipped = tar
            flipped[index] ^= 0x01
            let flippedPath = fixture.dir.write("m.bale", Zstd.compress(flipped, level: 1))
            #expect(bundleError { _ = try BundleReader().verify(flippedPath) } != nil, "manifest byte \(index - manifest.dataOffset)")
        }
    }

    @Test func nonZeroFillerIsRefused() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        var bytes = readBytes(path)
        // The header frame is followed by the skippable filler frame; damage its last byte.
        let headerFrameEnd = try #require(firstSkippableFrame(bytes))
        let fillerLength = Int(UInt32(bytes[headerFrameEnd + 4]) | UInt32(bytes[headerFrameEnd + 5]) << 8)
        try #require(fillerLength > 0)
        bytes[headerFrameEnd + 8 + fillerLength - 1] = 0x01
        let error = try #require(bundleError { _ = try BundleReader().verify(fixture.dir.write("f.bale", bytes)) })
        #expect(error.code == .corruptStream)
    }

    /// Offset of the first skippable frame's magic.
    private func firstSkippableFrame(_ bytes: [UInt8]) -> Int? {
        (0..<(bytes.count - 4)).first { bytes[$0] & 0xF0 == 0x50 && bytes[$0 + 1] == 0x2A && bytes[$0 + 2] == 0x4D && bytes[$0 + 3] == 0x18 }
    }
}
