import BaleBundle
import BaleDeploy
import BaleRegistry
import BaleServer
import Foundation

/// Fetches a deploy request's `{"url": ...}` for `bale serve`: `http://` and `https://` with
/// ``URLDownload``, `oci://` with the registry client (credentials from `$BALE_REGISTRY_USERNAME`
/// and `$BALE_REGISTRY_PASSWORD`, as for bale pull). bale-runtime takes `http://` only.
struct RegistryFetcher: BundleFetcher {
    var accepted: String { "http://…, https://… or oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]" }

    func accepts(_ url: String) -> Bool { ["http://", "https://", "oci://"].contains { url.hasPrefix($0) } }

    func fetch(_ url: String, to destination: String, limit: UInt64) throws(DeployError) {
        do {
            guard url.hasPrefix("oci://") else { return try URLDownload.fetch(url, to: destination, limit: limit) }
            let credentials = try Credentials.resolve(username: nil, passwordFile: nil, environment: ProcessInfo.processInfo.environment)
            let client = RegistryClient(reference: try Reference(url), credentials: credentials, actions: .pull, plainHTTP: false)
            defer { client.shutdown() }
            // The installer checks the signature policy; the pull checks digests and limits.
            _ = try client.pull(to: destination, reader: BundleReader(), progress: TransferProgress(style: .quiet))
        } catch {
            throw DeployError("\(error)")
        }
    }
}
