import ArgumentParser
import BaleBundle
import BaleCLI
import BaleRegistry

/// `bale pull`: download a bundle from an OCI registry.
struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a bundle from an OCI registry and verify it.",
        discussion: """
            Downloads into OUTPUT.<digest>.partial, continuing an earlier interrupted pull with a \
            Range request, checks the blob digest and verifies the whole bundle (and its \
            signature with --key), then renames it to OUTPUT. OUTPUT is never half-written. \
            See docs/registry.md.
            """
    )

    @Argument(help: ArgumentHelp("oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]", valueName: "reference"))
    var reference: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the bundle.", valueName: "file"))
    var output: String

    @Flag(help: "Print no progress, only the result.")
    var quiet = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    func validate() throws { _ = try Reference(reference) }

    func run() throws {
        let progress = TransferProgress.standardError(quiet: quiet)
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let client = try registry.client(for: Reference(reference), actions: .pull)
        defer { client.shutdown() }
        let result = try client.pull(to: output, reader: reader, progress: progress)
        print("pulled \(output) from \(client.reference.registry)/\(client.reference.repository)@\(result.manifestDigest)")
        print("id \(result.info.id)")
    }
}
