/// A bundle's place in an OCI registry: `oci://HOST[:PORT]/REPO[:TAG][@sha256:DIGEST]`.
///
/// Repository names follow the OCI distribution spec: lowercase path components of letters and
/// digits joined by `.`, `_`, `__` or dashes. Without a tag or digest the tag is `latest`.
///
/// Example:
/// ```swift
/// let ref = try Reference("oci://127.0.0.1:5000/models/digits:1.0")
/// ref.repository   // "models/digits"
/// ref.tagOrDigest  // "1.0"
/// ```
public struct Reference: Sendable, Hashable, CustomStringConvertible {
    /// The URL scheme that marks a registry reference.
    public static let scheme = "oci://"

    /// `host` or `host:port`.
    public var registry: String
    /// The repository path, e.g. `models/digits`.
    public var repository: String
    /// The tag, when the reference names one.
    public var tag: String?
    /// `sha256:<64 hex>`, when the reference names a manifest digest.
    public var digest: String?

    /// Parses `text`, which must start with `oci://`.
    public init(_ text: String) throws(RegistryError) {
        func fail(_ why: String) -> RegistryError {
            RegistryError(.badReference, "bad registry reference '\(text)': \(why) (expected oci://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST])")
        }
        guard text.hasPrefix(Self.scheme) else { throw fail("it does not start with \(Self.scheme)") }
        var rest = Substring(text.dropFirst(Self.scheme.count))
        guard let slash = rest.firstIndex(of: "/") else { throw fail("no repository after the host") }
        registry = String(rest[..<slash])
        rest = rest[rest.index(after: slash)...]
        guard Self.isValidHost(registry) else { throw fail("'\(registry)' is not a host or host:port") }

        if let at = rest.firstIndex(of: "@") {
            let value = String(rest[rest.index(after: at)...])
            guard Self.isValidDigest(value) else { throw fail("'\(value)' is not sha256: and 64 lowercase hex digits") }
            digest = value
            rest = rest[..<at]
        }
        // A colon after the last slash starts the tag.
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let value = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(value) else { throw fail("'\(value)' is not a tag (letters, digits, '_', '.', '-'; at most 128)") }
            tag = value
            rest = rest[..<colon]
        }
        repository = String(rest)
        guard Self.isValidRepository(repository) else {
            throw fail("'\(repository)' is not a repository name (lowercase letters and digits, separated by '/', '.', '_' or '-')")
        }
        if tag == nil && digest == nil { tag = "latest" }
    }

    /// What the manifest endpoint is addressed by: the digest when given, else the tag.
    public var tagOrDigest: String { digest ?? tag ?? "latest" }

    public var description: String {
        Self.scheme + registry + "/" + repository + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }

    /// Whether `text` starts with `oci://`, so it should be read as a reference, not a path.
    public static func isReference(_ text: String) -> Bool { text.hasPrefix(scheme) }

    // MARK: - Grammar (OCI distribution spec, "Pulling manifests")

    static func isValidDigest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { isDigit($0) || (97...102).contains($0) }
    }

    private static func isValidTag(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 128, isAlphanumeric(first) || first == 95 else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == 95 || $0 == 46 || $0 == 45 }
    }

    private static func isValidRepository(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 255 else { return false }
        return text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isValidComponent)
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    private static func isValidComponent(_ component: Substring) -> Bool {
        var separator: [UInt8] = []
        var sawAlphanumeric = false
        for byte in component.utf8 {
            if isDigit(byte) || (97...122).contains(byte) {
                if !separator.isEmpty {
                    guard sawAlphanumeric, isValidSeparator(separator) else { return false }
                    separator = []
                }
                sawAlphanumeric = true
            } else if byte == 46 || byte == 95 || byte == 45 {
                separator.append(byte)
            } else {
                return false
            }
        }
        return sawAlphanumeric && separator.isEmpty
    }

    private static func isValidSeparator(_ separator: [UInt8]) -> Bool {
        separator == [46] || separator == [95] || separator == [95, 95] || separator.allSatisfy { $0 == 45 }
    }

    private static func isValidHost(_ text: String) -> Bool {
        var host = Substring(text)
        if let colon = host.lastIndex(of: ":"), !host.hasPrefix("[") || host[..<colon].hasSuffix("]") {
            guard let port = UInt16(host[host.index(after: colon)...]), port > 0 else { return false }
            host = host[..<colon]
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { return host.count > 2 }
        return !host.isEmpty && host.utf8.allSatisfy { isAlphanumeric($0) || $0 == 46 || $0 == 45 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (97...122).contains(byte) || (65...90).contains(byte)
    }
}
