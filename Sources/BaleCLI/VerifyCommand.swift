public import ArgumentParser
import BaleBundle

/// `bale verify`: check every file's size and digest, and the signature.
public struct Verify: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Check a bundle's integrity and signature without extracting it.",
        discussion: """
            Streams the bundle once, checking the archive structure, every file's size and \
            SHA-256 against manifest.json, and the Ed25519 signature when --key is given. \
            Prints 'OK <bundle id>' and exits 0, or prints one line naming the first fault and \
            exits 1. Without --key a signature is reported but not checked.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @OptionGroup var signature: SignatureOptions
    @OptionGroup var read: ReadOptions

    public func run() throws {
        let reader = BundleReader(limits: read.limits, publicKey: try signature.publicKey(), requireSignature: signature.requireSignature)
        let info = try reader.verify(bundle)
        if let sig = info.signature, !info.signatureVerified {
            printError("note: signed by key \(sig.keyID); signature not checked (pass --key PUB)")
        }
        print("OK \(info.id)")
    }
}
