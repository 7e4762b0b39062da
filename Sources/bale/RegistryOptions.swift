import ArgumentParser
import BaleRegistry
import Foundation

/// Options for every command that talks to an OCI registry (docs/registry.md).
struct RegistryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("User name for the registry (default: $BALE_REGISTRY_USERNAME).", valueName: "name"))
    var username: String?

    @Option(help: ArgumentHelp("File whose first line is the password or token (default: $BALE_REGISTRY_PASSWORD).", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Speak plain http:// to a registry that is not on loopback (loopback always does).")
    var plainHTTP = false

    /// A client for `reference`, with credentials from the options or the environment; the
    /// caller shuts it down.
    func client(for reference: Reference, actions: RegistryClient.Actions, chunkSize: Int = 16 << 20) throws -> RegistryClient {
        let credentials = try Credentials.resolve(
            username: username, passwordFile: passwordFile, environment: ProcessInfo.processInfo.environment)
        return RegistryClient(reference: reference, credentials: credentials, actions: actions, plainHTTP: plainHTTP, chunkSize: chunkSize)
    }
}
