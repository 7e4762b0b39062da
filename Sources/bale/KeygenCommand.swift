import ArgumentParser
import BaleBundle
import BaleCLI
import Foundation

/// `bale keygen`: a new Ed25519 key pair.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 key pair for signing bundles.",
        discussion: """
            Writes KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SubjectPublicKeyInfo PEM), the same \
            formats OpenSSL uses. Keep KEY secret; give KEY.pub to whoever verifies.
            """
    )

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Private key file to write; the public key goes to <key>.pub.", valueName: "key"))
    var output: String

    @Flag(help: "Overwrite existing key files.")
    var force = false

    func run() throws {
        let publicPath = output + ".pub"
        if !force {
            for path in [output, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw ValidationError("'\(path)' already exists; pass --force to overwrite it")
            }
        }
        let key = BundleSigningKey()
        try AtomicFile.write(Array(key.pem.utf8), to: output, mode: 0o600)
        try AtomicFile.write(Array(key.publicKey.pem.utf8), to: publicPath)
        print("wrote \(output) and \(publicPath) (key id \(key.publicKey.keyID))")
    }
}
