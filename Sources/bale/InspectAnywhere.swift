import ArgumentParser
import BaleBundle
import BaleCLI
import BaleRegistry

/// `bale inspect`: the shared inspect command, plus `oci://` references, whose header comes from
/// the registry's config blob without downloading the payload (docs/registry.md).
struct InspectAnywhere: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: Inspect.configuration.abstract,
        discussion: Inspect.configuration.discussion + """
             An oci://HOST/REPO[:TAG|@DIGEST] reference reads the OCI manifest and config blob \
            only, not the weights.
            """
    )

    @OptionGroup var inspect: Inspect
    @OptionGroup var registry: RegistryOptions

    func run() throws {
        guard Reference.isReference(inspect.bundle) else { return try inspect.run() }
        guard inspect.batch == nil else { throw ValidationError("--batch needs the whole bundle: 'bale pull' it, then inspect the file") }
        let client = try registry.client(for: Reference(inspect.bundle), actions: .pull)
        defer { client.shutdown() }
        let (info, _, _) = try client.fetchHeader(reader: BundleReader(limits: inspect.limits))
        try inspect.report(info)
    }
}
