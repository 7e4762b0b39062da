#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A `WWW-Authenticate` challenge from a registry's 401 answer (RFC 7235), e.g.
/// `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
public struct AuthChallenge: Sendable, Hashable {
    /// `basic` or `bearer`, lowercased.
    public var scheme: String
    /// The parameters by lowercased name: `realm`, `service`, `scope`, ...
    public var parameters: [String: String]

    /// Parses the first challenge in a `WWW-Authenticate` header value; nil when there is none.
    public init?(header: String) {
        var scanner = Scanner(Array(header.utf8))
        guard let scheme = scanner.token(), !scheme.isEmpty else { return nil }
        self.scheme = scheme.lowercased()
        parameters = [:]
        while true {
            scanner.skip { $0 == 32 || $0 == 9 || $0 == 44 }
            let start = scanner.index
            guard let name = scanner.token(), !name.isEmpty, scanner.take(61) else {
                scanner.index = start
                break
            }
            guard let value = scanner.quotedString() ?? scanner.token() else { break }
            parameters[name.lowercased()] = value
        }
    }

    /// The URL to ask for a bearer token: the realm with `service` and `scope` query items
    /// (the Docker token protocol every OCI registry uses).
    /// - Parameter fallbackScope: the scope to ask for when the challenge names none, e.g.
    ///   `repository:models/digits:pull,push`.
    public func tokenURL(fallbackScope: String) -> URL? {
        guard let realm = parameters["realm"], var components = URLComponents(string: realm) else { return nil }
        var items = components.queryItems ?? []
        if let service = parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        // A challenge may name several scopes separated by spaces; each is its own query item.
        for scope in (parameters["scope"] ?? fallbackScope).split(separator: " ") {
            items.append(URLQueryItem(name: "scope", value: String(scope)))
        }
        components.queryItems = items
        return components.url
    }
}

/// A tiny scanner over header bytes.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
    }

    /// An RFC 7230 token (letters, digits and `!#$%&'*+-.^_`|~`), after optional spaces.
    mutating func token() -> String? {
        skip { $0 == 32 || $0 == 9 }
        let start = index
        skip { Self.isTokenByte($0) }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// Consumes `byte` after optional spaces; false (consuming nothing) if it is not next.
    mutating func take(_ byte: UInt8) -> Bool {
        skip { $0 == 32 || $0 == 9 }
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A `"quoted string"` with backslash escapes; nil if the next byte is not a quote.
    mutating func quotedString() -> String? {
        guard take(34) else { return nil }
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 34 { return String(decoding: value, as: UTF8.self) }
            if byte == 92, index < bytes.count {
                value.append(bytes[index])
                index += 1
            } else {
                value.append(byte)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: true
        default: false
        }
    }
}
