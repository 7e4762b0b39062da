import BaleTesting
import Foundation
import Testing

/// Runs `bale bench` on a bundle built from the example tiny MLP, the way users do.
@Suite struct BenchCommandTests {
    /// The example model's directory in this repository.
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/example/tiny-mlp")

    /// A bundle built from `scripts/example/tiny-mlp/model.onnx` (input `[batch, 4]`).
    struct Built {
        let dir = TemporaryDirectory()
        let bundle: String

        init() throws {
            let model = BenchCommandTests.example.appendingPathComponent("model.onnx").path
            let result = try CLITests.bale("build", model, "--target", "edge-arm64", "-o", dir.file("dist"), "--name", "tiny", "--version", "1.0")
            #expect(result.status == 0, "\(result.stderr)")
            bundle = dir.file("dist/tiny-1.0-edge-arm64.bale")
        }
    }

    /// `run --output-dir` that cannot be created fails with one line naming the option, the
    /// directory and the system's reason.
    @Test func runNamesAnOutputDirectoryItCannotCreate() throws {
        let built = try Built()
        let file = built.dir.file("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let input = BenchCommandTests.example.appendingPathComponent("sample-input.npy").path
        let result = try CLITests.bale("run", built.bundle, "--input", "input=\(input)", "--output-dir", "\(file)/out")
        #expect(result.status == 1)
        #expect(result.stderr == "error: --output-dir '\(file)/out': cannot create the directory: Not a directory\n")
    }

    @Test func jsonHasEveryFigureWithSaneValues() throws {
        let built = try Built()
        let result = try CLITests.bale("bench", built.bundle, "--batch", "8", "--threads", "2", "--iterations", "25", "--warmup", "2", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["median_ms", "p90_ms", "p99_ms", "throughput_per_s", "peak_rss_bytes", "batch", "threads", "iterations", "model"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let number = { (key: String) in (object[key] as? NSNumber)?.doubleValue ?? -1 }
        #expect(number("batch") == 8 && number("threads") == 2 && number("iterations") == 25)
        #expect(number("median_ms") > 0 && number("median_ms") <= number("p90_ms") && number("p90_ms") <= number("p99_ms"))
        #expect(number("throughput_per_s") > 0)
        #expect(number("peak_rss_bytes") > 1_000_000 && number("peak_rss_bytes") < 4_000_000_000)
        let model = try #require(object["model"] as? [String: String])
        #expect(model == ["name": "tiny", "version": "1.0", "profile": "edge-arm64"])
    }

    @Test func textNamesTheFiguresAndTakesNPYInputs() throws {
        let built = try Built()
        let sample = Self.example.appendingPathComponent("sample-input.npy").path
        let result = try CLITests.bale("bench", built.bundle, "--input", "input=\(sample)", "--iterations", "5")
        #expect(result.status == 0, "\(result.stderr)")
        for words in ["median", "p90", "p99", "samples/s", "peak RSS", "1 thread"] {
            #expect(result.stdout.contains(words), "missing '\(words)' in \(result.stdout)")
        }
    }

    @Test(arguments: [["--batch", "0"], ["--iterations", "0"], ["--dim", "seq"], ["--batch", "2", "--input", "input=x.npy"]])
    func badOptionsAreUsageErrors(_ options: [String]) throws {
        let result = try CLITests.bale(arguments: ["bench", "missing.bale"] + options)
        #expect(result.status == 64)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
