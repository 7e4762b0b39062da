#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Manifest {
    // MARK: - Decoding

    /// Decodes and checks `manifest.json` bytes as read from a bundle.
    ///
    /// The bytes must be canonical JSON, of a supported format version, with every required field
    /// present and valid (see ``validate(limits:)``).
    /// - Parameters:
    ///   - bytes: the entry's contents.
    ///   - limits: limits on file count and sizes.
    public static func decode(_ bytes: [UInt8], limits: BundleLimits = .default) throws(BundleError) -> Manifest {
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes)
        } catch {
            throw invalid("is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else { throw invalid("must be a JSON object") }
        try checkVersion(object["formatVersion"])
        guard value.canonicalBytes == bytes else {
            throw invalid("is not in canonical form (RFC 8785: sorted keys, no whitespace); it was edited or written by a non-conforming tool")
        }
        try checkSelfDigest(object)
        var manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw invalid(describe(error))
        } catch {
            throw invalid("cannot be decoded: \(error)")
        }
        manifest.source = value
        try manifest.validate(limits: limits)
        return manifest
    }

    /// Checks `manifestSha256`, the digest of the manifest without that member, so that any
    /// damaged byte of the manifest is caught even where the rest would still be valid.
    private static func checkSelfDigest(_ object: [String: JSONValue]) throws(BundleError) {
        guard let field = object[selfDigestKey] else {
            throw invalid("is missing the required field '\(selfDigestKey)'")
        }
        guard case .string(let recorded) = field, SHA256Digest.isHex(recorded) else {
            throw invalid("field '\(selfDigestKey)' must be 64 lowercase hex digits")
        }
        var rest = object
        rest[selfDigestKey] = nil
        let actual = SHA256Digest.hex(of: JSONValue.object(rest).canonicalBytes)
        guard actual == recorded else {
            throw invalid("is damaged: its contents hash to \(actual), but its '\(selfDigestKey)' says \(recorded)")
        }
    }

    /// The member holding the manifest's own digest.
    static let selfDigestKey = "manifestSha256"

    private static func checkVersion(_ field: JSONValue?) throws(BundleError) {
        guard let field else { throw invalid("is missing the required field 'formatVersion'") }
        guard case .string(let text) = field, let version = FormatVersion(text) else {
            throw invalid("field 'formatVersion' must be a string like \"1.0\"")
        }
        guard version.major <= FormatVersion.current.major else {
            throw BundleError(
                .unsupportedVersion,
                "bundle format \(version) is newer than this bale supports (\(FormatVersion.current.major).x); upgrade bale to read it",
                path: BundlePath.manifest)
        }
        guard version.major == FormatVersion.current.major else {
            throw BundleError(.unsupportedVersion, "bundle format \(version) is not supported (this bale reads \(FormatVersion.current.major).x)", path: BundlePath.manifest)
        }
    }

    /// One line for a decoding error: which field, and what was wrong with it.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { text, key in
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "is missing the required field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' has the wrong type (expected \(typeName(type)))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' is null (expected \(typeName(type)))"
        case .dataCorrupted(let context):
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "cannot be decoded: \(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: String(describing: type).contains("Array") ? "an array" : "an object"
        }
    }

    static func invalid(_ message: String) -> BundleError {
        BundleError(.manifestInvalid, "\(BundlePath.manifest) \(message)", path: BundlePath.manifest)
    }

    // MARK: - Encoding

    /// The canonical JSON bytes (RFC 8785) of this manifest, keeping unknown fields from
    /// ``source``, with `manifestSha256` set to the digest of the rest.
    public func canonicalBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types to JSON cannot fail, and parsing our own output cannot either.
        let data = try! encoder.encode(self)
        var value = try! JSONParser().parse(Array(data))
        if let source { value = value.keepingUnknownFields(from: source) }
        guard case .object(var object) = value else { preconditionFailure("a manifest encodes to an object") }
        object[Self.selfDigestKey] = nil
        object[Self.selfDigestKey] = .string(SHA256Digest.hex(of: JSONValue.object(object).canonicalBytes))
        return JSONValue.object(object).canonicalBytes
    }

    /// The bundle identity: lowercase hex SHA-256 of ``canonicalBytes()``.
    public var id: String { SHA256Digest.hex(of: canonicalBytes()) }
}

extension JSONValue {
    /// This value with object members that exist only in `original` added back, recursively.
    /// Arrays are merged element by element when both have the same length.
    func keepingUnknownFields(from original: JSONValue) -> JSONValue {
        switch (self, original) {
        case (.object(var mine), .object(let theirs)):
            for (key, value) in theirs {
                if let current = mine[key] {
                    mine[key] = current.keepingUnknownFields(from: value)
                } else {
                    mine[key] = value
                }
            }
            return .object(mine)
        case (.array(let mine), .array(let theirs)) where mine.count == theirs.count:
            return .array(zip(mine, theirs).map { $0.keepingUnknownFields(from: $1) })
        default:
            return self
        }
    }
}
