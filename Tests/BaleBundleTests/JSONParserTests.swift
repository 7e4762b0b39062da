import BaleBundle
import Foundation
import Testing

// MARK: - Fixtures

/// A document `JSONParser` must reject, with where and why.
struct JSONRejectionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let message: String
    let offset: Int

    init(_ name: String, _ input: String, _ message: String, at offset: Int) {
        self.init(name, Array(input.utf8), message, at: offset)
    }

    init(_ name: String, _ input: [UInt8], _ message: String, at offset: Int) {
        self.name = name
        self.input = input
        self.message = message
        self.offset = offset
    }

    var testDescription: String { name }
}

/// A document `JSONParser` must accept, with the value it denotes.
struct JSONAcceptanceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let expected: JSONValue

    init(_ name: String, _ input: String, _ expected: JSONValue) {
        (self.name, self.input, self.expected) = (name, input, expected)
    }

    var testDescription: String { name }
}

/// `"` as a byte, for hand-built invalid UTF-8 strings.
private let quote = UInt8(ascii: "\"")

// MARK: - Tests

@Suite struct JSONParserTests {
    static let rejections: [JSONRejectionCase] = [
        // Empty input, encoding and whitespace.
        .init("empty input", "", "expected a JSON value, found end of input", at: 0),
        .init("whitespace only", " \n\t", "expected a JSON value, found end of input", at: 3),
        .init("byte order mark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "byte order mark", at: 0),
        .init("form feed is not whitespace", "\u{0C}1", "expected a JSON value, found U+000C", at: 0),
        .init("NBSP is not whitespace", [0xC2, 0xA0, 0x31], "found byte 0xC2", at: 0),
        // Structure.
        .init("trailing comma in array", "[1,2,]", "trailing comma is not allowed", at: 4),
        .init("trailing comma in object", #"{"a":1,}"#, "trailing comma is not allowed", at: 6),
        .init("leading comma in array", "[,1]", "expected a JSON value, found ','", at: 1),
        .init("line comment", "// c\n1", "expected a JSON value, found '/'", at: 0),
        .init("block comment after value", "1 /* c */", "after the top-level value, found '/'", at: 2),
        .init("second top-level value", "1 2", "after the top-level value, found '2'", at: 2),
        .init("two objects", "{} {}", "after the top-level value, found '{'", at: 3),
        .init("missing comma in array", "[1 2]", "expected ',' or ']' after an array element, found '2'", at: 3),
        .init("missing comma in object", #"{"a":1 "b":2}"#, "expected ',' or '}' after an object member", at: 7),
        .init("missing colon", #"{"a" 1}"#, "expected ':' after an object key, found '1'", at: 5),
        .init("unquoted key", "{a:1}", "expected a string object key, found 'a'", at: 1),
        .init("single-quoted string", "'a'", "expected a JSON value, found '''", at: 0),
        .init("unclosed array", "[1,", "expected a JSON value, found end of input", at: 3),
        .init("unclosed object", #"{"a":1"#, "expected ',' or '}' after an object member, found end of input", at: 6),
        .init("mismatched bracket", "[1}", "expected ',' or ']' after an array element, found '}'", at: 2),
        // Literals.
        .init("truncated true", "tru", "invalid literal, expected 'true'", at: 0),
        .init("capitalized True", "True", "expected a JSON value, found 'T'", at: 0),
        .init("misspelled null", "[nul]", "invalid literal, expected 'null'", at: 1),
        .init("NaN", "NaN", "expected a JSON value, found 'N'", at: 0),
        .init("Infinity", "Infinity", "expected a JSON value, found 'I'", at: 0),
        .init("-Infinity", "-Infinity", "expected a digit after '-', found 'I'", at: 1),
        // Numbers.
        .init("leading zero", "01", "leading zeros are not allowed", at: 0),
        .init("negative leading zero", "[-01]", "leading zeros are not allowed", at: 2),
        .init("plus sign", "+1", "expected a JSON value, found '+'", at: 0),
        .init("bare fraction", ".5", "expected a JSON value, found '.'", at: 0),
        .init("empty fraction", "1.", "expected a digit after the decimal point, found end of input", at: 2),
        .init("fraction then exponent", "1.e5", "expected a digit after the decimal point, found 'e'", at: 2),
        .init("empty exponent", "1e", "expected a digit after the exponent marker", at: 2),
        .init("signed empty exponent", "1e+", "expected a digit after the exponent marker", at: 3),
        .init("hexadecimal", "0x10", "after the top-level value, found 'x'", at: 1),
        .init("overflow", "1e400", "number is too large", at: 0),
        .init("negative overflow", "[0, -1e400]", "number is too large", at: 4),
        .init("overflow by mantissa", "1" + String(repeating: "0", count: 400), "number is too large", at: 0),
        // Strings.
        .init("raw control character", "\"a\u{01}b\"", "control character U+0001 must be escaped", at: 2),
        .init("raw newline", "\"a\nb\"", "control character U+000A must be escaped", at: 2),
        .init("raw NUL", "\"\u{0}\"", "control character U+0000 must be escaped", at: 1),
        .init("unterminated string", #"["abc"#, "unterminated string", at: 1),
        .init("invalid escape", #""\x""#, "invalid escape sequence, found 'x'", at: 1),
        .init("escape at end", #""\"#, "invalid escape sequence, found end of input", at: 1),
        .init("short unicode escape", #""\u12""#, "expected 4 hex digits, found '\"'", at: 1),
        .init("non-hex unicode escape", #""ab\u12G4""#, "expected 4 hex digits, found 'G'", at: 3),
        .init("lone high surrogate", #""\uD800""#, #"unpaired surrogate \uD800"#, at: 1),
        .init("high surrogate then BMP", #""\uD83D\u0041""#, #"unpaired surrogate \uD83D"#, at: 1),
        .init("high surrogate then text", #""\uD83Dx""#, #"unpaired surrogate \uD83D"#, at: 1),
        .init("lone low surrogate", #""\uDE00""#, #"unpaired surrogate \uDE00"#, at: 1),
        .init("reversed surrogate pair", #""\uDE00\uD83D""#, #"unpaired surrogate \uDE00"#, at: 1),
        // UTF-8.
        .init("lone continuation byte", [quote, 0x80, quote], "invalid UTF-8 sequence starting with byte 0x80", at: 1),
        .init("overlong 2-byte", [quote, 0xC0, 0xAF, quote], "invalid UTF-8 sequence starting with byte 0xC0", at: 1),
        .init("overlong 3-byte", [quote, 0xE0, 0x80, 0xAF, quote], "starting with byte 0xE0", at: 1),
        .init("overlong 4-byte", [quote, 0xF0, 0x80, 0x80, 0xAF, quote], "starting with byte 0xF0", at: 1),
        .init("UTF-8 encoded surrogate", [quote, 0xED, 0xA0, 0x80, quote], "starting with byte 0xED", at: 1),
        .init("above U+10FFFF", [quote, 0xF4, 0x90, 0x80, 0x80, quote], "starting with byte 0xF4", at: 1),
        .init("F5 lead byte", [quote, 0x61, 0xF5, 0x80, 0x80, 0x80, quote], "starting with byte 0xF5", at: 2),
        .init("0xFF byte", [quote, 0xFF, quote], "starting with byte 0xFF", at: 1),
        .init("truncated sequence", [quote, 0xE2, 0x82, quote], "starting with byte 0xE2", at: 1),
        .init("truncated at end of input", [quote, 0xE2, 0x82], "starting with byte 0xE2", at: 1),
        // Duplicate keys.
        .init("duplicate key", #"{"name":1,"name":2}"#, #"duplicate key "name""#, at: 10),
        .init("duplicate after unescaping", #"{"a":1,"\u0061":2}"#, #"duplicate key "a""#, at: 7),
        .init("nested duplicate", #"{"x":{"k":1,"k":[]}}"#, #"duplicate key "k""#, at: 12),
        .init("duplicate control-character key", "{\"\\n\":1,\"\\u000a\":2}", #"duplicate key "\n""#, at: 8),
        // Unicode canonical equivalence: Swift `String` treats these as one key.
        .init("canonically equivalent keys", "{\"\u{E9}\":1,\"e\u{301}\":2}", "duplicate key", at: 8),
    ]

    @Test(arguments: rejections)
    func rejects(_ testCase: JSONRejectionCase) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser().parse(testCase.input) }
        #expect(error?.message.contains(testCase.message) == true, "\(error?.message ?? "no error")")
        #expect(error?.offset == testCase.offset)
    }

    static let acceptances: [JSONAcceptanceCase] = [
        .init("null", "null", .null),
        .init("true", "true", true),
        .init("false with whitespace", " \t\r\nfalse\n", false),
        .init("zero", "0", 0),
        .init("negative integer", "-42", -42),
        .init("fraction", "-12.5", -12.5),
        .init("exponent", "1.5e3", 1500),
        .init("capital exponent with sign", "1E-2", 0.01),
        .init("explicit plus exponent", "2e+2", 200),
        .init("long integer", "123456789012345678901234567890", .number(1.2345678901234568e29)),
        .init("2^53 + 1 rounds to even", "9007199254740993", .number(9007199254740992)),
        .init("underflow to zero", "1e-400", 0),
        .init("max double", "1.7976931348623157e308", .number(.greatestFiniteMagnitude)),
        .init("empty string", #""""#, ""),
        .init("short escapes", #""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        .init("unicode escapes", #""\u00e9\u00E9\uD83D\ude00\u0000""#, "\u{E9}\u{E9}\u{1F600}\u{0}"),
        .init("raw UTF-8", "\"\u{E9}\u{20AC}\u{1F600}\u{10FFFF}\"", "\u{E9}\u{20AC}\u{1F600}\u{10FFFF}"),
        .init("DEL is not a control character", "\"\u{7F}\"", "\u{7F}"),
        .init("empty containers", #"[[], {}, [{}]]"#, [[], [:], [[:]]]),
        .init("spaced structure", " [ 1 , { \"a\" : [ ] } ]\r\n", [1, ["a": []]]),
        .init("manifest", #"{"name":"llama","files":[{"path":"w.bin","size":1024}],"ok":true,"x":null}"#,
              ["name": "llama", "files": [["path": "w.bin", "size": 1024]], "ok": true, "x": nil]),
    ]

    @Test(arguments: acceptances)
    func accepts(_ testCase: JSONAcceptanceCase) throws {
        let value = try JSONParser().parse(testCase.input.utf8)
        #expect(value == testCase.expected)
        // Re-parsing the canonical form yields the same value.
        #expect(try JSONParser().parse(value.canonicalBytes) == value)
    }

    @Test func negativeZeroKeepsItsSign() throws {
        let value = try JSONParser().parse("-0".utf8)
        #expect(value.numberValue?.sign == .minus)
    }

    // MARK: - Positions

    @Test func descriptionNamesLineAndColumn() {
        let document = "{\n  \"name\": 1,\n  \"name\": 2\n}"
        let error = #expect(throws: JSONParseError.self) { try JSONParser().parse(document.utf8) }
        #expect(error?.description == #"line 3, column 3: duplicate key "name""#)
        #expect(error?.offset == 17)
    }

    @Test func descriptionOfUnexpectedCharacter() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser().parse("x".utf8) }
        #expect(error?.description == "line 1, column 1: expected a JSON value, found 'x'")
    }

    @Test func columnsCountUnicodeScalarsAndLinesCountLF() {
        let sameLine = #expect(throws: JSONParseError.self) { try JSONParser().parse("[\"\u{E9}\u{1F600}\", x]".utf8) }
        #expect(sameLine.map { [$0.offset, $0.line, $0.column] } == [11, 1, 8])
        let crlf = #expect(throws: JSONParseError.self) { try JSONParser().parse("[\r\n1,\r\n]".utf8) }
        #expect(crlf.map { [$0.offset, $0.line, $0.column] } == [4, 2, 2])
    }

    @Test func longDuplicateKeyIsTruncatedInMessage() {
        let key = String(repeating: "k", count: 1000)
        let error = #expect(throws: JSONParseError.self) {
            try JSONParser().parse("{\"\(key)\":1,\"\(key)\":2}".utf8)
        }
        #expect(error?.message == "duplicate key \"\(String(repeating: "k", count: 64))\"…")
    }

    // MARK: - Depth

    @Test func depthLimitIsInclusive() throws {
        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser().parse(atLimit.utf8)
        let overLimit = #expect(throws: JSONParseError.self) { try JSONParser().parse("[\(atLimit)]".utf8) }
        #expect(overLimit?.message == "nesting exceeds the maximum depth of 64")
        #expect(overLimit?.offset == 64)
        let objects = String(repeating: #"{"a":"#, count: 3) + "1" + String(repeating: "}", count: 3)
        #expect(throws: JSONParseError.self) { try JSONParser(maxDepth: 2).parse(objects.utf8) }
        #expect(try JSONParser(maxDepth: 0).parse("7".utf8) == 7)
    }

    @Test func tenThousandOpenBracketsAreRejectedWithoutCrashing() {
        let input = [UInt8](repeating: UInt8(ascii: "["), count: 10_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser().parse(input) }
        #expect(error?.offset == 64)
        // Even with a limit above the input's depth, parsing never recurses.
        let unlimited = #expect(throws: JSONParseError.self) { try JSONParser(maxDepth: 1_000_000).parse(input) }
        #expect(unlimited?.message == "expected a JSON value, found end of input")
        #expect(unlimited?.offset == 10_000)
    }

    // MARK: - Input types

    @Test func acceptsDataStringViewsAndNonContiguousCollections() throws {
        let text = #"{"a":[1,"b"]}"#
        let expected: JSONValue = ["a": [1, "b"]]
        #expect(try JSONParser().parse(Data(text.utf8)) == expected)
        #expect(try JSONParser().parse(text.utf8) == expected)
        #expect(try JSONParser().parse(Array(text.utf8)[...]) == expected)
        #expect(try JSONParser().parse(text.utf8.lazy.map { $0 }) == expected)
    }

    @Test func parsesAOneMebibyteDocument() throws {
        let member = #"{"path":"shards/model-00001.safetensors","size":123456789,"sha256":"\u00e9abc"}"#
        let count = (1 << 20) / (member.utf8.count + 1)
        let document = "[" + Array(repeating: member, count: count).joined(separator: ",") + "]"
        let value = try JSONParser().parse(Data(document.utf8))
        #expect(value.arrayValue?.count == count)
        #expect(value.arrayValue?.last?["sha256"]?.stringValue == "\u{E9}abc")
    }
}
