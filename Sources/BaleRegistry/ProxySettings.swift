import AsyncHTTPClient
import Foundation

/// The proxy named by the environment, as libcurl (and with it URLSession on Linux) read it:
/// `https_proxy` / `HTTPS_PROXY` for https://, `http_proxy` for http:// (not `HTTP_PROXY`,
/// which CGI lets a client set), `all_proxy` / `ALL_PROXY` for both, and `no_proxy` /
/// `NO_PROXY` (comma-separated host names, each also matching its subdomains, or `*`) for the
/// hosts reached directly. Loopback hosts are always reached directly.
///
/// Example: `https_proxy=http://user:pw@proxy:3128 no_proxy=.internal bale pull oci://…`
struct ProxySettings: Equatable {
    var http: String?
    var https: String?
    var noProxy: [String]

    init(environment: [String: String]) {
        func first(_ names: String...) -> String? { names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } }
        let all = first("all_proxy", "ALL_PROXY")
        http = first("http_proxy") ?? all
        https = first("https_proxy", "HTTPS_PROXY") ?? all
        noProxy = (first("no_proxy", "NO_PROXY") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty }
    }

    /// The proxy to reach `host` (a host name or address, without port) through, or nil.
    func proxy(forHost host: String, secure: Bool) -> HTTPClient.Configuration.Proxy? {
        guard let setting = secure ? https : http, !bypasses(host) else { return nil }
        return Self.parse(setting)
    }

    /// Whether `host` is reached directly.
    func bypasses(_ host: String) -> Bool {
        let host = host.lowercased()
        if RegistryClient.isLoopbackHost(host) { return true }
        return noProxy.contains { entry in
            if entry == "*" { return true }
            let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            return host == domain || host.hasSuffix("." + domain)
        }
    }

    /// `[http://|socks5://][user:password@]host[:port]` as a proxy; nil when unusable.
    static func parse(_ setting: String) -> HTTPClient.Configuration.Proxy? {
        let text = setting.contains("://") ? setting : "http://" + setting
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else { return nil }
        switch url.scheme?.lowercased() {
        case "socks5", "socks5h":
            return .socksServer(host: host, port: url.port ?? 1080)
        case "http":
            let authorization = url.user.map { user in
                HTTPClient.Authorization.basic(username: user.removingPercentEncoding ?? user, password: url.password?.removingPercentEncoding ?? "")
            }
            return .server(host: host, port: url.port ?? 80, authorization: authorization)
        default:
            return nil
        }
    }
}
