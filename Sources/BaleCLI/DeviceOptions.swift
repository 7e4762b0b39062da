public import ArgumentParser
import BaleBundle
import BaleDeploy

/// Options of the device commands (deploy, rollback, status): the device directory, or a
/// sidecar's admin API, and how bundles are checked there.
public struct DeviceOptions: ParsableArguments {
    public init() {}

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The device directory (created on first deploy), or a sidecar, http://HOST:PORT (bale serve --model-dir).", valueName: "dir|url"))
    var target: String

    @Option(name: .long, help: ArgumentHelp("Public key (PEM) bundles must be signed with (local installs).", valueName: "key.pub"))
    var pubkey: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("With --to http://…: file holding the sidecar's admin token.", valueName: "file"))
    var tokenFile: String?

    @OptionGroup var read: ReadOptions

    /// Whether ``target`` names a server rather than a directory.
    var isRemote: Bool { target.hasPrefix("http://") || target.hasPrefix("https://") }

    public func validate() throws {
        guard isRemote else {
            if tokenFile != nil { throw ValidationError("--token-file goes with --to http://HOST:PORT") }
            return
        }
        if target.hasPrefix("https://") {
            throw ValidationError("--to \(target): only http:// is supported; reach the sidecar over loopback, a VPN or an SSH tunnel")
        }
        if pubkey != nil {
            throw ValidationError("--pubkey applies to local installs; the sidecar checks bundles with its own --key or --allow-unsigned-deploy")
        }
    }

    /// Checks the options a sidecar target needs (the deploy and rollback commands').
    func validateRemote() throws {
        if tokenFile == nil { throw ValidationError("--to \(target) needs --token-file FILE (the sidecar's admin token)") }
    }

    /// The device directory.
    var device: DeviceDirectory { DeviceDirectory(path: target) }

    /// The sidecar named by ``target``, called with the token in ``tokenFile``.
    func remote() throws -> RemoteDevice {
        try RemoteDevice(url: target, token: readToken(tokenFile!, option: "--token-file"))
    }

    /// A reader checking signatures with ``pubkey``, requiring one unless `allowUnsigned`.
    func reader(allowUnsigned: Bool) throws -> BundleReader {
        BundleReader(limits: read.limits, publicKey: try pubkey.map { try BundlePublicKey(pem: readText($0), source: $0) }, requireSignature: !allowUnsigned)
    }
}
