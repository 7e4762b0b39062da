// MARK: - Header dict

/// The three fields of an `.npy` header, as NumPy writes them:
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeader {
    /// The dtype string, e.g. `<f4`, or a rendering of a structured descr (a list).
    var descr: PythonLiteral
    /// Whether the data is in Fortran (column-major) order.
    var fortranOrder: Bool
    /// The dimensions.
    var shape: [Int]

    /// Parses and checks a header's text.
    ///
    /// The text must be one dict literal with exactly the keys `descr`, `fortran_order` and
    /// `shape`, in any order, with any spacing, optionally followed by whitespace (NumPy pads with
    /// spaces and ends with a newline).
    /// - Parameter bytes: the header, between the length field and the data.
    /// - Throws: a one-line description of the first fault.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(HeaderSyntaxError) -> NPYHeader {
        var parser = PythonLiteralParser(bytes)
        let entries = try parser.parseHeaderDict()
        var fields: [String: PythonLiteral] = [:]
        for (key, value) in entries {
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw HeaderSyntaxError(
                    "unexpected key \(PythonLiteral.string(key).shortText) (expected 'descr', 'fortran_order', 'shape')"
                )
            }
            guard fields.updateValue(value, forKey: key) == nil else {
                throw HeaderSyntaxError("duplicate key '\(key)'")
            }
        }
        guard let descr = fields["descr"], let order = fields["fortran_order"], let shapeValue = fields["shape"] else {
            let missing = ["descr", "fortran_order", "shape"].filter { fields[$0] == nil }
            throw HeaderSyntaxError("missing key \(missing.map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard case .bool(let fortranOrder) = order else {
            throw HeaderSyntaxError("'fortran_order' must be True or False, found \(order.shortText)")
        }
        guard case .tuple(let dims) = shapeValue else {
            throw HeaderSyntaxError("'shape' must be a tuple of integers, found \(shapeValue.shortText)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard case .int(let n) = dim, n >= 0 else {
                throw HeaderSyntaxError("'shape' must hold non-negative integers, found \(dim.shortText)")
            }
            shape.append(n)
        }
        return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    /// The header text NumPy writes for a C-order array, including its spare space for growing
    /// the first axis in place (NumPy's `GROWTH_AXIS_MAX_DIGITS`), without padding.
    static func text(descr: String, shape: [Int]) -> String {
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(pythonTuple(shape)), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        return text
    }

    /// Python's `repr` of a tuple of integers: `()`, `(5,)`, `(2, 3)`.
    static func pythonTuple(_ values: [Int]) -> String {
        values.count == 1 ? "(\(values[0]),)" : "(\(values.map(String.init).joined(separator: ", ")))"
    }
}

/// A fault in a header's text, without the file name (the reader adds it).
struct HeaderSyntaxError: Error {
    var detail: String
    init(_ detail: String) { self.detail = detail }
}

// MARK: - Python literals

/// The subset of Python literals an `.npy` header can hold.
indirect enum PythonLiteral {
    case string(String)
    case int(Int)
    case bool(Bool)
    case tuple([PythonLiteral])
    case list([PythonLiteral])

    /// A short one-line rendering for messages: long values are cut, control characters escaped.
    var shortText: String {
        let full = text
        let cut = full.count > 48 ? "\(full.prefix(45))..." : full
        return String(cut.unicodeScalars.map { $0.isASCII && $0.value < 0x20 ? "?" : Character($0) })
    }

    /// The literal as Python would print it.
    private var text: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .int(let n): String(n)
        case .bool(let b): b ? "True" : "False"
        case .tuple(let items):
            items.count == 1 ? "(\(items[0].text),)" : "(\(items.map(\.text).joined(separator: ", ")))"
        case .list(let items): "[\(items.map(\.text).joined(separator: ", "))]"
        }
    }
}

/// A strict parser for the Python literals NumPy writes in headers: a dict with string keys whose
/// values are strings, integers (a Python 2 `L` suffix allowed), `True`/`False`, tuples and lists.
///
/// It never traps: integers that overflow, unterminated strings, escapes, and nesting deeper than
/// ``maxDepth`` are all reported as errors.
struct PythonLiteralParser {
    /// How deeply tuples and lists may nest; NumPy's deepest is a structured descr (2).
    static let maxDepth = 8

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// Parses `{key: value, ...}` followed only by whitespace; returns the entries in order.
    mutating func parseHeaderDict() throws(HeaderSyntaxError) -> [(String, PythonLiteral)] {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        var entries: [(String, PythonLiteral)] = []
        while true {
            skipSpace()
            if take(UInt8(ascii: "}")) { break }
            guard case .string(let key) = try parseValue(depth: 0) else {
                throw HeaderSyntaxError("dict keys must be strings (at offset \(offset))")
            }
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            entries.append((key, try parseValue(depth: 0)))
            skipSpace()
            if take(UInt8(ascii: "}")) { break }
            try expect(UInt8(ascii: ","))
        }
        skipSpace()
        guard index == bytes.endIndex else { throw HeaderSyntaxError("unexpected \(found) after the dict") }
        return entries
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(HeaderSyntaxError) -> PythonLiteral {
        guard let byte = peek else { throw HeaderSyntaxError("header ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return try parseString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseInt()
        case UInt8(ascii: "("), UInt8(ascii: "["):
            guard depth < Self.maxDepth else {
                throw HeaderSyntaxError("values nest deeper than \(Self.maxDepth) levels")
            }
            return try parseSequence(depth: depth + 1)
        default:
            if takeWord("True") { return .bool(true) }
            if takeWord("False") { return .bool(false) }
            throw HeaderSyntaxError("unexpected \(found) where a value was expected")
        }
    }

    /// A quoted string without escapes or control characters (NumPy never writes either).
    private mutating func parseString() throws(HeaderSyntaxError) -> PythonLiteral {
        let quote = bytes[index]
        let start = index + 1
        index = start
        while let byte = peek, byte != quote {
            guard byte >= 0x20, byte != UInt8(ascii: "\\") else {
                throw HeaderSyntaxError("unsupported character \(found) in a string (no escapes or control characters)")
            }
            index += 1
        }
        guard index < bytes.endIndex else { throw HeaderSyntaxError("unterminated string") }
        index += 1
        return .string(String(decoding: bytes[start..<index - 1], as: UTF8.self))
    }

    private mutating func parseInt() throws(HeaderSyntaxError) -> PythonLiteral {
        let negative = take(UInt8(ascii: "-"))
        var value = 0
        var digits = 0
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw HeaderSyntaxError("integer too large at offset \(offset)") }
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw HeaderSyntaxError("expected digits after '-' at offset \(offset)") }
        _ = take(UInt8(ascii: "L"))
        return .int(negative ? -value : value)
    }

    /// A tuple `(a, b)`, `(a,)`, `()` or a list `[a, b]`; `(a)` is just `a`, as in Python.
    private mutating func parseSequence(depth: Int) throws(HeaderSyntaxError) -> PythonLiteral {
        let isTuple = bytes[index] == UInt8(ascii: "(")
        let close = isTuple ? UInt8(ascii: ")") : UInt8(ascii: "]")
        index += 1
        var items: [PythonLiteral] = []
        var sawComma = false
        while true {
            skipSpace()
            if take(close) { break }
            items.append(try parseValue(depth: depth))
            skipSpace()
            if take(close) { break }
            try expect(UInt8(ascii: ","))
            sawComma = true
        }
        if isTuple, items.count == 1, !sawComma { return items[0] }
        return isTuple ? .tuple(items) : .list(items)
    }

    // MARK: Bytes

    private var peek: UInt8? { index < bytes.endIndex ? bytes[index] : nil }
    private var offset: Int { index - bytes.startIndex }

    /// What is at the current position, for messages.
    private var found: String {
        guard let byte = peek else { return "end of header" }
        let shown =
            (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return "\(shown) at offset \(offset)"
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func takeWord(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes[index...].starts(with: utf8) else { return false }
        index += utf8.count
        return true
    }

    private mutating func expect(_ byte: UInt8) throws(HeaderSyntaxError) {
        guard take(byte) else {
            throw HeaderSyntaxError("expected '\(Character(Unicode.Scalar(byte)))', found \(found)")
        }
    }
}
