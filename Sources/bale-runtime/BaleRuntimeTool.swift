import ArgumentParser
import BaleBundle
import BaleCLI

/// `bale-runtime`: the small executable for edge devices. It loads, verifies and runs bundles;
/// no ONNX import, packing or signing code is linked in.
@main
struct BaleRuntimeTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bale-runtime",
        abstract: "Verify and run Bale bundles (the runtime-only build of bale).",
        discussion: "The same commands as in bale, without the packager: build bundles with bale build.",
        version: baleVersion,
        subcommands: [Run.self, Serve.self, Bench.self, Inspect.self, Verify.self, Unpack.self, Deploy.self, Rollback.self, Status.self]
    )

    static func main() { mainWithOneLineErrors() }
}
