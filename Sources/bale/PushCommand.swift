import ArgumentParser
import BaleBundle
import BaleCLI
import BaleRegistry

/// `bale push`: upload a bundle to an OCI registry.
struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload a bundle to an OCI registry as an artifact.",
        discussion: """
            Verifies the bundle, then uploads its manifest.json as the config blob and the file as \
            the one layer (blobs the registry already has are skipped), and tags the OCI \
            manifest. Prints the manifest digest, which 'bale pull oci://HOST/REPO@DIGEST' \
            fetches. See docs/registry.md.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @Argument(help: ArgumentHelp("Where to: oci://HOST[:PORT]/REPO[:TAG] (tag 'latest' when omitted).", valueName: "reference"))
    var reference: String

    @Option(help: ArgumentHelp("Upload blobs larger than this in PATCH chunks of this size.", valueName: "size"))
    var chunkSize = ByteCount(16 << 20)

    @Flag(help: "Print no progress, only the result.")
    var quiet = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var read: ReadOptions

    func validate() throws {
        let ref = try Reference(reference)
        if ref.digest != nil { throw ValidationError("push needs a tag, not a digest: \(reference)") }
        if chunkSize.bytes > 1 << 30 { throw ValidationError("--chunk-size must be at most 1G") }
    }

    func run() throws {
        let progress = TransferProgress.standardError(quiet: quiet)
        progress.step("verifying \(bundle)")
        let info = try BundleReader(limits: read.limits).verify(bundle)
        let client = try registry.client(for: Reference(reference), actions: .push, chunkSize: Int(chunkSize.bytes))
        defer { client.shutdown() }
        let result = try client.push(bundle: bundle, info: info, progress: progress)
        print("pushed \(client.reference.registry)/\(client.reference.repository)@\(result.manifestDigest)")
        print("id \(result.bundleID)")
    }
}
