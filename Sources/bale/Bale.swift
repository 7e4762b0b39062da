import ArgumentParser
import BaleBundle
import BaleCLI
import NIOConcurrencyHelpers

/// The `bale` command: packages ML models into verified bundles and runs them.
@main
struct Bale: ParsableCommand {
    static let version = baleVersion

    static let configuration = CommandConfiguration(
        commandName: "bale",
        abstract: "Package ML models into verified, zstd-compressed bundles.",
        discussion: """
            A bundle (.bale) is a tar archive compressed with zstd: manifest.json first (every file \
            with its size and SHA-256), an optional Ed25519 signature, then the payload. \
            See docs/bundle-format.md.
            """,
        version: version,
        subcommands: [Pack.self, Build.self, Run.self, Serve.self, Bench.self, InspectAnywhere.self, Verify.self, Unpack.self, Keygen.self, Sign.self, Deploy.self, Rollback.self, Status.self, Delta.self, Push.self, Pull.self]
    )

    static func main() {
        Serve.fetcher.withLockedValue { $0 = RegistryFetcher() }  // https:// and oci:// deploy URLs too
        mainWithOneLineErrors()
    }
}
