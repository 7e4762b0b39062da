// MARK: - Canonical serialization

extension JSONValue {
    /// The RFC 8785 (JSON Canonicalization Scheme) serialization of this value.
    ///
    /// Object members are sorted by the UTF-16 code units of their names, no
    /// whitespace is emitted, strings use the minimal JCS escapes, and numbers
    /// are formatted like ECMAScript's `Number.prototype.toString`.
    ///
    /// - Precondition: every number is finite (always true for parsed values).
    public var canonicalBytes: [UInt8] {
        var output: [UInt8] = []
        CanonicalJSONWriter.write(self, to: &output)
        return output
    }

    /// Parses `bytes` strictly with `parser` and returns their RFC 8785
    /// canonical form.
    public static func canonicalize(
        _ bytes: some Collection<UInt8>,
        using parser: JSONParser = JSONParser()
    ) throws(JSONParseError) -> [UInt8] {
        try parser.parse(bytes).canonicalBytes
    }
}

// MARK: - Writer

/// The RFC 8785 serialization routines behind ``JSONValue/canonicalBytes``.
private enum CanonicalJSONWriter {
    /// Appends the canonical form of `value` to `output`.
    static func write(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            writeNumber(number, to: &output)
        case .string(let string):
            writeString(string, to: &output)
        case .array(let elements):
            output.append(JSONByte.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                write(element, to: &output)
            }
            output.append(JSONByte.closeBracket)
        case .object(let members):
            output.append(JSONByte.openBrace)
            for (position, member) in sortedByUTF16(members).enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                writeString(member.key, to: &output)
                output.append(JSONByte.colon)
                write(member.value, to: &output)
            }
            output.append(JSONByte.closeBrace)
        }
    }

    /// Members ordered by comparing names as UTF-16 code unit sequences
    /// (RFC 8785 §3.2.3), which differs from Swift's `String` ordering.
    static func sortedByUTF16(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        members.sorted { utf16Precedes($0.key, $1.key) }
    }

    /// Whether `lhs` sorts before `rhs` when both are compared as sequences
    /// of UTF-16 code units, without materializing the UTF-16 forms.
    static func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.unicodeScalars.makeIterator()
        var right = rhs.unicodeScalars.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (leftScalar?, rightScalar?) where leftScalar != rightScalar:
                return utf16Rank(leftScalar) < utf16Rank(rightScalar)
            default: continue
            }
        }
    }

    /// A key that orders scalars as their UTF-16 encodings compare:
    /// U+0000–U+D7FF, then supplementary scalars (lead surrogates
    /// D800–DBFF), then U+E000–U+FFFF.
    static func utf16Rank(_ scalar: Unicode.Scalar) -> UInt32 {
        switch scalar.value {
        case ..<0xD800: scalar.value
        case 0x10000...: scalar.value - 0x10000 + 0xD800
        default: scalar.value + 0x10_0000
        }
    }

    // MARK: - Strings

    /// ASCII `0`-`9`, `a`-`f`; RFC 8785 requires lowercase hex in `\u` escapes.
    static let lowercaseHexDigits = Array("0123456789abcdef".utf8)

    /// Writes `string` quoted, escaping only what RFC 8785 §3.2.2.2 requires.
    static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(JSONByte.quote)
        if string.utf8.withContiguousStorageIfAvailable({ writeEscaped($0, to: &output) }) == nil {
            Array(string.utf8).withUnsafeBufferPointer { writeEscaped($0, to: &output) }
        }
        output.append(JSONByte.quote)
    }

    /// Copies `utf8` to `output`, escaping `"`, `\` and U+0000–U+001F.
    static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        for (position, byte) in utf8.enumerated() where byte < 0x20 || byte == JSONByte.quote || byte == JSONByte.backslash {
            output.append(contentsOf: utf8[runStart..<position])
            runStart = position + 1
            switch byte {
            case JSONByte.quote, JSONByte.backslash: output.append(contentsOf: [JSONByte.backslash, byte])
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            default:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(lowercaseHexDigits[Int(byte >> 4)])
                output.append(lowercaseHexDigits[Int(byte & 0xF)])
            }
        }
        output.append(contentsOf: utf8[runStart...])
    }

    // MARK: - Numbers

    /// Writes `number` as ECMAScript `Number.prototype.toString` would
    /// (ECMA-262 Number::toString, as referenced by RFC 8785 §3.2.2.3).
    static func writeNumber(_ number: Double, to output: inout [UInt8]) {
        precondition(number.isFinite, "RFC 8785 cannot represent \(number)")
        if number == 0 {
            output.append(JSONByte.zero)  // Covers -0 as well.
            return
        }
        if number.rounded(.towardZero) == number, number.magnitude < 0x1p53 {
            // Safe integers print as plain digits; skip the general path.
            output.append(contentsOf: String(Int64(number)).utf8)
            return
        }
        if number < 0 { output.append(JSONByte.minus) }
        let (digits, n) = shortestDigits(of: number.magnitude)
        let k = digits.count
        // The value is 0.d₁d₂…d_k × 10ⁿ, i.e. s × 10^(n-k) in ECMA-262 terms.
        if k <= n && n <= 21 {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(JSONByte.zero, count: n - k))
        } else if 0 < n && n <= 21 {
            output.append(contentsOf: digits[..<n])
            output.append(JSONByte.period)
            output.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            output.append(contentsOf: "0.".utf8)
            output.append(contentsOf: repeatElement(JSONByte.zero, count: -n))
            output.append(contentsOf: digits)
        } else {
            output.append(digits[0])
            if k > 1 {
                output.append(JSONByte.period)
                output.append(contentsOf: digits[1...])
            }
            output.append(contentsOf: (n - 1 < 0 ? "e-" : "e+").utf8)
            output.append(contentsOf: String((n - 1).magnitude).utf8)
        }
    }

    /// The shortest round-trip decimal digits of a positive finite `value`
    /// (no leading or trailing zeros) and the exponent `n` such that
    /// `value == 0.digits × 10ⁿ`.
    ///
    /// `Double.description` already yields the shortest, closest round-trip
    /// digits; this only re-reads them from its `"123.45"` or `"1.5e-07"` form.
    static func shortestDigits(of value: Double) -> (digits: [UInt8], exponent: Int) {
        var digits: [UInt8] = []
        var integerDigitCount = 0
        var seenPoint = false
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for byte in value.description.utf8 {
            switch byte {
            case JSONByte.zero...JSONByte.nine where inExponent:
                exponent = exponent * 10 + Int(byte - JSONByte.zero)
            case JSONByte.zero...JSONByte.nine:
                digits.append(byte)
                if !seenPoint { integerDigitCount += 1 }
            case JSONByte.period: seenPoint = true
            case UInt8(ascii: "e"): inExponent = true
            case JSONByte.minus: exponentSign = -1
            default: break  // "+" in the exponent.
            }
        }
        let leadingZeros = digits.prefix { $0 == JSONByte.zero }.count
        digits.removeFirst(leadingZeros)
        while digits.last == JSONByte.zero { digits.removeLast() }
        return (digits, integerDigitCount + exponentSign * exponent - leadingZeros)
    }
}
