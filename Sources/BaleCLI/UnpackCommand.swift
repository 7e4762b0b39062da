public import ArgumentParser
import BaleBundle

/// `bale unpack`: safe extraction.
public struct Unpack: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Extract a bundle into a new directory, verified, all or nothing.",
        discussion: """
            Files are written to a temporary directory next to DIR while they are verified; DIR \
            appears (by rename) only when every check passed. On any failure nothing is left.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Directory to create (must not exist).", valueName: "dir"))
    var output: String

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func run() throws {
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let info = try BundleExtractor(reader: reader).unpack(bundle, to: output)
        print("unpacked \(info.manifest.files.count) files into \(output)")
        print("id \(info.id)")
    }
}
