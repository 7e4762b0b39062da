import BaleDeploy
import Testing

/// The parts of remote install that need no server: URLs and model names (the requests
/// themselves are checked against a real bale serve by scripts/deploy-check).
@Suite struct RemoteDeviceTests {
    @Test(arguments: [
        ("http://10.0.0.7:8080", "10.0.0.7", 8080, ""),
        ("http://host", "host", 80, ""),
        ("http://host:9000/", "host", 9000, ""),
        ("http://[::1]:8080/bale", "::1", 8080, "/bale"),
        ("http://files:8000/models/mlp-1.1.bale", "files", 8000, "/models/mlp-1.1.bale"),
    ])
    func urlsAreSplitIntoHostPortAndPath(_ url: String, host: String, port: Int, prefix: String) throws {
        let http = try PlainHTTP(url)
        #expect(http.host == host && Int(http.port) == port && http.prefix == prefix)
    }

    @Test(arguments: [
        ("https://host", "is not an http:// URL"),
        ("ftp://host/x", "is not an http:// URL"),
        ("http://host:99999", "the port is not a number"),
        ("http://:80", "names no host"),
    ])
    func badURLsAreNamed(_ url: String, message: String) {
        #expect { try PlainHTTP(url) } throws: { ($0 as? DeployError)?.message.contains(message) == true }
    }

    @Test func modelNamesAreCheckedBeforeAnythingIsSent() throws {
        for good in ["mlp", "digits-v2", "a.b_c"] { try DeviceDirectory.checkModelName(good) }
        for bad in ["", ".hidden", "a/b", "a b", "..", String(repeating: "x", count: 129)] {
            #expect(throws: DeployError.self, "\(bad)") { try DeviceDirectory.checkModelName(bad) }
        }
        let remote = try RemoteDevice(url: "http://127.0.0.1:1", token: "t")
        #expect(throws: DeployError.self) { try remote.rollback(model: "../etc") }
    }
}
