public import ArgumentParser
import BaleBundle
import BaleDeploy

/// `bale delta`: make a patch that updates one bundle to another.
public struct Delta: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Make a delta patch from one bundle to the next, for bale deploy --delta.",
        discussion: """
            The patch holds NEW's manifest and signature and only the files whose SHA-256 is \
            not in OLD (docs/bundle-format.md, "Delta patches"). A device holding OLD rebuilds \
            NEW from it, with NEW's id and signature, and verifies it like a full bundle.

            Example:
              bale delta mlp-1.0.bale mlp-1.1.bale -o mlp-1.0-1.1.delta
            """
    )

    @Argument(help: ArgumentHelp("The bundle the device has.", valueName: "old.bale"))
    var old: String

    @Argument(help: ArgumentHelp("The bundle to update it to.", valueName: "new.bale"))
    var new: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The patch to write.", valueName: "patch"))
    var output: String

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @OptionGroup var read: ReadOptions

    public func run() throws {
        let info = try DeltaPatch.make(
            old: old, new: new, output: output, reader: BundleReader(limits: read.limits),
            progress: TransferProgress.standardError(quiet: quiet).deployHandler)
        if !quiet { print("wrote \(output): \(formatBytes(info.compressedSize)) (\(info.compressedSize) bytes)") }
    }
}
