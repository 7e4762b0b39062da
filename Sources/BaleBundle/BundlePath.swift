/// The rules a payload path must follow, shared by writers and readers.
///
/// A path is relative, uses `/` between components, and each component is 1–255 characters
/// from `A–Z a–z 0–9 . _ - + @ = , ~`, is not `.` or `..`. The whole path is at most 1024
/// bytes. The top-level names `manifest.json` and `manifest.sig` are reserved. Keeping paths to
/// portable ASCII rules out Unicode look-alikes, encoding ambiguity and platform quirks when a
/// bundle is unpacked anywhere.
public enum BundlePath {
    /// The manifest's entry name.
    public static let manifest = "manifest.json"
    /// The signature's entry name.
    public static let signature = "manifest.sig"
    /// Longest path, in bytes.
    public static let maxLength = 1024

    /// Why `path` is not a valid payload path, or `nil` when it is.
    public static func problem(with path: String) -> String? {
        let bytes = Array(path.utf8)
        if bytes.isEmpty { return "the path is empty" }
        if bytes.count > maxLength { return "the path is longer than \(maxLength) bytes" }
        if bytes.first == UInt8(ascii: "/") { return "the path is absolute" }
        if path == manifest || path == signature { return "'\(path)' is reserved for the bundle's own metadata" }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty { return "the path has an empty component ('//' or a trailing '/')" }
            if component.elementsEqual("..".utf8) { return "the path has a '..' component" }
            if component.elementsEqual(".".utf8) { return "the path has a '.' component" }
            if component.count > 255 { return "a path component is longer than 255 bytes" }
            if let bad = component.first(where: { !isAllowed($0) }) {
                return "the path has the character \(describe(bad)); allowed are A-Z a-z 0-9 . _ - + @ = , ~ and '/'"
            }
        }
        return nil
    }

    /// Checks a whole set of paths for clashes a file system would make: the same path twice,
    /// two paths equal but for letter case, or a path that is both a file and a directory.
    /// - Returns: a description of the first clash, or `nil`.
    public static func clash(in sortedPaths: [String]) -> String? {
        var folded: [String: String] = [:]
        var directories: Set<String> = []
        for path in sortedPaths {
            if let other = folded.updateValue(path, forKey: path.lowercased()) {
                return other == path ? "'\(path)' appears twice" : "'\(other)' and '\(path)' differ only in letter case"
            }
            var prefix = ""
            for component in path.split(separator: "/").dropLast() {
                prefix += prefix.isEmpty ? String(component) : "/\(component)"
                directories.insert(prefix.lowercased())
            }
        }
        if let both = sortedPaths.first(where: { directories.contains($0.lowercased()) }) {
            return "'\(both)' is both a file and a directory"
        }
        return nil
    }

    /// Byte-wise (UTF-8) ordering, the order payload entries appear in.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "@"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16).leftPadded(to: 2))"
    }
}
