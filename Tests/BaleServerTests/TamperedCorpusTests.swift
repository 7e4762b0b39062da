import BaleBundle
import BaleDeploy
import BaleRuntime
import BaleServer
import BaleTesting
import Foundation
import Testing

/// The tampered-bundle corpus (issue 9): every variant `scripts/make-tampered` wrote from
/// `Fixtures/tampered/good.bale` is refused by each entry point a bundle goes through (the
/// library calls behind `verify`, `unpack`, `run`, `serve` and `deploy`) with one line naming
/// the cause, and the good bundle passes them all. Regenerate with
/// `scripts/make-tampered-fixtures`.
@Suite struct TamperedCorpusTests {
    /// One line of `variants.tsv`.
    struct Variant: CustomTestStringConvertible, Sendable {
        var file: String
        var breaks: String
        /// A substring every entry point's message must contain.
        var expect: String
        var testDescription: String { file }
    }

    static let directory = Bundle.module.url(forResource: "Fixtures/tampered", withExtension: nil)!.path
    static let good = "\(directory)/good.bale"

    static let variants: [Variant] = {
        let text = (try? String(contentsOfFile: "\(directory)/variants.tsv", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Variant(file: fields[0], breaks: fields[1], expect: fields[2])
        }
    }()

    /// The corpus is read with the good key required and a 16 MiB limit, which the bomb crosses.
    static let reader: BundleReader = {
        let pem = try! String(contentsOfFile: "\(directory)/good.pub", encoding: .utf8)
        return BundleReader(
            limits: BundleLimits(maxTotalBytes: 16 << 20), publicKey: try! BundlePublicKey(pem: pem), requireSignature: true)
    }()

    @Test func theCorpusIsComplete() {
        #expect(Self.variants.count >= 30)
        for variant in Self.variants {
            #expect(FileManager.default.fileExists(atPath: "\(Self.directory)/\(variant.file)"), "\(variant.file)")
        }
    }

    @Test func theGoodBundlePassesEveryEntryPoint() async throws {
        let dir = TemporaryDirectory()
        let info = try Self.reader.verify(Self.good)
        #expect(info.signatureVerified)
        _ = try BundleExtractor(reader: Self.reader).unpack(Self.good, to: dir.file("out"))
        _ = try BundledModel(path: Self.good, reader: Self.reader)
        let server = await TestModels.server([Self.good]) { $0.reader = Self.reader }
        #expect(server.repository.isReady)
        let result = try Installer(device: DeviceDirectory(path: dir.file("device")), reader: Self.reader).install(Self.good)
        #expect(result.selfTest == "self-test passed")
    }

    @Test(arguments: variants)
    func everyEntryPointRefusesTheVariant(_ variant: Variant) async throws {
        let path = "\(Self.directory)/\(variant.file)"
        let messages = try await Self.refusals(of: path)
        for (entryPoint, message) in messages {
            let message = try #require(message, "\(entryPoint) accepted \(variant.file) (\(variant.breaks))")
            #expect(message.contains(variant.expect), "\(entryPoint): \(message)")
            #expect(!message.contains("\n"), "\(entryPoint): \(message)")
        }
    }

    /// Each entry point's error message for the bundle at `path`, or nil where it was accepted;
    /// also checks that a refusal leaves nothing behind.
    static func refusals(of path: String) async throws -> [(String, String?)] {
        let dir = TemporaryDirectory()
        var messages: [(String, String?)] = []
        messages.append(("verify", message { _ = try reader.verify(path) }))

        messages.append(("unpack", message { _ = try BundleExtractor(reader: reader).unpack(path, to: dir.file("out")) }))
        #expect(dir.listing().isEmpty, "unpack left \(dir.listing())")

        messages.append(("run", message { _ = try BundledModel(path: path, reader: reader) }))

        let server = await TestModels.server([path]) { $0.reader = reader }
        let entry = server.repository.index.arrayValue?.first
        #expect(!server.repository.isReady)
        #expect(entry?["state"]?.stringValue == "UNAVAILABLE")
        messages.append(("serve", entry?["reason"]?.stringValue))

        let device = DeviceDirectory(path: dir.file("device"))
        let installer = Installer(device: device, reader: reader)
        _ = try installer.install(good)
        let before = tree(device.path)
        messages.append(("deploy", message { _ = try installer.install(path) }))
        #expect(tree(device.path) == before, "deploy changed the device directory")
        return messages
    }

    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Every path under `root` but the install log (which records refusals), with link targets.
    static func tree(_ root: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0 != "install.log" }.sorted().map { name in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/\(name)")
            return target.map { "\(name) -> \($0)" } ?? name
        }
    }
}
