import BaleBundle

/// A sidecar's model directory reached through its admin API, as a deploy target: what
/// `bale deploy B --to http://HOST:PORT --token-file F` talks to (issue 8). The server installs
/// into its own device directory `--model-dir/NAME/` with its own signature policy, self-test
/// and atomic switch, then serves the new version before it answers.
///
/// Example:
/// ```swift
/// let remote = try RemoteDevice(url: "http://10.0.0.7:8080", token: "s3cret")
/// let result = try remote.deploy(bundle: "mlp-1.1.bale", model: "mlp") { sent in print(sent) }
/// print(result.version, result.selfTest)
/// ```
public struct RemoteDevice: Sendable {
    /// The server, `http://HOST:PORT`.
    public let url: String
    private let token: String
    private let http: PlainHTTP

    /// A server at `url` (`http://HOST[:PORT]`), called with the admin bearer `token`.
    public init(url: String, token: String) throws(DeployError) {
        self.url = url
        self.token = token
        http = try PlainHTTP(url)
    }

    /// What the server did, from its answer.
    public struct Result: Sendable, Hashable {
        /// The model's name and the version now served.
        public var name: String, version: String
        /// The bundle id now current.
        public var id: String
        /// The id current before, if any.
        public var previousID: String?
        /// The install's self-test result (`self-test passed`, ...); nil for a rollback.
        public var selfTest: String?
    }

    /// Uploads the bundle at `path` (streamed from disk) to be installed and served as `model`.
    /// - Parameter sent: hears the bytes sent so far.
    public func deploy(bundle path: String, model: String, sent: @escaping (UInt64) -> Void) throws(DeployError) -> Result {
        try call("deploy", model: model, contentType: "application/octet-stream", body: .file(path, sent: sent))
    }

    /// Asks the server to download the bundle at `bundleURL` (`http://…`, and with `bale serve`
    /// also `https://…` and `oci://HOST/REPO:TAG`) and install it as `model`.
    public func deploy(url bundleURL: String, model: String) throws(DeployError) -> Result {
        try call("deploy", model: model, contentType: "application/json", body: .bytes(JSONValue.object(["url": .string(bundleURL)]).canonicalBytes))
    }

    /// Asks the server to make `model`'s previous version current again and serve it.
    public func rollback(model: String) throws(DeployError) -> Result {
        try call("rollback", model: model, contentType: "application/json", body: .bytes([]))
    }

    private func call(_ action: String, model: String, contentType: String, body: PlainHTTP.Body) throws(DeployError) -> Result {
        try DeviceDirectory.checkModelName(model)
        let answer = try http.request(
            "POST", "/v2/repository/models/\(model)/\(action)", headers: ["Authorization": "Bearer \(token)", "Content-Type": contentType], body: body)
        let json = try? JSONParser().parse(answer.body)
        guard (200..<300).contains(answer.status) else {
            let message = json?["error"]?.stringValue ?? String(decoding: answer.body.prefix(200), as: UTF8.self)
            throw DeployError("\(url): \(answer.status) \(message)")
        }
        guard let json, let name = json["name"]?.stringValue, let version = json["version"]?.stringValue, let id = json["id"]?.stringValue else {
            throw DeployError("\(url): the answer to \(action) is not the JSON expected: '\(String(decoding: answer.body.prefix(200), as: UTF8.self))'")
        }
        return Result(name: name, version: version, id: id, previousID: json["previous_id"]?.stringValue, selfTest: json["self_test"]?.stringValue)
    }
}

extension DeviceDirectory {
    /// Checks that `name` can name a model's device directory under a model directory (and a
    /// URL path segment): letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func checkModelName(_ name: String) throws(DeployError) {
        let allowed = name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
        guard !name.isEmpty, name.count <= 128, allowed, !name.hasPrefix(".") else {
            throw DeployError("model name '\(name)' must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }
}
