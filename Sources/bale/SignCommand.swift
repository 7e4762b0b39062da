import ArgumentParser
import BaleBundle
import BaleCLI

/// `bale sign`: add or replace a bundle's signature.
struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign a bundle in place with an Ed25519 private key.",
        discussion: """
            Verifies the bundle first, then writes manifest.sig (replacing any old one) without \
            recompressing the payload; the file is replaced atomically. The bundle id does not \
            change: the signature covers the manifest, which covers every file.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.bale"))
    var bundle: String

    @Option(help: ArgumentHelp("Private key (PEM) from 'bale keygen' or 'openssl genpkey -algorithm ed25519'.", valueName: "key"))
    var key: String

    @OptionGroup var read: ReadOptions

    func run() throws {
        let signingKey = try BundleSigningKey(pem: readText(key), source: key)
        let info = try BundleSigner(reader: BundleReader(limits: read.limits)).sign(bundle, with: signingKey)
        print("signed \(bundle) with key \(signingKey.publicKey.keyID)")
        print("id \(info.id)")
    }
}
