/// A bundle format version, `MAJOR.MINOR`, written as a string such as `"1.0"`.
///
/// A reader accepts any minor version of its own major version (it keeps fields it does not
/// know) and refuses a newer major version.
public struct FormatVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Incompatible changes bump this.
    public var major: Int
    /// Compatible additions bump this.
    public var minor: Int

    /// The version this code writes.
    public static let current = FormatVersion(major: 1, minor: 0)

    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"MAJOR.MINOR"`; `nil` when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) }),
            let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0
        else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = FormatVersion(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected \"MAJOR.MINOR\", found \"\(text)\""))
        }
        self = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
