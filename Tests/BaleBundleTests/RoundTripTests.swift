import BaleBundle
import BaleTesting
import Foundation
import Testing

@Suite struct RoundTripTests {
    @Test func packVerifyUnpackGivesTheSameFiles() throws {
        let fixture = Fixture()
        let (path, packed) = try fixture.pack()
        let verified = try BundleReader().verify(path)
        #expect(verified.id == packed.id)
        #expect(verified.manifest.files.map(\.path) == ["config.json", "empty.txt", "model.onnx", "weights/w0.bin"])

        let out = fixture.dir.file("out")
        _ = try BundleExtractor().unpack(path, to: out)
        for file in verified.manifest.files {
            #expect(readBytes("\(out)/\(file.path)") == readBytes("\(fixture.payload)/\(file.path)"), "\(file.path)")
        }
        #expect(readBytes("\(out)/manifest.json") == verified.manifestBytes)
    }

    @Test func sameInputsGiveIdenticalBytesWhateverTheThreadCount() throws {
        let fixture = Fixture()
        let one = try fixture.pack("a.bale", settings: ZstdSettings(level: 3, workers: 1))
        let two = try fixture.pack("b.bale", settings: ZstdSettings(level: 3, workers: 4))
        #expect(readBytes(one.path) == readBytes(two.path))
    }

    @Test func manifestRecordsSizesDigestsAndModelSource() throws {
        let fixture = Fixture()
        var manifest = Fixture.manifest
        manifest.model.source = Manifest.Source(format: "onnx", sha256: "", path: "model.onnx")
        let files = try PayloadDirectory(scanning: fixture.payload).files
        let info = try BundleWriter().write(manifest: manifest, payload: files, to: fixture.dir.file("m.bale"))
        let weights = try #require(info.manifest.files.first { $0.path == "weights/w0.bin" })
        #expect(weights.size == 300_000)
        #expect(weights.sha256 == SHA256Digest.hex(of: pseudoRandomBytes(300_000)))
        #expect(info.manifest.model.source?.sha256 == SHA256Digest.hex(of: pseudoRandomBytes(1000, seed: 7)))
        #expect(try BundleReader().readHeader(fixture.dir.file("m.bale")).manifest.withoutSource == info.manifest)
    }

    @Test func systemTarListsAndExtractsTheBundle() throws {
        let fixture = Fixture()
        let (path, _) = try fixture.pack()
        let listing = try run("/usr/bin/tar", ["--zstd", "-tf", path])
        #expect(listing.split(separator: "\n") == ["manifest.json", "config.json", "empty.txt", "model.onnx", "weights/w0.bin"])
        let out = fixture.dir.file("tar-out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try run("/usr/bin/tar", ["--zstd", "-xf", path, "-C", out])
        #expect(readBytes("\(out)/weights/w0.bin") == pseudoRandomBytes(300_000))
    }

    @Test func headerIsReadWithoutThePayload() throws {
        let fixture = Fixture()
        let (path, packed) = try fixture.pack()
        // Damage the last payload byte: the header still reads, full verification fails.
        var bytes = readBytes(path)
        bytes[bytes.count - 10] ^= 0xFF
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(try BundleReader().readHeader(path).id == packed.id)
        #expect(bundleError { _ = try BundleReader().verify(path) } != nil)
    }

    @Test func uncompressedSizeMatchesTheTarStream() throws {
        let fixture = Fixture()
        let (path, info) = try fixture.pack()
        #expect(UInt64(Zstd.decompress(readBytes(path)).count) == info.uncompressedSize)
    }
}

extension Manifest {
    /// The manifest without the as-read JSON, for comparing a written one with a read one.
    var withoutSource: Manifest {
        var copy = self
        copy.source = nil
        return copy
    }
}

/// Runs a program and returns its standard output; throws on a non-zero exit.
func run(_ program: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BundleError(.io, "\(program) exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}
