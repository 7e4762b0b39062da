public import BaleDeploy

/// Downloads the bundle a deploy request names by URL (`{"url": "..."}`, issue 8).
///
/// `bale-runtime` serves with ``PlainHTTPFetcher`` (`http://`); `bale` adds `https://` and
/// `oci://` through its registry client, which needs AsyncHTTPClient and TLS.
public protocol BundleFetcher: Sendable {
    /// The URL forms it takes, for error messages, e.g. `http://HOST/PATH`.
    var accepted: String { get }
    /// Whether it can download `url`.
    func accepts(_ url: String) -> Bool
    /// Downloads `url` into the new file `destination`, refusing more than `limit` bytes;
    /// blocking, called on a Dispatch thread. On failure `destination` may be left for the
    /// caller to remove.
    func fetch(_ url: String, to destination: String, limit: UInt64) throws(DeployError)
}

/// Fetches `http://` URLs with a plain socket client (no TLS).
public struct PlainHTTPFetcher: BundleFetcher {
    /// A fetcher.
    public init() {}

    public var accepted: String { "http://HOST[:PORT]/PATH" }

    public func accepts(_ url: String) -> Bool { url.hasPrefix("http://") }

    public func fetch(_ url: String, to destination: String, limit: UInt64) throws(DeployError) {
        try PlainHTTP(url).download(to: destination, limit: limit)
    }
}
