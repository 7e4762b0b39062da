import BaleBundle
import Foundation
import Testing

// MARK: - Fixtures

/// A double and its RFC 8785 / ECMAScript serialization.
struct JCSNumberCase: Sendable, CustomTestStringConvertible {
    let value: Double
    let expected: String

    init(_ value: Double, _ expected: String) {
        (self.value, self.expected) = (value, expected)
    }

    /// A case given by IEEE 754 bit pattern, as RFC 8785 Appendix B lists them.
    init(bits: UInt64, _ expected: String) {
        self.init(Double(bitPattern: bits), expected)
    }

    var testDescription: String { "\(value.debugDescription) → \(expected)" }
}

/// A string and its canonical (quoted, escaped) serialization.
struct JCSStringCase: Sendable, CustomTestStringConvertible {
    let name: String
    let value: String
    let expected: String

    init(_ name: String, _ value: String, _ expected: String) {
        (self.name, self.value, self.expected) = (name, value, expected)
    }

    var testDescription: String { name }
}

/// A tiny deterministic generator (SplitMix64) for reproducible random doubles.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Canonical bytes of `value` as a `String`.
private func canonical(_ value: JSONValue) -> String {
    String(decoding: value.canonicalBytes, as: UTF8.self)
}

/// Canonical form of a JSON text, as a `String`.
private func canonical(_ text: String) throws -> String {
    String(decoding: try JSONValue.canonicalize(text.utf8), as: UTF8.self)
}

/// The mantissa digits of a number's text without leading or trailing zeros.
private func significantDigits(_ text: String) -> String {
    let mantissa = text.prefix { $0 != "e" }.filter(\.isNumber)
    return String(mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.reversed())
}

// MARK: - Tests

@Suite struct CanonicalJSONTests {
    static let numbers: [JCSNumberCase] = [
        // RFC 8785 Appendix B.
        .init(bits: 0x0000_0000_0000_0000, "0"),
        .init(bits: 0x8000_0000_0000_0000, "0"),
        .init(bits: 0x0000_0000_0000_0001, "5e-324"),
        .init(bits: 0x8000_0000_0000_0001, "-5e-324"),
        .init(bits: 0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        .init(bits: 0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        .init(bits: 0x4340_0000_0000_0000, "9007199254740992"),
        .init(bits: 0xC340_0000_0000_0000, "-9007199254740992"),
        .init(bits: 0x4430_0000_0000_0000, "295147905179352830000"),
        .init(bits: 0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        .init(bits: 0x44B5_2D02_C7E1_4AF6, "1e+23"),
        .init(bits: 0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        .init(bits: 0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        .init(bits: 0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        .init(bits: 0x444B_1AE4_D6E2_EF50, "1e+21"),
        .init(bits: 0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        .init(bits: 0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        .init(bits: 0x41B3_DE43_5555_5553, "333333333.3333332"),
        .init(bits: 0x41B3_DE43_5555_5554, "333333333.33333325"),
        .init(bits: 0x41B3_DE43_5555_5555, "333333333.3333333"),
        .init(bits: 0x41B3_DE43_5555_5556, "333333333.3333334"),
        .init(bits: 0x41B3_DE43_5555_5557, "333333333.33333343"),
        .init(bits: 0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        .init(bits: 0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
        // Formatting boundaries of ECMAScript Number::toString.
        .init(1e21, "1e+21"),
        .init(1e20, "100000000000000000000"),
        .init(123e18, "123000000000000000000"),
        .init(1.5e21, "1.5e+21"),
        .init(0.000001, "0.000001"),
        .init(0.0000001, "1e-7"),
        .init(1.5e-7, "1.5e-7"),
        .init(0.0000015, "0.0000015"),
        .init(4.35, "4.35"),
        .init(0.002, "0.002"),
        .init(0.1, "0.1"),
        .init(-1.5, "-1.5"),
        .init(100, "100"),
        .init(-42, "-42"),
        .init(1, "1"),
        .init(123.456, "123.456"),
        .init(1e15, "1000000000000000"),
        .init(9007199254740991, "9007199254740991"),
        .init(2.5e-300, "2.5e-300"),
        .init(.leastNormalMagnitude, "2.2250738585072014e-308"),
    ]

    @Test(arguments: numbers)
    func numberFormatting(_ testCase: JCSNumberCase) {
        #expect(canonical(.number(testCase.value)) == testCase.expected)
    }

    @Test func numbersRoundTripAndMatchTheirShortestForm() throws {
        var generator = SplitMix64(state: 8785)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = canonical(.number(value))
            #expect(Double(text) == value, "\(text)")
            #expect(significantDigits(text) == significantDigits(value.description), "\(text)")
        }
    }

    @Test func nonFiniteNumbersTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = JSONValue.number(.infinity).canonicalBytes
        }
    }

    // MARK: - Strings

    static let strings: [JCSStringCase] = [
        .init("plain ASCII", "hello", #""hello""#),
        .init("quote and backslash", #"a"b\c"#, #""a\"b\\c""#),
        .init("short escapes", "\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
        .init("other controls use lowercase hex", "\u{0}\u{1}\u{B}\u{F}\u{1F}", #""\u0000\u0001\u000b\u000f\u001f""#),
        .init("slash is literal", "a/b", #""a/b""#),
        .init("DEL is literal", "\u{7F}", "\"\u{7F}\""),
        .init("non-ASCII is literal UTF-8", "\u{E9}\u{20AC}\u{1F600}\u{2028}", "\"\u{E9}\u{20AC}\u{1F600}\u{2028}\""),
        .init("empty", "", #""""#),
    ]

    @Test(arguments: strings)
    func stringEscaping(_ testCase: JCSStringCase) {
        #expect(canonical(.string(testCase.value)) == testCase.expected)
    }

    // MARK: - Documents

    @Test func rfc8785MainExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"#
            + #""string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    @Test func membersSortByUTF16CodeUnits() throws {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33.
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected = #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","\#u{F6}":"#
            + #""Latin Small Letter O With Diaeresis","\#u{20AC}":"Euro Sign","\#u{1F600}":"#
            + #""Emoji: Grinning Face","\#u{FB33}":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try canonical(input) == expected)
        // Swift's own String ordering disagrees, which is why it is not used.
        #expect("\u{FB33}" < "\u{1F600}")
    }

    @Test func nestedStructureHasNoWhitespace() {
        let value: JSONValue = ["b": [1, 2.5, ["z": nil, "a": false]], "a": "x", "": [:]]
        #expect(canonical(value) == #"{"":{},"a":"x","b":[1,2.5,{"a":false,"z":null}]}"#)
    }

    @Test func formattingAndOrderDoNotAffectTheResult() throws {
        let compact = #"{"size":1024,"name":"model","tags":["a","b"]}"#
        let spaced = "{ \"tags\" : [ \"a\" ,\n\"b\" ] ,\r\n\t\"name\":\"m\\u006fdel\", \"size\": 1.024e3 }"
        #expect(try JSONValue.canonicalize(compact.utf8) == JSONValue.canonicalize(spaced.utf8))
    }

    @Test(arguments: [
        #"{"b":[1,{"d":1e-7,"c":-0}],"a":"\u00e9\n","\ud83d\ude00":true,"\uffff":null}"#,
        "[0.1, 1e21, 1E+300, -5e-324, -0.0]",
        #""\u0000\u001f\"\\/""#,
        "123456789012345678901234567890",
    ])
    func canonicalizationIsIdempotent(_ text: String) throws {
        let once = try JSONValue.canonicalize(text.utf8)
        #expect(try JSONValue.canonicalize(once) == once)
        #expect(try JSONParser().parse(once) == JSONParser().parse(text.utf8))
    }

    @Test func canonicalizeReportsParseErrors() {
        #expect(throws: JSONParseError.self) { try JSONValue.canonicalize(#"{"a":1,"a":1}"#.utf8) }
    }

    // MARK: - Codable

    @Test func codableRoundTrip() throws {
        let value: JSONValue = [
            "name": "llama", "size": 3, "ratio": 1.5, "big": 1e300, "neg": -7,
            "ok": true, "none": nil, "list": [1, "two", [false], [:]],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        // Integral numbers are written without a fractional part.
        #expect(try encoder.encode([3, 1.5, -0.0] as JSONValue) == Data("[3,1.5,0]".utf8))
        // JSONDecoder and JSONParser agree on a document.
        let text = #"{"a":[1,2.25,"x",null,true],"b":{"c":{}}}"#
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == JSONParser().parse(text.utf8))
    }

    @Test func accessors() {
        let value: JSONValue = ["name": "llama", "size": 3, "flags": [true], "meta": [:]]
        #expect(value["name"]?.stringValue == "llama")
        #expect(value["size"]?.numberValue == 3)
        #expect(value["flags"]?.arrayValue?.first?.boolValue == true)
        #expect(value["meta"]?.objectValue == [:])
        #expect(value["missing"] == nil)
        #expect(value["name"]?.numberValue == nil)
        #expect(JSONValue.array([1])["name"] == nil)
    }
}
