import BaleBundle
import BaleTesting
import Foundation
import Testing

/// Runs the built `bale` executable the way users do: exit codes, stdout, one-line errors.
@Suite struct CLITests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `bale` binary next to the test bundle.
    static let executable: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("bale").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("bale").path
    }()

    static func bale(_ arguments: String..., environment: [String: String] = [:]) throws -> Result {
        try bale(arguments: arguments, environment: environment)
    }

    static func bale(arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A directory with a small payload and a packed bundle.
    struct Packed {
        let dir = TemporaryDirectory()
        let bundle: String

        init() throws {
            dir.write("payload/model.onnx", pseudoRandomBytes(50_000))
            dir.write("payload/labels.txt", Array("a\nb\n".utf8))
            bundle = dir.file("m.bale")
            let result = try bale("pack", dir.file("payload"), "-o", bundle, "--name", "m", "--version", "1.0")
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    @Test func verifyPrintsOneOKLine() throws {
        let packed = try Packed()
        let result = try Self.bale("verify", packed.bundle)
        #expect(result.status == 0)
        let id = try BundleReader().readHeader(packed.bundle).id
        #expect(result.stdout == "OK \(id)\n")
    }

    @Test func verifyNamesTheDamagedFileInOneLine() throws {
        let packed = try Packed()
        var tar = Zstd.decompress(readBytes(packed.bundle))
        let entry = try #require(tarEntries(tar).first { $0.path == "model.onnx" })
        tar[entry.dataOffset + 100] ^= 1
        packed.dir.write("bad.bale", Zstd.compress(tar))
        let result = try Self.bale("verify", packed.dir.file("bad.bale"))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("model.onnx") && result.stderr.contains("sha256"))
    }

    @Test func packingTwiceGivesIdenticalBytes() throws {
        let packed = try Packed()
        let again = packed.dir.file("again.bale")
        #expect(try Self.bale("pack", packed.dir.file("payload"), "-o", again, "--name", "m", "--version", "1.0", "--threads", "1").status == 0)
        #expect(readBytes(again) == readBytes(packed.bundle))
    }

    @Test func sourceDateEpochSetsCreatedAt() throws {
        let packed = try Packed()
        let out = packed.dir.file("dated.bale")
        let result = try Self.bale("pack", packed.dir.file("payload"), "-o", out, "--name", "m", "--version", "1", environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(result.status == 0)
        #expect(try BundleReader().readHeader(out).manifest.createdAt == "2023-11-14T22:13:20Z")
    }

    @Test func signAndVerifyWithKeys() throws {
        let packed = try Packed()
        let key = packed.dir.file("k")
        #expect(try Self.bale("keygen", "-o", key).status == 0)
        #expect(try Self.bale("keygen", "-o", key).status != 0, "keygen must not overwrite without --force")
        #expect(try Self.bale("sign", packed.bundle, "--key", key).status == 0)
        #expect(try Self.bale("verify", packed.bundle, "--key", key + ".pub", "--require-signature").status == 0)

        let other = packed.dir.file("other")
        _ = try Self.bale("keygen", "-o", other)
        let wrong = try Self.bale("verify", packed.bundle, "--key", other + ".pub")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("signature does not verify"))
    }

    @Test func requireSignatureWithoutKeyIsAUsageError() throws {
        let packed = try Packed()
        let result = try Self.bale("verify", packed.bundle, "--require-signature")
        #expect(result.status == 64)
        #expect(result.stderr.contains("--require-signature needs --key"))
    }

    @Test func unpackFailureLeavesNothing() throws {
        let packed = try Packed()
        var bytes = readBytes(packed.bundle)
        bytes.removeLast(50)
        packed.dir.write("cut.bale", bytes)
        let before = packed.dir.listing()
        let result = try Self.bale("unpack", packed.dir.file("cut.bale"), "-o", packed.dir.file("out"))
        #expect(result.status == 1)
        #expect(packed.dir.listing() == before)
    }

    @Test func inspectJSONHasTheIdAndManifest() throws {
        let packed = try Packed()
        let result = try Self.bale("inspect", packed.bundle, "--json")
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["id"] as? String == (try BundleReader().readHeader(packed.bundle).id))
        let manifest = try #require(json["manifest"] as? [String: Any])
        #expect((manifest["files"] as? [Any])?.count == 2)
    }

    /// Tensor files' encodings come from their media types in the manifest (docs/bundle-format.md §9.2).
    @Test func inspectCountsTensorEncodings() throws {
        let dir = TemporaryDirectory()
        let bundle = dir.file("t.bale")
        let types = ["application/vnd.bale.tensor", "application/vnd.bale.tensor; encoding=shuffle", "application/vnd.bale.tensor; encoding=shuffle", "application/vnd.bale.tensor; encoding=f16-sparse"]
        let payload = types.enumerated().map { PayloadFile(path: "tensors/00000\($0.offset).bin", bytes: [1, 2], mediaType: $0.element) }
        let manifest = Manifest(name: "t", version: "1", createdAt: "2026-11-26T10:00:00Z", creator: "bale-tests", target: .any)
        _ = try BundleWriter().write(manifest: manifest, payload: payload, to: bundle)
        let result = try Self.bale("inspect", bundle)
        #expect(result.status == 0)
        #expect(result.stdout.contains("encodings  shuffle ×2, f16-sparse ×1, raw ×1\n"), "\(result.stdout)")
        #expect(result.stdout.contains("application/vnd.bale.tensor; encoding=f16-sparse  tensors/000003.bin"), "\(result.stdout)")
    }

    @Test(arguments: [
        (["pack", "DIR", "-o", "OUT", "--name", "bad name", "--version", "1"], "--name"),
        (["pack", "DIR", "-o", "OUT", "--name", "m", "--version", "1", "--level", "99"], "--level"),
        (["pack", "DIR", "-o", "OUT", "--name", "m", "--version", "1", "--target", "mainframe"], "mainframe"),
        (["pack", "DIR", "-o", "DIR/inside.bale", "--name", "m", "--version", "1"], "inside"),
        (["pack", "MISSING", "-o", "OUT", "--name", "m", "--version", "1"], "MISSING"),
        (["verify", "MISSING"], "MISSING"),
        (["verify", "DIR"], "not a regular file"),
        (["build", "DIR/model.onnx", "-o", "OUT", "--quantize", "fp16", "--calibration", "DIR"], "--calibration needs --quantize int8"),
        (["deploy", "OUT", "--to", "http://127.0.0.1:1"], "needs --token-file FILE"),
        (["deploy", "OUT", "--to", "https://127.0.0.1:1", "--token-file", "DIR"], "only http:// is supported"),
        (["deploy", "OUT", "--to", "http://127.0.0.1:1", "--token-file", "DIR", "--keep", "3"], "--keep applies to local installs"),
        (["deploy", "OUT", "--to", "http://127.0.0.1:1", "--token-file", "DIR", "--pubkey", "DIR"], "--pubkey applies to local installs"),
        (["deploy", "--url", "http://127.0.0.1:1/m.bale", "--to", "http://127.0.0.1:1", "--token-file", "DIR"], "--url needs --model NAME"),
        (["deploy", "OUT", "--to", "DIR", "--token-file", "DIR", "--allow-unsigned"], "--token-file goes with --to http://"),
        (["deploy", "OUT", "--to", "DIR", "--model", "m", "--allow-unsigned"], "--url and --model go with --to http://"),
        (["deploy", "OUT", "--to", "http://127.0.0.1:1", "--token-file", "DIR/empty"], "is empty"),
        (["rollback", "--to", "http://127.0.0.1:1", "--token-file", "DIR"], "needs --model NAME"),
        (["status", "--to", "http://127.0.0.1:1"], "POST /v2/repository/index"),
    ])
    func badInputGivesOneLineError(_ arguments: [String], _ mention: String) throws {
        let packed = try Packed()
        packed.dir.write("payload/empty", Array(" \n".utf8))
        let resolved = arguments.map {
            $0.replacingOccurrences(of: "DIR", with: packed.dir.file("payload"))
                .replacingOccurrences(of: "OUT", with: packed.dir.file("x.bale"))
                .replacingOccurrences(of: "MISSING", with: packed.dir.file("missing"))
        }
        let process = try Self.bale(arguments: resolved)
        #expect(process.status != 0)
        #expect(process.stderr.contains(mention == "MISSING" ? "missing" : mention), "\(process.stderr)")
        #expect(!FileManager.default.fileExists(atPath: packed.dir.file("x.bale")))
    }

    @Test func symlinkInPayloadIsNamed() throws {
        let packed = try Packed()
        try FileManager.default.createSymbolicLink(atPath: packed.dir.file("payload/link"), withDestinationPath: "/etc/passwd")
        let result = try Self.bale("pack", packed.dir.file("payload"), "-o", packed.dir.file("x.bale"), "--name", "m", "--version", "1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("link") && result.stderr.contains("symbolic link"))
    }

    @Test func helpExplainsEveryCommand() throws {
        for command in ["pack", "inspect", "verify", "unpack", "keygen", "sign", "deploy", "rollback", "serve"] {
            let result = try Self.bale(command, "--help")
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE"), "\(command)")
        }
    }
}
