import BaleBundle
import BaleTesting
import Foundation
import Testing

/// `bale build --plugin` and `bale run --raw` end to end, on a small scikit-learn digits MLP
/// (Fixtures/digits, written by scripts/gen-plugin-fixtures.py: input X [N, 64] in 0..1).
@Suite struct PluginCLITests {
    static func digits(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("digits/\(name)").path
    }

    /// The image → normalize → topk bundle, built once per test.
    struct Built {
        let dir = TemporaryDirectory()
        let bundle: String

        /// Builds with `plugins`, by default image (8×8 gray, flat) → normalize (1/255) → topk (3, labels).
        init(_ plugins: [String]? = nil) throws {
            let plugins = try plugins ?? [
                "--plugin", "image:width=8,height=8,channels=1,layout=flat",
                "--plugin", "normalize:scale=0.00392156862745098",
                "--plugin", "topk:k=3,labels=labels.txt",
                "--plugin-asset", "topk=\(PluginCLITests.digits("labels.txt"))",
            ]
            let result = try CLITests.bale(arguments: [
                "build", try PluginCLITests.digits("digits.onnx"), "-o", dir.path, "--name", "digits",
                "--created-at", "2026-11-26T10:00:00Z",
            ] + plugins)
            #expect(result.status == 0, "\(result.stderr)")
            bundle = dir.file("digits-1.0-cloud-x86_64.bale")
        }
    }

    /// The labels of a `{"topk": [...]}` response, best first.
    static func labels(_ stdout: String) throws -> [String] {
        let value = try JSONParser().parse(Array(stdout.utf8))
        guard case .array(let entries)? = value["topk"] else { throw BundleError(.invalidInput, "no topk in \(stdout)") }
        return entries.compactMap { if case .string(let label)? = $0["label"] { label } else { nil } }
    }

    @Test(arguments: [("digit-3.png", "three"), ("digit-7.png", "seven"), ("digit-3.pgm", "three"), ("digit-7.pgm", "seven")])
    func rawImageAnswersWithTheRightLabel(file: String, label: String) throws {
        let built = try Built()
        let result = try CLITests.bale("run", built.bundle, "--raw", try Self.digits(file))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("{\"topk\":[{\"index\":"))
        let labels = try Self.labels(result.stdout)
        #expect(labels.count == 3)
        #expect(labels.first == label)
    }

    @Test func rawJSONGoesThroughNormalize() throws {
        let built = try Built(["--plugin", "normalize", "--plugin", "topk:k=1,labels=labels.txt", "--plugin-asset", "topk=\(try Self.digits("labels.txt"))"])
        let pixels = readBytes(try Self.digits("digit-7.pgm")).suffix(64)
        let json = "{\"data\": [\(pixels.map { "\(Double($0) / 255)" }.joined(separator: ", "))]}"
        let request = built.dir.write("request.json", Array(json.utf8))
        let result = try CLITests.bale("run", built.bundle, "--raw", request)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.labels(result.stdout) == ["seven"])
    }

    @Test func tensorInputsSkipPreprocessingAndKeepPostprocessingUnlessAsked() throws {
        let built = try Built()
        let pixels = readBytes(try Self.digits("digit-3.pgm")).suffix(64)
        let json = "{\"inputs\": {\"X\": [[\(pixels.map { "\(Double($0) / 255)" }.joined(separator: ", "))]]}}"
        let topk = try CLITests.bale("run", built.bundle, "--json", json)
        #expect(topk.status == 0, "\(topk.stderr)")
        #expect(try Self.labels(topk.stdout).first == "three")
        let raw = try CLITests.bale("run", built.bundle, "--json", json, "--no-postprocess")
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(raw.stdout.hasPrefix("{\"outputs\":{"))
        let files = try CLITests.bale("run", built.bundle, "--json", json, "--output-dir", built.dir.file("out"))
        #expect(files.stderr == "error: --output-dir writes the output tensors, but this bundle's postprocess plugins (topk) turn them into a response; add --no-postprocess\n")
        let npy = try CLITests.bale("run", built.bundle, "--json", json, "--output-dir", built.dir.file("out"), "--no-postprocess")
        #expect(npy.status == 0, "\(npy.stderr)")
        #expect(FileManager.default.fileExists(atPath: built.dir.file("out/probabilities.npy")))
    }

    @Test func inspectListsThePluginsWithConfigAndAssets() throws {
        let built = try Built()
        let result = try CLITests.bale("inspect", built.bundle)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("plugin ") }
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("1. preprocess image channels=1,height=8,layout=flat,width=8"))
        #expect(lines[1].hasSuffix("2. preprocess normalize scale=0.00392156862745098"))
        #expect(lines[2].contains("3. postprocess topk k=3,labels=labels.txt; assets plugins/topk/labels.txt (50 B, sha256 "))
        let manifest = try BundleReader().readHeader(built.bundle).manifest
        #expect(manifest.files.contains { $0.path == "plugins/topk/labels.txt" && $0.size == 50 })
    }

    @Test(arguments: [
        (["--plugin", "resize"], "error: plugin 'resize': is not a known plugin (known: drift, image, jsonlog, metrics, normalize, quality, topk)"),
        (["--plugin", "topk:top=3"], "error: plugin 'topk': key 'top': is not a known key (accepted: k, labels, output)"),
        (["--plugin", "normalize:std=0"], "error: plugin 'normalize': key 'std': value 1 is 0; a standard deviation must not be zero"),
        (["--plugin", "topk:labels=labels.txt"], "error: plugin 'topk': key 'labels': asset 'labels.txt' is not in the bundle (plugins/topk/ holds nothing); add it with --plugin-asset topk=FILE"),
        (["--plugin", "image:width=9"], "error: plugin 'image': 9×9×1 = 81 values do not fit input 'X' of shape [?, 64] (64 values a sample); check keys width, height, channels"),
        (["--plugin-asset", "topk=labels.txt"], "error: --plugin-asset 'topk=labels.txt': no --plugin topk is declared"),
    ])
    func buildRefusesBadPluginsNamingThePluginAndKey(arguments: [String], message: String) throws {
        let dir = TemporaryDirectory()
        let result = try CLITests.bale(arguments: ["build", try Self.digits("digits.onnx"), "-o", dir.path] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr == message + "\n")
        #expect(dir.listing().isEmpty)
    }

    /// `bundle` rewritten with `plugins` in its manifest, as a tool other than `bale build`
    /// (which checks them) could write it.
    static func redeclaring(_ bundle: String, _ plugins: [Manifest.Plugin], in dir: TemporaryDirectory) throws -> String {
        let unpacked = dir.file("unpacked")
        let result = try CLITests.bale("unpack", bundle, "-o", unpacked)
        #expect(result.status == 0, "\(result.stderr)")
        var manifest = try BundleReader().readHeader(bundle).manifest
        manifest.source = nil
        manifest.plugins = plugins
        let payload = manifest.files.map {
            PayloadFile(path: $0.path, source: .file(path: "\(unpacked)/\($0.path)"), size: $0.size, mediaType: $0.mediaType)
        }
        let path = dir.file("redeclared.bale")
        _ = try BundleWriter().write(manifest: manifest, payload: payload, to: path)
        return path
    }

    @Test(arguments: [
        (Manifest.Plugin(name: "resize", stage: "preprocess"), "error: plugin 'resize': is not a known plugin (known: drift, image, jsonlog, metrics, normalize, quality, topk)"),
        (Manifest.Plugin(name: "topk", stage: "postprocess", config: ["k": .string("zero")]), "error: plugin 'topk': key 'k': \"zero\" must be a whole number from 1 to 100000"),
        (Manifest.Plugin(name: "topk", stage: "postprocess", config: ["labels": .string("names.txt")]), "error: plugin 'topk': key 'labels': asset 'names.txt' is not in the bundle (plugins/topk/ holds labels.txt); add it with --plugin-asset topk=FILE"),
        (Manifest.Plugin(name: "topk", stage: "preprocess"), "error: plugin 'topk': is a postprocess plugin, but the manifest declares it as 'preprocess'"),
    ])
    func loadingFailsOnABadPluginBeforeAnyRequest(plugin: Manifest.Plugin, message: String) throws {
        let built = try Built()
        let bundle = try Self.redeclaring(built.bundle, [plugin], in: built.dir)
        #expect(try CLITests.bale("verify", bundle).status == 0)
        let result = try CLITests.bale("run", bundle, "--raw", try Self.digits("digit-3.png"))
        #expect(result.status == 1)
        #expect(result.stderr == message + "\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func aBundleWithoutPluginsRunsAsBeforeAndRefusesRawRequests() throws {
        let built = try Built()
        let bundle = try Self.redeclaring(built.bundle, [], in: built.dir)
        #expect(try CLITests.bale("inspect", bundle).stdout.contains("\nplugins     none\n"))
        let json = "{\"inputs\": {\"X\": [[\(Array(repeating: "0", count: 64).joined(separator: ", "))]]}}"
        let tensors = try CLITests.bale("run", bundle, "--json", json)
        #expect(tensors.status == 0, "\(tensors.stderr)")
        #expect(tensors.stdout.hasPrefix("{\"outputs\":{\"label\":"))
        let raw = try CLITests.bale("run", bundle, "--raw", try Self.digits("digit-3.png"))
        #expect(raw.status == 1)
        #expect(raw.stderr.hasPrefix("error: the request is 128 bytes, but the model takes tensors: declare a preprocess plugin"))
    }

    @Test func aFailingPreprocessPluginFailsTheRunNamingIt() throws {
        let built = try Built()
        let request = built.dir.write("not-an-image.txt", Array("hello".utf8))
        let result = try CLITests.bale("run", built.bundle, "--raw", request)
        #expect(result.status == 1)
        #expect(result.stderr == "error: plugin 'image': the request is neither PNG nor PGM/PPM (it starts with bytes 68 65 6c 6c)\n")
    }
}
