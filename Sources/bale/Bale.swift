import ArgumentParser
import BaleBundle
import Foundation

/// The `bale` command: packages ML models into verified bundles and runs them.
@main
struct Bale: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "bale",
        abstract: "Package ML models into verified, zstd-compressed bundles.",
        discussion: """
            A bundle (.bale) is a tar archive compressed with zstd: manifest.json first (every file \
            with its size and SHA-256), an optional Ed25519 signature, then the payload. \
            See docs/bundle-format.md.
            """,
        version: version,
        subcommands: [Pack.self, Build.self, Run.self, Inspect.self, Verify.self, Unpack.self, Keygen.self, Sign.self]
    )

    /// Runs the command; a failure prints one line, `error: <what is wrong>`, to standard error
    /// and exits 1 (64 for a usage error). Help and `--version` print as usual and exit 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("error: \(text)")
            Foundation.exit(code.rawValue)
        }
    }
}
