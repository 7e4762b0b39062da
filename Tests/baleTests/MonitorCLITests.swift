import BaleBundle
import BaleGraph
import BaleRuntime
import BaleTesting
import Foundation
import Testing

/// The monitor plugins through `bale build` and `bale run`, on the digits fixture.
@Suite struct MonitorCLITests {
    /// The image → normalize → topk bundle with the metrics, jsonlog, quality and drift
    /// monitors; drift's reference is 40 copies of digit-3's pixels (`ref/X.npy`).
    static func built() throws -> PluginCLITests.Built {
        let dir = TemporaryDirectory()
        let pixels = readBytes(try PluginCLITests.digits("digit-3.pgm")).suffix(64).map { Float($0) / 255 }
        let reference = dir.write("ref/X.npy", NPY.write(Tensor(shape: [40, 64], floats: Array((0..<40).map { _ in pixels }.joined()))))
        let labels = try PluginCLITests.digits("labels.txt")
        return try PluginCLITests.Built([
            "--plugin", "image:width=8,height=8,channels=1,layout=flat",
            "--plugin", "normalize:scale=0.00392156862745098",
            "--plugin", "topk:k=1,labels=labels.txt", "--plugin-asset", "topk=\(labels)",
            "--plugin", "metrics", "--plugin", "jsonlog:rate=1",
            "--plugin", "quality:labels=labels.txt", "--plugin-asset", "quality=\(labels)",
            "--plugin", "drift:window=1", "--plugin-asset", "drift=\(URL(fileURLWithPath: reference).deletingLastPathComponent().path)",
        ])
    }

    @Test func driftShipsReferenceStatisticsNotTheReferenceInputs() throws {
        let built = try Self.built()
        let manifest = try BundleReader().readHeader(built.bundle).manifest
        let drift = manifest.files.map(\.path).filter { $0.hasPrefix("plugins/drift/") }
        #expect(drift == ["plugins/drift/reference.json"])
        let inspect = try CLITests.bale("inspect", built.bundle)
        #expect(inspect.stdout.contains("7. monitor drift window=1; assets plugins/drift/reference.json"))
    }

    @Test func feedbackPrintsTheQualityFiguresOfThisRequest() throws {
        let built = try Self.built()
        let right = try CLITests.bale("run", built.bundle, "--raw", try PluginCLITests.digits("digit-3.png"), "--feedback", "three")
        #expect(right.status == 0, "\(right.stderr)")
        let lines = right.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        #expect(try PluginCLITests.labels(lines[0]) == ["three"])
        let figures = try JSONParser().parse(Array(lines[1].utf8))
        #expect(figures["feedback"]?["quality"]?["accuracy"] == .number(1))
        #expect(figures["feedback"]?["quality"]?["classes"]?["three"]?["recall"] == .number(1))

        let wrong = try CLITests.bale("run", built.bundle, "--raw", try PluginCLITests.digits("digit-3.png"), "--feedback", "7")
        #expect(wrong.status == 0, "\(wrong.stderr)")
        let second = try JSONParser().parse(Array((wrong.stdout.split(separator: "\n").last ?? "").utf8))
        #expect(second["feedback"]?["quality"]?["accuracy"] == .number(0))

        let unknown = try CLITests.bale("run", built.bundle, "--raw", try PluginCLITests.digits("digit-3.png"), "--feedback", "eleven")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("error: plugin 'quality': feedback label 'eleven' is not a class: give a class index or one of: zero, one,"))
    }

    @Test func jsonlogWritesOneLineAnInferenceAndDriftWarnsOnShiftedInputs() throws {
        let built = try Self.built()
        let seven = try CLITests.bale("run", built.bundle, "--raw", try PluginCLITests.digits("digit-7.png"), environment: ["BALE_LOG_LEVEL": "info"])
        #expect(seven.status == 0, "\(seven.stderr)")
        let logs = seven.stderr.split(separator: "\n")
        let line = try #require(logs.first { $0.contains("bale.jsonlog") })
        #expect(line.contains(#"{"inputs":{"X":{"data":["#))
        #expect(line.contains(#""model":"digits","outcome":"ok","#))
        #expect(logs.contains { $0.contains("bale.drift") && $0.contains("input drift: PSI crossed the threshold") && $0.contains("input=X") })
    }

    @Test func feedbackNeedsAFeedbackMonitor() throws {
        let built = try PluginCLITests.Built()
        let result = try CLITests.bale("run", built.bundle, "--raw", try PluginCLITests.digits("digit-3.png"), "--feedback", "three")
        #expect(result.status == 1)
        #expect(result.stderr == "error: --feedback: no plugin of this bundle takes feedback; build it with --plugin quality\n")
    }
}
