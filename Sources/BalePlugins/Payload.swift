public import BaleBundle
public import BaleGraph

/// What flows along a plugin chain: the raw request, tensors, or the response.
///
/// A request starts as ``json(_:)`` or ``bytes(_:)``; the preprocess chain must end with
/// ``tensors(_:)`` (the model's inputs by name). The postprocess chain starts with the model's
/// outputs as ``tensors(_:)`` and usually ends with ``json(_:)``.
public enum Payload: Sendable, Hashable {
    /// A JSON value, e.g. `{"data": [0.1, 0.2]}` or `{"topk": [...]}`.
    case json(JSONValue)
    /// Opaque bytes, e.g. a PNG file.
    case bytes([UInt8])
    /// Named tensors.
    case tensors([String: Tensor])

    /// A raw request read from a file or stdin: JSON when the bytes parse as JSON (after
    /// optional whitespace, starting with `{` or `[`), else the bytes as they are.
    public init(detecting bytes: [UInt8]) {
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let value = try? JSONParser().parse(bytes) {
            self = .json(value)
        } else {
            self = .bytes(bytes)
        }
    }

    /// A short description for errors: `JSON`, `N bytes` or `tensors a, b`.
    public var kind: String {
        switch self {
        case .json: "JSON"
        case .bytes(let bytes): "\(bytes.count) bytes"
        case .tensors(let tensors): "tensors \(tensors.keys.sorted().joined(separator: ", "))"
        }
    }
}
