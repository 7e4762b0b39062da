// MARK: - JSONParser

/// A strict RFC 8259 JSON parser for untrusted input.
///
/// Beyond the RFC grammar it enforces: well-formed UTF-8 (no overlong forms,
/// no encoded surrogates, no byte order mark), no lone `\u` surrogates, no
/// duplicate object keys (compared after unescaping, with Swift `String`
/// equality), no numbers outside the finite `Double` range, and a maximum
/// nesting depth. Parsing is iterative and linear in the input size, so no
/// input can exhaust the stack.
public struct JSONParser: Sendable {
    /// The deepest nesting of arrays and objects accepted; a top-level scalar
    /// has depth 0 and `[]` has depth 1.
    public let maxDepth: Int

    /// Creates a parser that rejects documents nested deeper than `maxDepth`.
    public init(maxDepth: Int = 64) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        self.maxDepth = maxDepth
    }

    /// Parses exactly one JSON document from `bytes` (for example `Data`,
    /// `[UInt8]` or `String.UTF8View`).
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { parse(buffer: $0) }
            ?? Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
        return try result.get()
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var scanner = JSONScanner(bytes: buffer, maxDepth: maxDepth)
        do {
            return .success(try scanner.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}

// MARK: - JSONParseError

/// Why and where a document was rejected by ``JSONParser``.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Zero-based byte offset of the offending input.
    public let offset: Int
    /// One-based line number of ``offset``; lines are separated by LF.
    public let line: Int
    /// One-based column of ``offset``, counted in Unicode scalars.
    public let column: Int
    /// A human-readable explanation, such as `duplicate key "name"`.
    public let message: String

    /// One line, like `line 3, column 14: duplicate key "name"`.
    public var description: String {
        "line \(line), column \(column): \(message)"
    }

    /// Creates an error at `offset` in `bytes`, deriving line and column.
    init(message: String, offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == JSONByte.newline {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }
}

// MARK: - Scanner

/// The single-use state machine behind ``JSONParser``.
private struct JSONScanner {
    /// An array or object that is still open. Its finished elements (or member
    /// values) and member keys sit at the top of the shared `values` and `keys`
    /// stacks, so no per-container buffers are grown while parsing.
    struct Frame {
        /// Whether this is an object rather than an array.
        let isObject: Bool
        /// Index in `values` of this container's first element or member value.
        let firstValue: Int
        /// Index in `keys` of this object's first key.
        let firstKey: Int
    }

    /// The whole input.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The deepest container nesting allowed.
    let maxDepth: Int
    /// Offset of the next unread byte.
    var index = 0
    /// Finished values of all open containers, innermost last.
    var values: [JSONValue] = []
    /// Keys of all open objects with the byte offset of each, innermost last.
    var keys: [(name: String, offset: Int)] = []
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    /// Parses the whole input as one value followed only by whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw fail("a byte order mark is not allowed", at: 0)
        }
        var frames: [Frame] = []
        var value: JSONValue
        expectValue: while true {
            skipWhitespace()
            switch peek() {
            case JSONByte.openBracket, JSONByte.openBrace:
                guard frames.count < maxDepth else {
                    throw fail("nesting exceeds the maximum depth of \(maxDepth)", at: index)
                }
                let isObject = peek() == JSONByte.openBrace
                index += 1
                skipWhitespace()
                if peek() == Self.closer(isObject) {
                    index += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    frames.append(Frame(isObject: isObject, firstValue: values.count, firstKey: keys.count))
                    if isObject { try parseMemberKey() }
                    continue expectValue
                }
            default:
                value = try parseScalar()
            }
            // Hand the finished value to its container, closing containers as needed.
            while let frame = frames.last {
                values.append(value)
                skipWhitespace()
                switch peek() {
                case JSONByte.comma:
                    let comma = index
                    index += 1
                    skipWhitespace()
                    if peek() == Self.closer(frame.isObject) {
                        throw fail("trailing comma is not allowed", at: comma)
                    }
                    if frame.isObject { try parseMemberKey() }
                    continue expectValue
                case Self.closer(frame.isObject):
                    index += 1
                    frames.removeLast()
                    value = frame.isObject ? try closeObject(frame) : closeArray(frame)
                default:
                    let expected = frame.isObject ? "',' or '}' after an object member" : "',' or ']' after an array element"
                    throw fail("expected \(expected), found \(found())", at: index)
                }
            }
            skipWhitespace()
            guard index == bytes.count else {
                throw fail("expected end of input after the top-level value, found \(found())", at: index)
            }
            return value
        }
    }

    /// The byte that closes an object or an array.
    static func closer(_ isObject: Bool) -> UInt8 {
        isObject ? JSONByte.closeBrace : JSONByte.closeBracket
    }

    /// Pops the elements of `frame` off the value stack into an array.
    mutating func closeArray(_ frame: Frame) -> JSONValue {
        let elements = Array(values[frame.firstValue...])
        values.removeSubrange(frame.firstValue...)
        return .array(elements)
    }

    /// Pops the members of `frame` into an object, rejecting duplicate keys
    /// (compared after unescaping, with Swift `String` equality).
    mutating func closeObject(_ frame: Frame) throws(JSONParseError) -> JSONValue {
        var members = [String: JSONValue](minimumCapacity: values.count - frame.firstValue)
        for (key, value) in zip(keys[frame.firstKey...], values[frame.firstValue...]) {
            guard members.updateValue(value, forKey: key.name) == nil else {
                throw fail("duplicate key \(Self.quoted(key.name))", at: key.offset)
            }
        }
        values.removeSubrange(frame.firstValue...)
        keys.removeSubrange(frame.firstKey...)
        return .object(members)
    }

    // MARK: - Scalars

    /// Parses a string, number or literal starting at `index`.
    mutating func parseScalar() throws(JSONParseError) -> JSONValue {
        switch peek() {
        case JSONByte.quote: return .string(try parseString())
        case JSONByte.minus, JSONByte.zero...JSONByte.nine: return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw fail("expected a JSON value, found \(found())", at: index)
        }
    }

    /// Consumes `literal` (`true`, `false` or `null`) at `index`.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let literalBytes = UnsafeBufferPointer(start: literal.utf8Start, count: length)
        guard bytes[index...].starts(with: literalBytes) else {
            throw fail("invalid literal, expected '\(literal)'", at: index)
        }
        index += length
    }

    /// Parses an RFC 8259 number; rejects values that overflow `Double`.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        let negative = peek() == JSONByte.minus
        if negative { index += 1 }
        let integerStart = index
        switch peek() {
        case JSONByte.zero:
            index += 1
            if isDigit(peek()) { throw fail("leading zeros are not allowed", at: integerStart) }
        case JSONByte.one...JSONByte.nine:
            skipDigits()
        default:
            throw fail("expected a digit after '-', found \(found())", at: index)
        }
        let integerDigits = index - integerStart
        var isInteger = true
        if peek() == JSONByte.period {
            isInteger = false
            index += 1
            try expectDigits(after: "the decimal point")
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == JSONByte.plus || peek() == JSONByte.minus { index += 1 }
            try expectDigits(after: "the exponent marker")
        }
        if isInteger && integerDigits <= 15 {
            // Exact in Double; skips the general decimal-to-binary conversion.
            var magnitude: Int64 = 0
            for digit in bytes[integerStart..<index] { magnitude = magnitude * 10 + Int64(digit &- JSONByte.zero) }
            return negative ? -Double(magnitude) : Double(magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw fail("number is too large to represent as a double", at: start)
        }
        return value
    }

    /// Consumes one or more digits, which must follow `what`.
    mutating func expectDigits(after what: String) throws(JSONParseError) {
        guard isDigit(peek()) else { throw fail("expected a digit after \(what), found \(found())", at: index) }
        skipDigits()
    }

    /// Consumes zero or more digits.
    mutating func skipDigits() {
        while isDigit(peek()) { index += 1 }
    }

    /// Whether `byte` is an ASCII digit.
    func isDigit(_ byte: UInt8) -> Bool {
        JSONByte.zero...JSONByte.nine ~= byte
    }

    // MARK: - Strings

    /// Parses an object key onto the key stack and consumes the following ':'.
    mutating func parseMemberKey() throws(JSONParseError) {
        let start = index
        guard peek() == JSONByte.quote else {
            throw fail("expected a string object key, found \(found())", at: index)
        }
        keys.append((try parseString(), start))
        skipWhitespace()
        guard peek() == JSONByte.colon else {
            throw fail("expected ':' after an object key, found \(found())", at: index)
        }
        index += 1
    }

    /// Parses a string literal starting at its opening quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let open = index
        index += 1
        var runStart = index
        var hasEscapes = false
        while true {
            index = endOfPlainRun(from: index)
            guard index < bytes.count else { throw fail("unterminated string", at: open) }
            switch bytes[index] {
            case JSONByte.quote:
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<index])
                index += 1
                guard hasEscapes else { return String(decoding: run, as: UTF8.self) }
                scratch.append(contentsOf: run)
                return String(decoding: scratch, as: UTF8.self)
            case JSONByte.backslash:
                if !hasEscapes { scratch.removeAll(keepingCapacity: true) }
                hasEscapes = true
                scratch.append(contentsOf: bytes[runStart..<index])
                try parseEscape()
                runStart = index
            case 0..<0x20:
                throw fail("control character \(Self.hex(bytes[index], prefix: "U+", width: 4)) must be escaped", at: index)
            default:
                try skipMultiByteScalar()
            }
        }
    }

    /// The first offset from `start` holding a byte that a string cannot
    /// copy verbatim: `"`, `\`, a control character or a non-ASCII byte.
    func endOfPlainRun(from start: Int) -> Int {
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            if byte < 0x20 || byte >= 0x80 || byte == JSONByte.quote || byte == JSONByte.backslash { break }
            position += 1
        }
        return position
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`.
    mutating func parseEscape() throws(JSONParseError) {
        let start = index
        index += 1
        let replacement: UInt8
        switch peek() {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash: replacement = peek()
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            index += 1
            let unit = try parseHex4(escapeStart: start)
            let unpaired = "unpaired surrogate \(Self.hex(unit, prefix: "\\u", width: 4))"
            var scalar = UInt32(unit)
            if UTF16.isTrailSurrogate(unit) { throw fail(unpaired, at: start) }
            if UTF16.isLeadSurrogate(unit) {
                let next = index
                guard peek() == JSONByte.backslash, next + 1 < bytes.count, bytes[next + 1] == UInt8(ascii: "u") else {
                    throw fail(unpaired, at: start)
                }
                index += 2
                let trail = try parseHex4(escapeStart: next)
                guard UTF16.isTrailSurrogate(trail) else { throw fail(unpaired, at: start) }
                scalar = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(trail - 0xDC00)
            }
            // Surrogates were excluded above, so the scalar is always valid.
            UTF8.encode(Unicode.Scalar(scalar)!) { scratch.append($0) }
            return
        default:
            throw fail("invalid escape sequence, found \(found()) after '\\'", at: start)
        }
        scratch.append(replacement)
        index += 1
    }

    /// Consumes the 4 hex digits of a `\u` escape that began at `escapeStart`.
    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = peek()
            let nibble: UInt8
            switch byte {
            case JSONByte.zero...JSONByte.nine: nibble = byte - JSONByte.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape, expected 4 hex digits, found \(found())", at: escapeStart)
            }
            unit = unit << 4 | UInt16(nibble)
            index += 1
        }
        return unit
    }

    /// Skips one well-formed multi-byte UTF-8 scalar (Unicode Table 3-7).
    mutating func skipMultiByteScalar() throws(JSONParseError) {
        let start = index
        let lead = bytes[start]
        var (continuations, lower, upper): (Int, UInt8, UInt8) = (0, 0x80, 0xBF)
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: (continuations, lower) = (2, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: continuations = 2
        case 0xED: (continuations, upper) = (2, 0x9F)
        case 0xF0: (continuations, lower) = (3, 0x90)
        case 0xF1...0xF3: continuations = 3
        case 0xF4: (continuations, upper) = (3, 0x8F)
        default: break
        }
        guard continuations > 0, start + continuations < bytes.count else {
            throw invalidUTF8(at: start)
        }
        for position in start + 1 ... start + continuations {
            guard lower...upper ~= bytes[position] else { throw invalidUTF8(at: start) }
            (lower, upper) = (0x80, 0xBF)
        }
        index = start + continuations + 1
    }

    /// The error for a malformed UTF-8 sequence whose lead byte is at `start`.
    func invalidUTF8(at start: Int) -> JSONParseError {
        fail("invalid UTF-8 sequence starting with byte \(Self.hex(bytes[start], prefix: "0x", width: 2))", at: start)
    }

    // MARK: - Helpers

    /// The byte at `index`, or 0 at the end of input (0 is never valid there).
    func peek() -> UInt8 {
        index < bytes.count ? bytes[index] : 0
    }

    /// Consumes space, tab, LF and CR.
    mutating func skipWhitespace() {
        while index < bytes.count, JSONByte.isWhitespace(bytes[index]) { index += 1 }
    }

    /// Describes the input at `index` for an error message.
    func found() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        switch byte {
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x80: return Self.hex(byte, prefix: "U+", width: 4)
        default: return "byte \(Self.hex(byte, prefix: "0x", width: 2))"
        }
    }

    /// An error at `offset` with line and column resolved.
    func fail(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(message: message, offset: offset, in: bytes)
    }

    /// `value` in uppercase hex after `prefix`, zero-padded to `width` digits.
    static func hex(_ value: some BinaryInteger, prefix: String, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A key quoted and escaped for a one-line message, truncated if long.
    static func quoted(_ key: String) -> String {
        let limit = 64
        let shown = String(String.UnicodeScalarView(key.unicodeScalars.prefix(limit)))
        let escaped = String(decoding: JSONValue.string(shown).canonicalBytes, as: UTF8.self)
        return key.unicodeScalars.count > limit ? escaped + "…" : escaped
    }
}

// MARK: - JSONByte

/// Byte constants for the JSON grammar, shared by the parser and the
/// canonical writer.
enum JSONByte {
    static let newline = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let period = UInt8(ascii: ".")
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let zero = UInt8(ascii: "0")
    static let one = UInt8(ascii: "1")
    static let nine = UInt8(ascii: "9")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")

    /// Whether `byte` is JSON whitespace: space, tab, LF or CR.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
