import BaleBundle

/// The device's install log, `DIR/install.log`: one canonical JSON object a line, appended and
/// fsynced, e.g.
///
///     {"action":"install","detail":"self-test passed","id":"9f…","name":"mlp","outcome":"installed","time":"2026-11-26T19:40:00Z","version":"1.0"}
public struct InstallLog: Sendable {
    /// One line of the log.
    public struct Entry: Sendable, Hashable {
        /// When, RFC 3339 UTC.
        public var time: String
        /// `install`, `delta` or `rollback`.
        public var action: String
        /// The bundle id.
        public var id: String
        /// The model's name, from its manifest.
        public var name: String
        /// The model's version, from its manifest.
        public var version: String
        /// `installed`, `refused`, `self-test failed` or `rolled back`.
        public var outcome: String
        /// More about the outcome: the self-test result or the error.
        public var detail: String

        var json: JSONValue {
            .object([
                "time": .string(time), "action": .string(action), "id": .string(id), "name": .string(name),
                "version": .string(version), "outcome": .string(outcome), "detail": .string(detail),
            ])
        }

        init?(_ value: JSONValue) {
            guard let time = value["time"]?.stringValue, let action = value["action"]?.stringValue,
                let id = value["id"]?.stringValue, let outcome = value["outcome"]?.stringValue
            else { return nil }
            self.init(
                time: time, action: action, id: id, name: value["name"]?.stringValue ?? "",
                version: value["version"]?.stringValue ?? "", outcome: outcome, detail: value["detail"]?.stringValue ?? "")
        }

        init(time: String, action: String, id: String, name: String, version: String, outcome: String, detail: String) {
            (self.time, self.action, self.id, self.name, self.version, self.outcome, self.detail) =
                (time, action, id, name, version, outcome, detail)
        }
    }

    let path: String

    /// The log at `path` (normally `DIR/install.log`).
    public init(path: String) { self.path = path }

    /// Appends an entry for `manifest`, timed now.
    func append(action: String, id: String, manifest: Manifest?, outcome: String, detail: String) throws(DeployError) {
        let entry = Entry(
            time: timestamp(), action: action, id: id, name: manifest?.name ?? "", version: manifest?.version ?? "",
            outcome: outcome, detail: detail)
        try appendLine(entry.json.canonicalBytes, to: path)
    }

    /// Every readable entry, oldest first (a line cut short by a crash is skipped).
    public func entries() -> [Entry] {
        guard let bytes = try? readWholeFile(path) else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            (try? JSONParser().parse(line)).flatMap { Entry($0) }
        }
    }
}
