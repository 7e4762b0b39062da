import BaleBundle
import BaleTesting
import Foundation
import Testing

/// `bale build --plugin-wasm` and `bale run --raw` with WebAssembly plugins, on the digits MLP
/// (input X [N, 64]): the example normalize module in place of the native one, and hostile
/// modules (Fixtures/wasm, README there).
@Suite struct WasmCLITests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples/wasm-plugins").standardized.path

    static func fixture(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("wasm/\(name)").path
    }

    /// Builds the digits model with `plugins` into `dir`; returns the bundle path.
    static func build(_ plugins: [String], in dir: TemporaryDirectory) throws -> CLITests.Result {
        try CLITests.bale(arguments: [
            "build", try PluginCLITests.digits("digits.onnx"), "-o", dir.path, "--name", "digits", "--created-at", "2026-11-26T10:00:00Z",
        ] + plugins)
    }

    @Test func aWasmNormalizeAnswersRawBytesLikeTheNativeOne() throws {
        let topk = ["--plugin", "topk:k=3,labels=labels.txt", "--plugin-asset", "topk=\(try PluginCLITests.digits("labels.txt"))"]
        let wasmDir = TemporaryDirectory(), nativeDir = TemporaryDirectory()
        let built = try Self.build(
            ["--plugin-wasm", "prep=\(Self.examples)/normalize.wasm", "--plugin", "prep:scale=0.00392156862745098"] + topk, in: wasmDir)
        #expect(built.status == 0, "\(built.stderr)")
        #expect(try Self.build(["--plugin", "normalize:scale=0.00392156862745098"] + topk, in: nativeDir).status == 0)
        let pixels = Array(readBytes(try PluginCLITests.digits("digit-7.pgm")).suffix(64))
        let raw = wasmDir.write("digit-7.raw", pixels)
        let json = nativeDir.write("digit-7.json", Array("{\"data\": [\(pixels.map { "\($0)" }.joined(separator: ","))]}".utf8))
        let fromWasm = try CLITests.bale("run", wasmDir.file("digits-1.0-cloud-x86_64.bale"), "--raw", raw)
        let fromNative = try CLITests.bale("run", nativeDir.file("digits-1.0-cloud-x86_64.bale"), "--raw", json)
        #expect(fromWasm.status == 0, "\(fromWasm.stderr)")
        #expect(try PluginCLITests.labels(fromWasm.stdout).first == "seven")
        #expect(fromWasm.stdout == fromNative.stdout)
        let inspect = try CLITests.bale("inspect", wasmDir.file("digits-1.0-cloud-x86_64.bale"))
        #expect(inspect.stdout.contains("1. preprocess prep scale=0.00392156862745098; WebAssembly module plugins/prep/plugin.wasm"), "\(inspect.stdout)")
    }

    @Test(arguments: [
        (["--plugin-wasm", "bad=opens-files.wasm"], "plugin 'bad': module plugins/bad/plugin.wasm: imports 'wasi_snapshot_preview1.path_open', which the sandbox does not offer"),
        (["--plugin-wasm", "x=normalize.wasm:monitor"], "the module has no monitor entry (bale_monitor); it has preprocess"),
        (["--plugin-wasm", "x=normalize.wasm", "--plugin-grant", "x=network"], "--plugin-grant 'x=network': 'network' is not a grant (known: clock)"),
        (["--plugin-wasm", "x=normalize.wasm", "--plugin-limit", "x:memory-pages=9999"], "memory-pages must be a whole number from 1 to 4096"),
        (["--plugin-wasm", "x=normalize.wasm", "--plugin", "x:colour=red"], "plugin 'x': module plugins/x/plugin.wasm: unknown key 'colour' (accepted: mean, scale, std)"),
        (["--plugin-grant", "y=clock"], "'y=clock': no --plugin-wasm y is given"),
        (["--plugin-wasm", "x=missing.wasm"], "missing.wasm': cannot read '"),
    ])
    func buildRefusesBadWasmPluginsNamingThem(arguments: [String], message: String) throws {
        let dir = TemporaryDirectory()
        let resolved = try arguments.map { argument -> String in
            guard argument.contains(".wasm") else { return argument }
            let (name, rest) = (argument.prefix { $0 != "=" }, argument.drop { $0 != "=" }.dropFirst())
            let file = String(rest.prefix { $0 != ":" }), stage = rest.dropFirst(file.count)
            let path = file == "normalize.wasm" ? "\(Self.examples)/\(file)" : file == "missing.wasm" ? dir.file(file) : try Self.fixture(file)
            return "\(name)=\(path)\(stage)"
        }
        let result = try Self.build(resolved, in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("digits-1.0-cloud-x86_64.bale")))
    }

    @Test func anEndlessLoopIsStoppedWithAClearError() throws {
        let dir = TemporaryDirectory()
        let built = try Self.build(["--plugin-wasm", "spin=\(try Self.fixture("endless-loop.wasm"))", "--plugin-limit", "spin:fuel=2000000"], in: dir)
        #expect(built.status == 0, "\(built.stderr)")
        let result = try CLITests.bale("run", dir.file("digits-1.0-cloud-x86_64.bale"), "--raw", dir.write("x.raw", [1, 2, 3]))
        #expect(result.status == 1)
        #expect(result.stderr.contains("plugin 'spin': bale_preprocess ran out of fuel"), "\(result.stderr)")
    }
}
