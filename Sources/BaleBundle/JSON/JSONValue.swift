// MARK: - JSONValue

/// An immutable JSON document tree.
///
/// Values are produced by ``JSONParser`` (strict RFC 8259) and serialized
/// canonically with ``canonicalBytes`` (RFC 8785). Numbers are IEEE 754 doubles,
/// exactly as in RFC 8785's I-JSON data model.
///
/// - Note: Equality and hashing follow Swift `String` semantics, which compare
///   strings by Unicode canonical equivalence. Two strings that differ only in
///   normalization (for example precomposed `"é"` and `"e\u{301}"`) are equal
///   here, although their canonical bytes differ.
public enum JSONValue: Sendable, Hashable {
    /// The JSON literal `null`.
    case null
    /// A JSON `true` or `false`.
    case bool(Bool)
    /// A JSON number; always finite.
    case number(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object. Member order is not significant.
    case object([String: JSONValue])
}

// MARK: - Accessors

extension JSONValue {
    /// The member named `key` if this is an object that has one, otherwise `nil`.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The payload of a `.string`, otherwise `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The payload of a `.number`, otherwise `nil`.
    public var numberValue: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The payload of a `.bool`, otherwise `nil`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The members of an `.object`, otherwise `nil`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// The elements of an `.array`, otherwise `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }
}

// MARK: - Codable

extension JSONValue: Codable {
    /// Decodes any JSON value, trying null, Bool, Double, String, array and
    /// object in that order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Value is not null, a Bool, a number, a string, an array or an object."
            )
        }
    }

    /// Encodes the value. Integral numbers with magnitude below 2^53 are
    /// encoded as `Int64` so that encoders write `3` rather than `3.0`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let value):
            try container.encode(value)
        case .number(let value):
            if value.rounded(.towardZero) == value, abs(value) < 0x1p53 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value):
            try container.encode(value)
        case .array(let value):
            try container.encode(value)
        case .object(let value):
            try container.encode(value)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates `.null`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates `.bool(value)`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates `.number` from an integer literal.
    public init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates `.number(value)`.
    public init(floatLiteral value: Double) {
        self = .number(value)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates `.string(value)`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates `.array(elements)`.
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates `.object` from the literal's members; duplicate keys trap,
    /// as they do in a `Dictionary` literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
}
