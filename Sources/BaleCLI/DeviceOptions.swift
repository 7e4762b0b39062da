public import ArgumentParser
import BaleBundle
import BaleDeploy

/// Options of the device commands (deploy, rollback, status): the device directory and how
/// bundles are checked there.
public struct DeviceOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("to"), help: ArgumentHelp("The device directory (created on first deploy).", valueName: "dir"))
    var directory: String

    @Option(name: .long, help: ArgumentHelp("Public key (PEM) bundles must be signed with.", valueName: "key.pub"))
    var pubkey: String?

    @OptionGroup var read: ReadOptions

    /// The device directory.
    var device: DeviceDirectory { DeviceDirectory(path: directory) }

    /// A reader checking signatures with ``pubkey``, requiring one unless `allowUnsigned`.
    func reader(allowUnsigned: Bool) throws -> BundleReader {
        BundleReader(limits: read.limits, publicKey: try pubkey.map { try BundlePublicKey(pem: readText($0), source: $0) }, requireSignature: !allowUnsigned)
    }
}
